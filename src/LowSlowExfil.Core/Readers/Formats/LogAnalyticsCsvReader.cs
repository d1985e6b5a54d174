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
            string? error;
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

            int headerFields = csv.FieldCount;
            var fields = new List<string>(headerFields);
            for (int i = 0; i < headerFields; i++) fields.Add(csv.GetField(i) ?? string.Empty); // i is within the record
            var header = ExportHeader.Map(fields, out string? headerError);
            if (header == null)
            {
                Fail(ctx, summary, file, headerError ?? "the header cannot be read");
                return;
            }
            summary.Format = header.Format;
            var index = header.Index;
            var format = header.Format;

            long record = 0;
            if (format == LogFormat.PurviewAuditCsv)
            {
                int audit = index[ExportSchema.AuditData];
                while (NextRow(csv, file, headerFields, ctx, summary, ref record))
                {
                    if (!PurviewAudit.TryRead(csv.GetField(audit), sink, ctx, out string? reason)) { Skip(ctx, summary, file, csv, record, reason ?? "the AuditData cannot be read"); continue; }
                    summary.SharingEvents++;
                }
                return;
            }

            int tCol = index[ExportSchema.TimeGenerated];
            TimeSpan tOffset = header.TimeOffset;
            if (format == LogFormat.CommonSecurityLogCsv)
            {
                ReadProxyRows(csv, file, header, sink, ctx, summary, ref record);
            }
            else
            {
                int user = index[ExportSchema.UserId], op = index[ExportSchema.Operation];
                int id = index.TryGetValue(ExportSchema.OfficeId, out int i) ? i : -1;
                while (NextRow(csv, file, headerFields, ctx, summary, ref record))
                {
                    string? t = csv.GetField(tCol);
                    if (!Timestamps.TryParse(t, tOffset, out DateTime time)) { Skip(ctx, summary, file, csv, record, $"TimeGenerated '{Clip(t)}' is not a timestamp"); continue; }
                    // A short row's missing Operation is none, as an empty one is.
                    sink.AddSharing(time, csv.GetField(user), csv.GetField(op) ?? string.Empty, id >= 0 ? csv.GetField(id) : null);
                    summary.SharingEvents++;
                }
            }
        }

        /// <summary>The data rows of a CommonSecurityLog export (the general reader).</summary>
        internal static void ReadProxyRows(CsvRecordReader csv, string file, ExportHeader header, IEventSink sink, ReadContext ctx, FileReadSummary summary, ref long record)
        {
            var index = header.Index;
            int tCol = index[ExportSchema.TimeGenerated];
            TimeSpan tOffset = header.TimeOffset;
            int vendor = index[ExportSchema.DeviceVendor], action = index[ExportSchema.DeviceAction],
                user = index[ExportSchema.SourceUserName], host = index[ExportSchema.DestinationHostName], sent = index[ExportSchema.SentBytes];
            while (NextRow(csv, file, header.FieldCount, ctx, summary, ref record))
            {
                string? t = csv.GetField(tCol);
                if (!Timestamps.TryParse(t, tOffset, out DateTime time)) { Skip(ctx, summary, file, csv, record, $"TimeGenerated '{Clip(t)}' is not a timestamp"); continue; }
                string? bytes = csv.GetField(sent);
                if (!ExportSchema.TryParseLong(bytes, out long? sentBytes)) { Skip(ctx, summary, file, csv, record, $"SentBytes '{Clip(bytes)}' is not a whole number"); continue; }
                string? problem = ExportSchema.SentBytesProblem(sentBytes);
                if (problem != null) { Skip(ctx, summary, file, csv, record, $"SentBytes {sentBytes} {problem}"); continue; }
                sink.AddProxy(time, csv.GetField(vendor), csv.GetField(action), csv.GetField(user), csv.GetField(host), sentBytes);
                summary.ProxyEvents++;
            }
        }

        /// <summary>Advances to the next well-formed data row, reporting malformed ones.</summary>
        private static bool NextRow(CsvRecordReader csv, string file, int headerFields, ReadContext ctx, FileReadSummary summary, ref long record)
        {
            while (true)
            {
                ctx.Cancellation.ThrowIfCancellationRequested();
                if (!csv.Read(out string? error)) return false;
                if (error == null && csv.IsBlank) continue;
                record++;
                summary.Records++;
                if (error != null) { Skip(ctx, summary, file, csv, record, error); continue; }
                // Fewer fields: the missing ones read as empty (GetField gives null past the row's end), as every peer
                // reads such a row. More fields than the header cannot be placed: an error.
                if (csv.FieldCount < headerFields)
                {
                    summary.ShortRows++;
                    return true;
                }
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

        internal static string Clip(string? s) => s == null ? "" : s.Length <= 60 ? s : s.Substring(0, 57) + "...";
    }
}
