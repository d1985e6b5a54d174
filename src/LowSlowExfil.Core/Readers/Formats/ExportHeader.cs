using System;
using System.Collections.Generic;

namespace LowSlowExfil.Readers
{
    /// <summary>A Log Analytics export header: which table, where each column is, and the time zone of TimeGenerated.</summary>
    internal sealed class ExportHeader
    {
        private ExportHeader(LogFormat format, int fields, Dictionary<string, int> index, TimeSpan timeOffset)
        {
            Format = format;
            FieldCount = fields;
            Index = index;
            TimeOffset = timeOffset;
        }

        public LogFormat Format { get; }
        public int FieldCount { get; }
        /// <summary>Column name (header suffixes such as " [UTC]" removed) → first index with that name.</summary>
        public Dictionary<string, int> Index { get; }
        public TimeSpan TimeOffset { get; }

        /// <summary>Column indices of the six CommonSecurityLog columns, in ProxyCsvScanner's slot order.</summary>
        public int[] ProxyColumns() => new[]
        {
            Index[ExportSchema.TimeGenerated], Index[ExportSchema.DeviceVendor], Index[ExportSchema.DeviceAction],
            Index[ExportSchema.SourceUserName], Index[ExportSchema.DestinationHostName], Index[ExportSchema.SentBytes],
        };

        /// <summary>Maps header fields; <paramref name="error"/> says why a header cannot be used.</summary>
        public static ExportHeader? Map(IList<string> fields, out string? error)
        {
            error = null;
            var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            var offsets = new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < fields.Count; i++)
            {
                if (!ExportSchema.TryParseHeader(fields[i], out string name, out TimeSpan offset, out string? zoneError))
                {
                    if (string.Equals(name, ExportSchema.TimeGenerated, StringComparison.OrdinalIgnoreCase))
                    {
                        error = zoneError;
                        return null;
                    }
                    continue;
                }
                if (!index.ContainsKey(name))
                {
                    index.Add(name, i);
                    offsets[name] = offset;
                }
            }

            ExportSchema.AliasAsim(index);
            var format = ExportSchema.DetectCsvTable(index.Keys);
            string[]? required = format == LogFormat.CommonSecurityLogCsv ? ExportSchema.ProxyColumns
                : format == LogFormat.OfficeActivityCsv ? ExportSchema.SharingColumns
                : format == LogFormat.PurviewAuditCsv ? ExportSchema.PurviewColumns : null;
            if (required == null)
            {
                error = "the header has neither CommonSecurityLog columns (DestinationHostName, SourceUserName, DeviceVendor), OfficeActivity columns (UserId, Operation) nor a Purview audit column (AuditData); is this a log export?";
                return null;
            }
            var missing = new List<string>();
            foreach (string col in required) if (!index.ContainsKey(col)) missing.Add(col);
            if (missing.Count > 0)
            {
                error = $"the {(format == LogFormat.CommonSecurityLogCsv ? "CommonSecurityLog" : "OfficeActivity")} header lacks column(s) {string.Join(", ", missing)}";
                return null;
            }
            offsets.TryGetValue(ExportSchema.TimeGenerated, out TimeSpan timeOffset);
            return new ExportHeader(format, fields.Count, index, timeOffset);
        }
    }
}
