using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DuckDB.NET.Data;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Benchmark
{
    /// <summary>The peer: the same hunt (the rule's intent mode) as one DuckDB query over read_csv of the same file.</summary>
    public static class DuckDbHunt
    {
        public static string Sql(string csvPath, DateTime endUtc, int days)
        {
            var start = endUtc.AddDays(-days);
            string Lit(string s) => "'" + s.Replace("'", "''") + "'";
            var domains = ExfilRule.DefaultExfilDomains;
            // One RE2 pass per host: the host equals a listed domain or ends with "." + one.
            string hostMatch = "regexp_matches(h, " + Lit("(^|\\.)(" + string.Join("|", domains.Select(d => System.Text.RegularExpressions.Regex.Escape(d))) + ")$") + ")";
            string ts = "strptime(\"TimeGenerated [UTC]\", '%m/%d/%Y, %I:%M:%S.%g %p')";
            return $@"
WITH raw AS (
  SELECT {ts} AS t, DeviceVendor, DeviceAction, SourceUserName, DestinationHostName, CAST(SentBytes AS BIGINT) AS SentBytes
  FROM read_csv({Lit(csvPath)}, header = true, all_varchar = true, quote = '""', escape = '""')
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

        public static List<string> Run(string csvPath, DateTime endUtc, int days)
        {
            var rows = new List<string>();
            using (var connection = new DuckDBConnection("DataSource=:memory:"))
            {
                connection.Open();
                using (var cmd = connection.CreateCommand())
                {
                    cmd.CommandText = Sql(csvPath, endUtc, days);
                    using (var r = cmd.ExecuteReader())
                        while (r.Read())
                            rows.Add(string.Join(",", Enumerable.Range(0, r.FieldCount).Select(i => Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture))));
                }
            }
            return rows;
        }
    }
}
