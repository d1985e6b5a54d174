using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace LowSlowExfil.Reporting
{
    /// <summary>
    /// A candidate as one row of the LowSlowExfil_CL table, sent through the Logs Ingestion API. <see cref="Columns"/>
    /// is the stream's schema: the cmdlet writes exactly these, the deployment template declares exactly these.
    /// </summary>
    public static class IngestionRecord
    {
        /// <summary>The custom table (and, prefixed with Custom-, the DCR's stream).</summary>
        public const string TableName = "LowSlowExfil_CL";
        public const string StreamName = "Custom-" + TableName;

        /// <summary>Column name and Log Analytics type, in the order written.</summary>
        public static readonly IReadOnlyList<KeyValuePair<string, string>> Columns = new[]
        {
            Col("TimeGenerated", "datetime"),
            Col("WindowStart", "datetime"),
            Col("WindowEnd", "datetime"),
            Col("Mode", "string"),
            Col("UserName", "string"),
            Col("ZIA_TotalMBSent", "real"),
            Col("ZIA_ActiveDays", "long"),
            Col("ZIA_TotalRequests", "long"),
            Col("ZIA_UniqueDestCnt", "long"),
            Col("O365_EventCount", "long"),
            Col("O365_AnonLinks", "long"),
            Col("O365_Operations", "dynamic"),
            Col("DistinctChannels", "long"),
            Col("Zscore", "real"),
            Col("Reasons", "string"),
            Col("Flagged", "boolean"),
            Col("Destinations", "dynamic"),
            Col("AlertDisplayName", "string"),
            Col("AlertDescription", "string"),
            Col("ModuleVersion", "string"),
        };

        private static KeyValuePair<string, string> Col(string n, string t) => new KeyValuePair<string, string>(n, t);

        /// <summary>One record as a JSON object (one line).</summary>
        public static string ToJson(ExfilCandidate c, DateTime timeGeneratedUtc, string? moduleVersion)
        {
            if (c == null) throw new ArgumentNullException(nameof(c));
            var summary = c.GetSummary();
            var upload = c.GetUploadProfile();
            using (var ms = new MemoryStream())
            {
                using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                {
                    w.WriteStartObject();
                    w.WriteString("TimeGenerated", Iso(timeGeneratedUtc));
                    DateTime? start = summary?.WindowStart ?? upload?.WindowStart, end = summary?.WindowEnd ?? upload?.WindowEnd;
                    if (start.HasValue && start.Value != default) w.WriteString("WindowStart", Iso(start.Value)); else w.WriteNull("WindowStart");
                    if (end.HasValue && end.Value != default) w.WriteString("WindowEnd", Iso(end.Value)); else w.WriteNull("WindowEnd");
                    w.WriteString("Mode", summary?.Mode ?? upload?.Mode);
                    w.WriteString("UserName", c.UserName);
                    w.WriteNumber("ZIA_TotalMBSent", c.ZIA_TotalMBSent);
                    w.WriteNumber("ZIA_ActiveDays", c.ZIA_ActiveDays);
                    w.WriteNumber("ZIA_TotalRequests", c.ZIA_TotalRequests);
                    w.WriteNumber("ZIA_UniqueDestCnt", c.ZIA_UniqueDestCnt);
                    w.WriteNumber("O365_EventCount", c.O365_EventCount);
                    w.WriteNumber("O365_AnonLinks", c.O365_AnonLinks);
                    w.WriteStartArray("O365_Operations");
                    foreach (string op in c.O365_Operations ?? OperationSet.Empty) w.WriteStringValue(op);
                    w.WriteEndArray();
                    w.WriteNumber("DistinctChannels", c.DistinctChannels);
                    // Infinity/NaN are not JSON; a Zscore without spread is written as null.
                    if (double.IsNaN(c.Zscore) || double.IsInfinity(c.Zscore)) w.WriteNull("Zscore"); else w.WriteNumber("Zscore", c.Zscore);
                    w.WriteString("Reasons", c.Reasons.ToString());
                    w.WriteBoolean("Flagged", c.IsFlagged());
                    w.WriteStartArray("Destinations");
                    foreach (string host in SentinelAlert.DestinationHosts(upload)) w.WriteStringValue(host);
                    w.WriteEndArray();
                    w.WriteString("AlertDisplayName", c.AlertDisplayName);
                    w.WriteString("AlertDescription", c.AlertDescription);
                    w.WriteString("ModuleVersion", moduleVersion);
                    w.WriteEndObject();
                }
                return Encoding.UTF8.GetString(ms.ToArray());
            }
        }

        private static string Iso(DateTime utc) =>
            Rule.HuntWindow.ToUtc(utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
    }
}
