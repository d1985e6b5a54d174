using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using LowSlowExfil.Readers;

namespace LowSlowExfil.Scoring
{
    /// <summary>User → peer group (e.g. department), from a CSV file or a dictionary (a PowerShell hashtable).</summary>
    public static class PeerGroupMap
    {
        private static readonly string[] UserColumns = { "UserName", "User", "UserPrincipalName", "UPN", "Mail", "Email", "UserId" };
        private static readonly string[] GroupColumns = { "PeerGroup", "Group", "Department", "Team" };

        /// <summary>Keys lower-cased as the rule lower-cases user names; empty keys or groups are dropped.</summary>
        public static IReadOnlyDictionary<string, string> FromDictionary(IDictionary map)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (DictionaryEntry e in map)
            {
                string? user = Convert.ToString(e.Key, System.Globalization.CultureInfo.InvariantCulture)?.Trim();
                string? group = Convert.ToString(e.Value, System.Globalization.CultureInfo.InvariantCulture)?.Trim();
                if (user is { Length: > 0 } && group is { Length: > 0 }) result[user.ToLowerInvariant()] = group;
            }
            return result;
        }

        /// <summary>A CSV with a user column (UserName, User, UserPrincipalName, UPN, Mail, Email or UserId) and a group
        /// column (PeerGroup, Group, Department or Team). Throws InvalidDataException naming the file and line.</summary>
        public static IReadOnlyDictionary<string, string> FromCsv(string path)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            using (var text = new StreamReader(path, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true))
            {
                var csv = new CsvRecordReader(text, 1024 * 1024);
                if (!csv.Read(out string? error) || error != null) throw new InvalidDataException($"{path}: cannot read the header{(error != null ? ": " + error : "")}.");
                var header = Enumerable.Range(0, csv.FieldCount).Select(i => (csv.GetField(i) ?? string.Empty).Trim().TrimStart('\uFEFF')).ToList();
                int userCol = header.FindIndex(h => UserColumns.Contains(h, StringComparer.OrdinalIgnoreCase));
                int groupCol = header.FindIndex(h => GroupColumns.Contains(h, StringComparer.OrdinalIgnoreCase));
                if (userCol < 0 || groupCol < 0)
                    throw new InvalidDataException($"{path}:1: the header needs a user column ({string.Join(", ", UserColumns)}) and a group column ({string.Join(", ", GroupColumns)}).");
                while (csv.Read(out error))
                {
                    if (error != null) throw new InvalidDataException($"{path}:{csv.RecordLine}: {error}.");
                    if (csv.IsBlank) continue;
                    if (csv.FieldCount != header.Count) throw new InvalidDataException($"{path}:{csv.RecordLine}: has {csv.FieldCount} fields where the header has {header.Count}.");
                    // Both within the record: it has as many fields as the header.
                    string user = (csv.GetField(userCol) ?? string.Empty).Trim(), group = (csv.GetField(groupCol) ?? string.Empty).Trim();
                    if (user.Length > 0 && group.Length > 0) result[user.ToLowerInvariant()] = group;
                }
            }
            return result;
        }
    }
}
