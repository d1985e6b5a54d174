using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace LowSlowExfil.Readers
{
    /// <summary>The columns the rule reads from each Log Analytics table, and how export headers name them.</summary>
    internal static class ExportSchema
    {
        public const string TimeGenerated = "TimeGenerated";

        // CommonSecurityLog
        public const string DeviceVendor = "DeviceVendor";
        public const string DeviceAction = "DeviceAction";
        public const string SourceUserName = "SourceUserName";
        public const string DestinationHostName = "DestinationHostName";
        public const string SentBytes = "SentBytes";

        // OfficeActivity and Microsoft 365 audit records
        public const string UserId = "UserId";
        public const string Operation = "Operation";
        public const string CreationTime = "CreationTime";
        public const string AuditData = "AuditData";
        /// <summary>The audit record's Id as OfficeActivity names it; in audit records themselves it is <see cref="AuditRecordId"/>.</summary>
        public const string OfficeId = "OfficeId";
        public const string AuditRecordId = "Id";

        public static readonly string[] ProxyColumns = { TimeGenerated, DeviceVendor, DeviceAction, SourceUserName, DestinationHostName, SentBytes };
        public static readonly string[] SharingColumns = { TimeGenerated, UserId, Operation };
        public static readonly string[] PurviewColumns = { AuditData };

        // "TimeGenerated [UTC]", "TimeGenerated [UTC+02:00]", "TimeGenerated [Local Time]"
        private static readonly Regex Suffix = new Regex(@"^(?<name>.*?)\s*\[(?<zone>[^\]]*)\]\s*$", RegexOptions.CultureInvariant);
        private static readonly Regex UtcOffset = new Regex(@"^UTC\s*(?<sign>[+-])\s*(?<h>\d{1,2})(:(?<m>\d{2}))?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

        /// <summary>
        /// Splits an export header into its column name and the time zone its values are written in.
        /// Returns false (with a reason) for a zone the reader cannot place, such as "Local Time".
        /// </summary>
        public static bool TryParseHeader(string? header, out string name, out TimeSpan offset, out string? error)
        {
            offset = TimeSpan.Zero;
            error = null;
            name = (header ?? string.Empty).Trim().TrimStart('\uFEFF');
            var m = Suffix.Match(name);
            if (!m.Success) return true;
            name = m.Groups["name"].Value;
            string zone = m.Groups["zone"].Value.Trim();
            if (zone.Equals("UTC", StringComparison.OrdinalIgnoreCase)) return true;
            var o = UtcOffset.Match(zone);
            if (o.Success)
            {
                int h = int.Parse(o.Groups["h"].Value, CultureInfo.InvariantCulture);
                int min = o.Groups["m"].Success ? int.Parse(o.Groups["m"].Value, CultureInfo.InvariantCulture) : 0;
                offset = new TimeSpan(h, min, 0);
                if (o.Groups["sign"].Value == "-") offset = offset.Negate();
                return true;
            }
            error = $"column '{header}' is in time zone '{zone}', which does not say its offset from UTC; export with the display time zone set to UTC";
            return false;
        }

        // ASIM web sessions (exports of _Im_WebSession / ASimWebSessionLogs): the same event under ASIM's names.
        public const string AsimUser = "SrcUsername", AsimHost = "DstHostname", AsimUrl = "Url", AsimBytes = "SrcBytes",
            AsimVendor = "EventVendor", AsimAction = "DvcAction", AsimOriginalAction = "DvcOriginalAction";

        /// <summary>True for the columns of an ASIM web session with none of CommonSecurityLog's own.</summary>
        public static bool IsAsimWebSession<T>(IDictionary<string, T> columns) =>
            !columns.ContainsKey(SourceUserName) && !columns.ContainsKey(DestinationHostName) && !columns.ContainsKey(DeviceVendor)
            && columns.ContainsKey(AsimUser) && (columns.ContainsKey(AsimHost) || columns.ContainsKey(AsimUrl)) && columns.ContainsKey(AsimBytes);

        /// <summary>
        /// An ASIM web session's columns under the CommonSecurityLog names the rule reads, so every reader (the byte-level
        /// one too) reads it as CommonSecurityLog: SrcUsername → SourceUserName, DstHostname → DestinationHostName,
        /// SrcBytes (bytes from the client) → SentBytes, EventVendor → DeviceVendor, and the vendor's own action
        /// (DvcOriginalAction, e.g. Zscaler's "Blocked") → DeviceAction, else ASIM's normalised DvcAction ("Deny").
        /// Other columns untouched; nothing done for a header that is not ASIM's.
        /// </summary>
        public static void AliasAsim<T>(IDictionary<string, T> columns)
        {
            if (!IsAsimWebSession(columns)) return;
            void Alias(string to, string from)
            {
                if (columns.TryGetValue(from, out T v) && !columns.ContainsKey(to)) columns[to] = v;
            }
            Alias(SourceUserName, AsimUser);
            Alias(DestinationHostName, AsimHost);
            Alias(SentBytes, AsimBytes);
            Alias(DeviceVendor, AsimVendor);
            Alias(DeviceAction, AsimOriginalAction);
            Alias(DeviceAction, AsimAction);
        }

        /// <summary>Which table a set of export column names belongs to.</summary>
        public static LogFormat DetectCsvTable(ICollection<string> names)
        {
            bool Has(string n) => names.Contains(n);
            // Purview / Search-UnifiedAuditLog: CreationDate, UserIds, Operations, AuditData (older) or
            // RecordId, CreationDate, RecordType, Operation, UserId, AuditData, ... (newer); AuditData decides.
            if (Has(AuditData)) return LogFormat.PurviewAuditCsv;
            if (Has(DestinationHostName) || Has(DeviceVendor) || Has(SourceUserName)) return LogFormat.CommonSecurityLogCsv;
            if (Has(Operation) || Has(UserId)) return LogFormat.OfficeActivityCsv;
            return LogFormat.Unknown;
        }

        /// <summary>
        /// The most one record's bytes sent may be: 1 TiB, far past any single request, yet small enough that no user's
        /// total of such records can overflow before the sums saturate (see ByteSum).
        /// </summary>
        public const long MaxSentBytes = 1L << 40;

        /// <summary>
        /// Why one record's bytes sent cannot be counted — negative, or over <see cref="MaxSentBytes"/> — or null when
        /// it can. A reader skips such a record as an error: a wrapped or negative size would hide a user's uploads.
        /// </summary>
        public static string? SentBytesProblem(long? value) =>
            value < 0 ? "is negative; a byte count cannot be"
            : value > MaxSentBytes ? "is over 1 TiB, more than any single request sends"
            : null;

        /// <summary>Parses a long column value; empty is null (Kusto's sum ignores it).</summary>
        public static bool TryParseLong(string? text, out long? value)
        {
            value = null;
            if (text == null || string.IsNullOrWhiteSpace(text)) return true;
            if (long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v))
            {
                value = v;
                return true;
            }
            // Some tools write longs as reals ("307.0", "1e3"); accept them when integral.
            if (double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d)
                && d == Math.Floor(d) && Math.Abs(d) < 9.2e18)
            {
                value = (long)d;
                return true;
            }
            return false;
        }
    }
}
