using System;
using System.Collections.Generic;
using System.IO;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// CSV exported from Log Analytics (CommonSecurityLog or OfficeActivity): columns in any order, extra and
    /// `_`-suffixed duplicate columns ignored, `[UTC]` header suffixes, quoted multi-line cells.
    /// </summary>
    internal static class LogAnalyticsCsvReader
    {
        public static void Read(TextReader text, string file, IEventSink sink, ReadContext ctx, FileReadSummary summary)
        {
            var csv = new CsvRecordReader(text, ctx.MaxRecordChars);
            string error;
            do
            {
                if (!csv.Read(out error))
                {
                    Fail(ctx, summary, file, "the file is empty");
                    return;
                }
            } while (error == null && csv.IsBlank);
            if (error != null)
            {
                Fail(ctx, summary, file, $"cannot read the header line: {error}");
                return;
            }

            var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            var offsets = new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase);
            int headerFields = csv.FieldCount;
            for (int i = 0; i < headerFields; i++)
            {
                string raw = csv.GetField(i);
                if (!ExportSchema.TryParseHeader(raw, out string name, out TimeSpan offset, out string zoneError))
                {
                    if (string.Equals(name, ExportSchema.TimeGenerated, StringComparison.OrdinalIgnoreCase))
                    {
                        Fail(ctx, summary, file, zoneError);
                        return;
                    }
                    continue;
                }
                if (!index.ContainsKey(name))
                {
                    index.Add(name, i);
                    offsets[name] = offset;
                }
            }

            var format = ExportSchema.DetectCsvTable(index.Keys);
            summary.Format = format;
            string[] required = format == LogFormat.CommonSecurityLogCsv ? ExportSchema.ProxyColumns
                : format == LogFormat.OfficeActivityCsv ? ExportSchema.SharingColumns
                : format == LogFormat.PurviewAuditCsv ? ExportSchema.PurviewColumns : null;
            if (required == null)
            {
                Fail(ctx, summary, file, "the header has neither CommonSecurityLog columns (DestinationHostName, SourceUserName, DeviceVendor), OfficeActivity columns (UserId, Operation) nor a Purview audit column (AuditData); is this a log export?");
                return;
            }
            var missing = new List<string>();
            foreach (string col in required) if (!index.ContainsKey(col)) missing.Add(col);
            if (missing.Count > 0)
            {
                Fail(ctx, summary, file, $"the {(format == LogFormat.CommonSecurityLogCsv ? "CommonSecurityLog" : "OfficeActivity")} header lacks column(s) {string.Join(", ", missing)}");
                return;
            }

            long record = 0;
            if (format == LogFormat.PurviewAuditCsv)
            {
                int audit = index[ExportSchema.AuditData];
                while (NextRow(csv, file, headerFields, ctx, summary, ref record))
                {
                    if (!PurviewAudit.TryRead(csv.GetField(audit), sink, ctx, out string reason)) { Skip(ctx, summary, file, csv, record, reason); continue; }
                    summary.SharingEvents++;
                }
                return;
            }

            int tCol = index[ExportSchema.TimeGenerated];
            TimeSpan tOffset = offsets[ExportSchema.TimeGenerated];
            if (format == LogFormat.CommonSecurityLogCsv)
            {
                int vendor = index[ExportSchema.DeviceVendor], action = index[ExportSchema.DeviceAction],
                    user = index[ExportSchema.SourceUserName], host = index[ExportSchema.DestinationHostName], sent = index[ExportSchema.SentBytes];
                while (NextRow(csv, file, headerFields, ctx, summary, ref record))
                {
                    string t = csv.GetField(tCol);
                    if (!Timestamps.TryParse(t, tOffset, out DateTime time)) { Skip(ctx, summary, file, csv, record, $"TimeGenerated '{Clip(t)}' is not a timestamp"); continue; }
                    string bytes = csv.GetField(sent);
                    if (!ExportSchema.TryParseLong(bytes, out long? sentBytes)) { Skip(ctx, summary, file, csv, record, $"SentBytes '{Clip(bytes)}' is not a whole number"); continue; }
                    sink.AddProxy(time, csv.GetField(vendor), csv.GetField(action), csv.GetField(user), csv.GetField(host), sentBytes);
                    summary.ProxyEvents++;
                }
            }
            else
            {
                int user = index[ExportSchema.UserId], op = index[ExportSchema.Operation];
                while (NextRow(csv, file, headerFields, ctx, summary, ref record))
                {
                    string t = csv.GetField(tCol);
                    if (!Timestamps.TryParse(t, tOffset, out DateTime time)) { Skip(ctx, summary, file, csv, record, $"TimeGenerated '{Clip(t)}' is not a timestamp"); continue; }
                    sink.AddSharing(time, csv.GetField(user), csv.GetField(op));
                    summary.SharingEvents++;
                }
            }
        }

        /// <summary>Advances to the next well-formed data row, reporting malformed ones.</summary>
        private static bool NextRow(CsvRecordReader csv, string file, int headerFields, ReadContext ctx, FileReadSummary summary, ref long record)
        {
            while (true)
            {
                ctx.Cancellation.ThrowIfCancellationRequested();
                if (!csv.Read(out string error)) return false;
                if (error == null && csv.IsBlank) continue;
                record++;
                summary.Records++;
                if (error != null) { Skip(ctx, summary, file, csv, record, error); continue; }
                if (csv.FieldCount != headerFields)
                {
                    Skip(ctx, summary, file, csv, record, $"has {csv.FieldCount} fields where the header has {headerFields}");
                    continue;
                }
                return true;
            }
        }

        private static void Skip(ReadContext ctx, FileReadSummary summary, string file, CsvRecordReader csv, long record, string reason)
        {
            summary.Skipped++;
            ctx.Report(new ReadIssue(file, csv.RecordLine, record, reason));
        }

        private static void Fail(ReadContext ctx, FileReadSummary summary, string file, string reason)
        {
            summary.Failed = true;
            ctx.Report(new ReadIssue(file, 0, 0, reason));
        }

        internal static string Clip(string s) => s == null ? "" : s.Length <= 60 ? s : s.Substring(0, 57) + "...";
    }
}
