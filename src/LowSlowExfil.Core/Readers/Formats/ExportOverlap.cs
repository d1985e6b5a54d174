using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Exports of proxy events whose counted events fall in the same hours: CommonSecurityLog rows carry no record id
    /// (raw NSS feeds do, and audit records do), so the same rows exported twice would count twice. Not an error — two
    /// exports of different sources may share hours — but worth a warning that names the files and the hours.
    /// </summary>
    public static class ExportOverlap
    {
        /// <summary>One message per pair of files whose counted proxy hours meet, in file order.</summary>
        public static IEnumerable<string> Describe(IReadOnlyList<FileReadSummary> files)
        {
            var exports = files.Where(f => f.CountedProxyHours != null && f.CountedProxyHours.Count > 0
                && (f.Format == LogFormat.CommonSecurityLogCsv || f.Format == LogFormat.Json) && f.Replays == 0).ToList();
            for (int i = 0; i < exports.Count; i++)
                for (int j = i + 1; j < exports.Count; j++)
                {
                    // Both non-null: the filter above kept only files with counted hours.
                    var shared = new List<long>(exports[i].CountedProxyHours!.Where(exports[j].CountedProxyHours!.Contains));
                    if (shared.Count == 0) continue;
                    shared.Sort();
                    yield return $"'{exports[i].File}' and '{exports[j].File}' both hold counted uploads in the same {shared.Count} hour(s), " +
                        $"{Hour(shared[0])} to {Hour(shared[shared.Count - 1] + 1)}: if they are overlapping exports of one CommonSecurityLog, " +
                        "those uploads are counted twice (its rows carry no id to count them once by); export ranges that do not overlap.";
                }
        }

        private static string Hour(long hour) =>
            new DateTime(hour * TimeSpan.TicksPerHour, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);
    }
}
