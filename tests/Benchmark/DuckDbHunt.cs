using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DuckDB.NET.Data;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Benchmark
{
    /// <summary>
    /// The peer: the same hunt (the rule's intent mode) as one DuckDB query over the same file. A CommonSecurityLog CSV
    /// (read_csv) or a Cloud NSS JSON feed (read_json, newline-delimited, the keys as Zscaler writes them) gives the
    /// users flagged; a Purview audit CSV (read_csv, then json_extract of AuditData) or a Management Activity API file
    /// (read_json of the array) gives the rule's O365 leg per user, which alone flags no one.
    /// </summary>
    public static class DuckDbHunt
    {
        /// <summary>The formats: csv and cloudnss (proxy), purview and mgmtapi (sharing).</summary>
        public static bool IsSharing(string format) => format == "purview" || format == "mgmtapi";

        private static string Lit(string s) => "'" + s.Replace("'", "''") + "'";

        private static string Stamp(DateTime t) => Lit(t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));

        /// <summary>The proxy rows the rule reads, under CommonSecurityLog's names, from a file of <paramref name="format"/>.</summary>
        private static string ProxyRows(string path, string format)
        {
            if (format == "cloudnss")
                // The module reads a missing vendor as Zscaler (Cloud NSS feeds carry only Zscaler's records) and
                // TimeGenerated in the feed's time zone (UTC here); it skips records whose "out" is not a number.
                return $@"SELECT strptime(TimeGenerated, '%Y-%m-%d,%H:%M:%S') AS t, coalesce(vendor, 'Zscaler') AS DeviceVendor, act AS DeviceAction,
         suser AS SourceUserName, dhost AS DestinationHostName, TRY_CAST(""out"" AS BIGINT) AS SentBytes
  FROM read_json({Lit(path)}, format = 'newline_delimited',
       columns = {{TimeGenerated: 'VARCHAR', vendor: 'VARCHAR', act: 'VARCHAR', suser: 'VARCHAR', dhost: 'VARCHAR', ""out"": 'VARCHAR'}})";
            string ts = "strptime(\"TimeGenerated [UTC]\", '%m/%d/%Y, %I:%M:%S.%g %p')";
            return $@"SELECT {ts} AS t, DeviceVendor, DeviceAction, SourceUserName, DestinationHostName, CAST(SentBytes AS BIGINT) AS SentBytes
  FROM read_csv({Lit(path)}, header = true, all_varchar = true, quote = '""', escape = '""')";
        }

        public static string Sql(string csvPath, DateTime endUtc, int days, string format = "csv")
        {
            var start = endUtc.AddDays(-days);
            var domains = ExfilRule.DefaultExfilDomains;
            // One RE2 pass per host: the host equals a listed domain or ends with "." + one.
            string hostMatch = "regexp_matches(h, " + Lit("(^|\\.)(" + string.Join("|", domains.Select(d => System.Text.RegularExpressions.Regex.Escape(d))) + ")$") + ")";
            return $@"
WITH raw AS (
  {ProxyRows(csvPath, format)}
),
z AS (
  SELECT lower(SourceUserName) AS UserName, date_trunc('day', t) AS Day, DestinationHostName, SentBytes,
         rtrim(regexp_replace(lower(trim(DestinationHostName)), ':[0-9]+$', ''), '.') AS h
  FROM raw
  WHERE t > TIMESTAMP {Lit(start.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))}
    AND t <= TIMESTAMP {Lit(endUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))}
    AND lower(DeviceVendor) = 'zscaler'
    AND lower(coalesce(DeviceAction, '')) NOT IN ('block', 'blocked', 'deny')
    AND coalesce(SourceUserName, '') <> ''
),
daily AS (
  SELECT UserName, Day, sum(SentBytes) AS DaySentBytes, count(*) AS DayRequestCount, count(DISTINCT DestinationHostName) AS DayDestinCount
  FROM z WHERE {hostMatch} GROUP BY UserName, Day
),
users AS (
  SELECT UserName, round(sum(DaySentBytes) / 1048576.0, 2) AS ZIA_TotalMBSent, count(*) AS ZIA_ActiveDays,
         sum(DayRequestCount) AS ZIA_TotalRequests, sum(DayDestinCount) AS ZIA_UniqueDestCnt
  FROM daily GROUP BY UserName
),
base AS (SELECT avg(ZIA_TotalMBSent) AS m, stddev_samp(ZIA_TotalMBSent) AS sd FROM users)
SELECT UserName, ZIA_TotalMBSent, ZIA_ActiveDays, ZIA_TotalRequests, ZIA_UniqueDestCnt,
       CASE WHEN sd > 0 THEN round((ZIA_TotalMBSent - m) / sd, 2) ELSE 0.0 END AS Zscore
FROM users, base
WHERE (CASE WHEN sd > 0 THEN round((ZIA_TotalMBSent - m) / sd, 2) ELSE 0.0 END) >= 3.0
   OR (ZIA_ActiveDays >= 20 AND ZIA_TotalMBSent > 50)
ORDER BY Zscore DESC, ZIA_TotalMBSent DESC, UserName";
        }

        /// <summary>
        /// The rule's O365 leg (intent mode): per user (lower-cased), in the window, the sharing operations counted
        /// (case-sensitive list) and the anonymous links among them (any letter case), each record Id once.
        /// </summary>
        public static string SharingSql(string path, DateTime endUtc, int days, string format)
        {
            var start = endUtc.AddDays(-days);
            string ops = string.Join(", ", ExfilRule.SharingOperations.Select(Lit));
            string anon = string.Join(", ", ExfilRule.AnonymousLinkOperations.Select(o => Lit(o.ToLowerInvariant())));
            string rows = format == "purview"
                ? $@"SELECT json_extract_string(AuditData, '$.CreationTime') AS CreationTime, json_extract_string(AuditData, '$.UserId') AS UserId,
         json_extract_string(AuditData, '$.Operation') AS Operation, json_extract_string(AuditData, '$.Id') AS Id
  FROM read_csv({Lit(path)}, header = true, all_varchar = true, quote = '""', escape = '""')"
                : $@"SELECT CreationTime, UserId, Operation, Id
  FROM read_json({Lit(path)}, format = 'array', columns = {{CreationTime: 'VARCHAR', UserId: 'VARCHAR', Operation: 'VARCHAR', Id: 'VARCHAR'}})";
            return $@"
WITH raw AS (
  {rows}
),
s AS (
  SELECT lower(UserId) AS UserName, Operation, lower(Id) AS Id
  FROM raw
  WHERE TRY_CAST(CreationTime AS TIMESTAMP) > TIMESTAMP {Stamp(start)} AND TRY_CAST(CreationTime AS TIMESTAMP) <= TIMESTAMP {Stamp(endUtc)}
    AND coalesce(UserId, '') <> '' AND Operation IN ({ops})
),
once AS (SELECT DISTINCT ON (coalesce(Id, UserName || random()::VARCHAR)) * FROM s)
SELECT UserName, count(*) AS O365_EventCount, count(*) FILTER (WHERE lower(Operation) IN ({anon})) AS O365_AnonLinks
FROM once GROUP BY UserName ORDER BY UserName";
        }

        /// <summary>The O365 leg's rows ("user,events,anonymous links", ordered) as one hash, to compare with the module's.</summary>
        public static string Digest(IEnumerable<string> rows)
        {
            using (var sha = System.Security.Cryptography.SHA256.Create())
                return Convert.ToHexString(sha.ComputeHash(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", rows.OrderBy(r => r, StringComparer.Ordinal))))).Substring(0, 16);
        }

        public static List<string> Run(string path, DateTime endUtc, int days, string format = "csv")
        {
            var rows = new List<string>();
            using (var connection = new DuckDBConnection("DataSource=:memory:"))
            {
                connection.Open();
                using (var cmd = connection.CreateCommand())
                {
                    cmd.CommandText = IsSharing(format) ? SharingSql(path, endUtc, days, format) : Sql(path, endUtc, days, format);
                    using (var r = cmd.ExecuteReader())
                        while (r.Read())
                            rows.Add(string.Join(",", Enumerable.Range(0, r.FieldCount).Select(i => Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture))));
                }
            }
            return rows;
        }
    }
}
