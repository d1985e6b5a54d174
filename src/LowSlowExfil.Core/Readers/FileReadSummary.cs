using System;
using System.Collections.Generic;
using System.Globalization;

namespace LowSlowExfil.Readers
{
    /// <summary>How one file was read.</summary>
    public sealed class FileReadSummary
    {
        public string File { get; set; } = string.Empty;
        public LogFormat Format { get; set; }
        /// <summary>Records decoded (rows or JSON records), whether or not the rule counts them.</summary>
        public long Records { get; set; }
        public long ProxyEvents { get; set; }
        public long SharingEvents { get; set; }
        /// <summary>Records that could not be decoded; each one was reported as a ReadIssue.</summary>
        public long Skipped { get; set; }
        /// <summary>
        /// CSV rows with fewer fields than the header, read with the missing fields empty (as Import-Csv and Excel read
        /// them: a tool that drops trailing empty cells writes such rows).
        /// </summary>
        public long ShortRows { get; set; }
        /// <summary>
        /// JSON records (or the array holding them) with a comma before a closing bracket, which JSON forbids but which
        /// every peer reads (a file edited by hand, the Sentinel repository's sample data): read as if it were absent.
        /// </summary>
        public long TrailingCommas { get; set; }
        /// <summary>Raw-feed records replayed after a reconnect (same externalId), counted once.</summary>
        public long Replays { get; set; }
        /// <summary>Something about the file worth telling that is not an error (e.g. it is a feed template).</summary>
        public string? Notice { get; set; }
        /// <summary>True when the file could not be read at all (or not past some point); reported as a ReadIssue.</summary>
        public bool Failed { get; set; }
        /// <summary>Bytes of the file as stored (compressed, for a .gz); 0 for a stream read without a file.</summary>
        public long Bytes { get; set; }
        /// <summary>How long reading the file took.</summary>
        public TimeSpan Elapsed { get; set; }
        /// <summary>Threads that read the file: more than one when a large CSV export was cut into ranges.</summary>
        public int Threads { get; set; } = 1;
        /// <summary>
        /// The UTC hours (hour numbers since year 1) in which the file had proxy events the rule counts: two exports that
        /// share hours may be overlapping exports of one table, whose rows carry no id to count them once by.
        /// Null when the file was not read into an accumulator that counts them.
        /// </summary>
        public HashSet<long>? CountedProxyHours { get; set; }

        public override string ToString() =>
            $"{File}: {Format}, {Records} records read ({ProxyEvents} proxy, {SharingEvents} sharing), {Skipped} skipped" +
            (Replays > 0 ? $", {Replays} replayed duplicates counted once" : "") +
            (ShortRows > 0 ? $", {ShortRows} rows with fewer fields than the header (the missing fields read as empty)" : "") +
            (TrailingCommas > 0 ? $", {TrailingCommas} trailing comma(s) before a closing bracket (read as if absent)" : "") + (Failed ? ", read failed" : "") + (Notice != null ? "; " + Notice : "");

        /// <summary>
        /// "634.1 MB in 0.55 s (1,153 MB/s, 2 threads)", or empty without a size or time. Apart from
        /// <see cref="ToString"/>, which says what was read and so is the same for every read of the same file.
        /// </summary>
        public string Speed()
        {
            if (Bytes <= 0 || Elapsed <= TimeSpan.Zero) return "";
            double mb = Bytes / 1048576.0;
            return string.Format(CultureInfo.InvariantCulture, "{0:N1} MB in {1:0.00} s ({2:N0} MB/s{3})",
                mb, Elapsed.TotalSeconds, mb / Elapsed.TotalSeconds, Threads > 1 ? ", " + Threads + " threads" : "");
        }
    }
}
