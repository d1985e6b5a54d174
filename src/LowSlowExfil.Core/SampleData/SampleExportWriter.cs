using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace LowSlowExfil.SampleData
{
    /// <summary>
    /// Writes sample events as Log Analytics exports: CSV as the portal exports it (UTF-8 with BOM, <c>[UTC]</c> on
    /// datetime headers, <c>M/d/yyyy, h:mm:ss.fff tt</c> timestamps, many columns in schema order, RFC 4180 quoting,
    /// LF line ends, some multi-line cells; OfficeActivity with its duplicated <c>_</c>-suffixed columns) and JSON
    /// as in the Azure-Sentinel sample data (an array of flat objects, the same timestamp text, numbers as numbers,
    /// empty values omitted). Everything streams through a StreamWriter. The extra columns are derived from each
    /// event by hashing, so the files are as deterministic as the events.
    /// </summary>
    /// <summary>Formats the sample tenant can be written in.</summary>
    public enum SampleFormat
    {
        /// <summary>Log Analytics CSV exports (CommonSecurityLog.csv, OfficeActivity.csv).</summary>
        Csv,
        /// <summary>JSON exports (CommonSecurityLog.json, OfficeActivity.json).</summary>
        Json,
    }

    public static class SampleExportWriter
    {
        public const string TimestampFormat = "M/d/yyyy, h:mm:ss.fff tt";
        public const string CommonSecurityLogCsvName = "CommonSecurityLog.csv";
        public const string CommonSecurityLogJsonName = "CommonSecurityLog.json";
        public const string OfficeActivityCsvName = "OfficeActivity.csv";
        public const string OfficeActivityJsonName = "OfficeActivity.json";

        internal const string WorkspaceTenantId = "5f1c3a2e-8d4b-4c67-9a1e-2b7d90c4e613";
        internal const string OfficeTenantId = "b3e1a0d4-62f7-4f4c-8c59-0e2d7a9f1c38";

        /// <summary>The files <see cref="WriteExports(SampleTenant, string, SampleFormat)"/> writes for a format.</summary>
        public static IReadOnlyList<string> FileNames(SampleFormat format) => format == SampleFormat.Json
            ? new[] { CommonSecurityLogJsonName, OfficeActivityJsonName }
            : new[] { CommonSecurityLogCsvName, OfficeActivityCsvName };

        /// <summary>Writes the tenant's two exports (CommonSecurityLog, OfficeActivity) in one format; returns their paths.</summary>
        public static IReadOnlyList<string> WriteExports(SampleTenant tenant, string folder, SampleFormat format)
        {
            if (tenant == null) throw new ArgumentNullException(nameof(tenant));
            if (string.IsNullOrEmpty(folder)) throw new ArgumentNullException(nameof(folder));
            Directory.CreateDirectory(folder);
            var names = FileNames(format);
            string zia = Path.Combine(folder, names[0]), o365 = Path.Combine(folder, names[1]);
            if (format == SampleFormat.Json)
            {
                WriteCommonSecurityLogJson(tenant.ProxyEvents(), zia);
                WriteOfficeActivityJson(tenant.SharingEvents(), o365);
            }
            else
            {
                WriteCommonSecurityLogCsv(tenant.ProxyEvents(), zia);
                WriteOfficeActivityCsv(tenant.SharingEvents(), o365);
            }
            return new[] { zia, o365 };
        }

        /// <summary>Writes all four exports of <paramref name="tenant"/> into <paramref name="folder"/> (created if missing).</summary>
        public static IReadOnlyList<string> WriteExports(SampleTenant tenant, string folder)
        {
            if (tenant == null) throw new ArgumentNullException(nameof(tenant));
            if (string.IsNullOrEmpty(folder)) throw new ArgumentNullException(nameof(folder));
            Directory.CreateDirectory(folder);
            var paths = new[]
            {
                Path.Combine(folder, CommonSecurityLogCsvName), Path.Combine(folder, CommonSecurityLogJsonName),
                Path.Combine(folder, OfficeActivityCsvName), Path.Combine(folder, OfficeActivityJsonName),
            };
            WriteCommonSecurityLogCsv(tenant.ProxyEvents(), paths[0]);
            WriteCommonSecurityLogJson(tenant.ProxyEvents(), paths[1]);
            WriteOfficeActivityCsv(tenant.SharingEvents(), paths[2]);
            WriteOfficeActivityJson(tenant.SharingEvents(), paths[3]);
            return paths;
        }

        public static void WriteCommonSecurityLogCsv(IEnumerable<SampleProxyEvent> events, string path) => WriteCsv(events, path, CommonSecurityLogColumns);
        public static void WriteCommonSecurityLogJson(IEnumerable<SampleProxyEvent> events, string path) => WriteJson(events, path, CommonSecurityLogColumns);
        public static void WriteOfficeActivityCsv(IEnumerable<SampleSharingEvent> events, string path) => WriteCsv(events, path, OfficeActivityColumns);
        public static void WriteOfficeActivityJson(IEnumerable<SampleSharingEvent> events, string path) => WriteJson(events, path, OfficeActivityColumns);

        // ───────────────────────────── writers ─────────────────────────────

        private enum Kind { Text, Number, Time }

        private sealed class Column<T>
        {
            public Column(string name, Kind kind, Func<T, object?> value) { Name = name; Kind = kind; Value = value; }
            public string Name { get; }
            public Kind Kind { get; }
            /// <summary>string, long, int or DateTime; null or "" for an empty cell.</summary>
            public Func<T, object?> Value { get; }
        }

        private static Column<T> Text<T>(string name, Func<T, string?> f) => new Column<T>(name, Kind.Text, e => f(e));
        private static Column<T> Num<T>(string name, Func<T, long?> f) => new Column<T>(name, Kind.Number, e => f(e));
        private static Column<T> Time<T>(string name, Func<T, DateTime?> f) => new Column<T>(name, Kind.Time, e => f(e));

        internal static StreamWriter Open(string path, bool bom)
        {
            if (string.IsNullOrEmpty(path)) throw new ArgumentNullException(nameof(path));
            return new StreamWriter(path, false, new UTF8Encoding(bom), 1 << 16) { NewLine = "\n" };
        }

        private static void WriteCsv<T>(IEnumerable<T> events, string path, Column<T>[] columns)
        {
            if (events == null) throw new ArgumentNullException(nameof(events));
            using (var w = Open(path, bom: true))
            {
                for (int i = 0; i < columns.Length; i++)
                {
                    if (i > 0) w.Write(',');
                    CsvText.WriteField(w, columns[i].Kind == Kind.Time ? columns[i].Name + " [UTC]" : columns[i].Name);
                }
                w.Write('\n');
                foreach (var e in events)
                {
                    for (int i = 0; i < columns.Length; i++)
                    {
                        if (i > 0) w.Write(',');
                        CsvText.WriteField(w, Format(columns[i].Value(e)));
                    }
                    w.Write('\n');
                }
            }
        }

        private static void WriteJson<T>(IEnumerable<T> events, string path, Column<T>[] columns)
        {
            if (events == null) throw new ArgumentNullException(nameof(events));
            using (var w = Open(path, bom: false))
            {
                w.Write('[');
                bool firstRow = true;
                foreach (var e in events)
                {
                    w.Write(firstRow ? "\n  {" : ",\n  {");
                    firstRow = false;
                    bool firstProp = true;
                    foreach (var c in columns)
                    {
                        object? v = c.Value(e);
                        string text = Format(v);
                        if (string.IsNullOrEmpty(text)) continue;
                        w.Write(firstProp ? "\n    " : ",\n    ");
                        firstProp = false;
                        WriteJsonString(w, c.Name);
                        w.Write(": ");
                        if (c.Kind == Kind.Number) w.Write(text);
                        else WriteJsonString(w, text);
                    }
                    w.Write("\n  }");
                }
                w.Write(firstRow ? "]\n" : "\n]\n");
            }
        }

        private static string Format(object? v)
        {
            switch (v)
            {
                case null: return string.Empty;
                case string s: return s;
                case DateTime t: return t.ToString(TimestampFormat, CultureInfo.InvariantCulture);
                case long l: return l.ToString(CultureInfo.InvariantCulture);
                case int i: return i.ToString(CultureInfo.InvariantCulture);
                default: return Convert.ToString(v, CultureInfo.InvariantCulture);
            }
        }

        internal static void WriteJsonString(TextWriter w, string s)
        {
            w.Write('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': w.Write("\\\""); break;
                    case '\\': w.Write("\\\\"); break;
                    case '\n': w.Write("\\n"); break;
                    case '\r': w.Write("\\r"); break;
                    case '\t': w.Write("\\t"); break;
                    default:
                        if (c < 0x20) w.Write("\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else w.Write(c);
                        break;
                }
            }
            w.Write('"');
        }

        // ───────────────────────────── CommonSecurityLog ─────────────────────────────

        private static bool IsFortinet(SampleProxyEvent e) => string.Equals(e.DeviceVendor, "Fortinet", StringComparison.OrdinalIgnoreCase);

        private static readonly Column<SampleProxyEvent>[] CommonSecurityLogColumns =
        {
            Text<SampleProxyEvent>("TenantId", e => WorkspaceTenantId),
            Time<SampleProxyEvent>("TimeGenerated", e => e.TimeGenerated),
            Text<SampleProxyEvent>("DeviceVendor", e => e.DeviceVendor),
            Text<SampleProxyEvent>("DeviceProduct", e => e.DeviceProduct),
            Text<SampleProxyEvent>("DeviceVersion", e => IsFortinet(e) ? "v7.2.5" : "5.7"),
            Text<SampleProxyEvent>("DeviceEventClassID", e => IsFortinet(e) ? "0000000013" : e.DeviceAction),
            Text<SampleProxyEvent>("Activity", e => IsFortinet(e) ? "traffic:forward " + e.DeviceAction : e.DeviceAction),
            Num<SampleProxyEvent>("LogSeverity", e => IsFortinet(e) ? 5 : 3),
            Text<SampleProxyEvent>("OriginalLogSeverity", e => null),
            Text<SampleProxyEvent>("AdditionalExtensions", AdditionalExtensions),
            Text<SampleProxyEvent>("DeviceAction", e => e.DeviceAction),
            Text<SampleProxyEvent>("ApplicationProtocol", e => e.RequestURL != null && e.RequestURL.StartsWith("http:", StringComparison.Ordinal) ? "HTTP" : "HTTPS"),
            Num<SampleProxyEvent>("EventCount", e => 1),
            Text<SampleProxyEvent>("DestinationDnsDomain", e => RegisteredDomain(e.DestinationHostName)),
            Text<SampleProxyEvent>("DestinationServiceName", e => Category(e.DestinationHostName)),
            Text<SampleProxyEvent>("DestinationTranslatedAddress", e => null),
            Num<SampleProxyEvent>("CommunicationDirection", e => IsFortinet(e) ? 1 : (long?)null),
            Text<SampleProxyEvent>("DeviceExternalID", e => IsFortinet(e) ? "FGVM4VTM21000724" : null),
            Text<SampleProxyEvent>("DeviceInboundInterface", e => IsFortinet(e) ? "port2" : null),
            Text<SampleProxyEvent>("DeviceOutboundInterface", e => IsFortinet(e) ? "port1" : null),
            Text<SampleProxyEvent>("DestinationHostName", e => e.DestinationHostName),
            Text<SampleProxyEvent>("DestinationMACAddress", e => null),
            Num<SampleProxyEvent>("DestinationPort", e => e.RequestURL != null && e.RequestURL.StartsWith("http:", StringComparison.Ordinal) ? 80 : 443),
            Text<SampleProxyEvent>("DestinationIP", e => HashIp(e.DestinationHostName)),
            Text<SampleProxyEvent>("DeviceTimeZone", e => null),
            Text<SampleProxyEvent>("DeviceAddress", e => IsFortinet(e) ? "192.168.20.1" : null),
            Text<SampleProxyEvent>("DeviceName", e => null),
            Num<SampleProxyEvent>("ExternalID", e => e.ExternalId),
            Text<SampleProxyEvent>("FileType", e => e.SentBytes > 100_000 ? "Binary" : "None"),
            Num<SampleProxyEvent>("ReceivedBytes", e => e.ReceivedBytes),
            Text<SampleProxyEvent>("Message", e => IsFortinet(e) ? "Traffic " + e.DeviceAction + " by policy 3,\nsession " + e.ExternalId.ToString(CultureInfo.InvariantCulture) + " closed" : null),
            Num<SampleProxyEvent>("SentBytes", e => e.SentBytes),
            Text<SampleProxyEvent>("EventOutcome", e => IsFortinet(e) ? null : Allowed(e) ? "200" : "403"),
            Text<SampleProxyEvent>("Protocol", e => "TCP"),
            Text<SampleProxyEvent>("Reason", e => IsFortinet(e) ? null : Allowed(e) ? "Allowed" : "Not allowed to browse this category"),
            Text<SampleProxyEvent>("RequestURL", e => e.RequestURL),
            Text<SampleProxyEvent>("RequestClientApplication", e => IsFortinet(e) ? null : UserAgent(e.SourceUserName)),
            Text<SampleProxyEvent>("RequestContext", e => null),
            Text<SampleProxyEvent>("RequestMethod", e => IsFortinet(e) ? null : e.SentBytes > 100_000 ? "POST" : "GET"),
            Text<SampleProxyEvent>("ReceiptTime", e => null),
            Text<SampleProxyEvent>("SourceHostName", e => null),
            Num<SampleProxyEvent>("SourcePort", e => 49152 + (long)(Fnv(e.ExternalId.ToString(CultureInfo.InvariantCulture)) % 16000)),
            Text<SampleProxyEvent>("SourceIP", e => e.SourceIP),
            Time<SampleProxyEvent>("StartTime", e => null),
            Time<SampleProxyEvent>("EndTime", e => null),
            Text<SampleProxyEvent>("SourceTranslatedAddress", e => IsFortinet(e) ? null : "203.0.113.10"),
            Text<SampleProxyEvent>("SourceUserName", e => e.SourceUserName),
            Text<SampleProxyEvent>("SourceUserPrivileges", e => null),
            Text<SampleProxyEvent>("DeviceCustomString1Label", e => IsFortinet(e) ? null : "dept"),
            Text<SampleProxyEvent>("DeviceCustomString1", e => IsFortinet(e) ? null : Department(e.SourceUserName)),
            Text<SampleProxyEvent>("Computer", e => IsFortinet(e) ? "Contoso-MainFW" : "zscaler-nss-contoso"),
            Text<SampleProxyEvent>("SimplifiedDeviceAction", e => Allowed(e) ? "Allow" : "Deny"),
            Text<SampleProxyEvent>("SourceSystem", e => "OpsManager"),
            Text<SampleProxyEvent>("Type", e => "CommonSecurityLog"),
            Text<SampleProxyEvent>("_ResourceId", e => null),
        };

        internal static bool Allowed(SampleProxyEvent e) =>
            string.Equals(e.DeviceAction, "Allowed", StringComparison.Ordinal) || string.Equals(e.DeviceAction, "accept", StringComparison.Ordinal)
            || string.Equals(e.DeviceAction, "close", StringComparison.Ordinal);

        private static string AdditionalExtensions(SampleProxyEvent e)
        {
            if (IsFortinet(e))
                return "FortinetFortiGatelogid=0000000013;cat=traffic:forward;FortinetFortiGatesubtype=forward;FortinetFortiGatelevel=notice;"
                    + "FortinetFortiGatevd=root;FortinetFortiGatepolicyid=3;FortinetFortiGateaction=" + e.DeviceAction;
            string s = "reason=" + (Allowed(e) ? "Allowed" : "Blocked") + ";outcome=" + (Allowed(e) ? "200" : "403")
                + ";cat=" + Category(e.DestinationHostName) + ";rulelabel=None;ruletype=None;urlclass=Business Use;devicemodel=Virtual Machine";
            // Every 20th row carries the user agent, quoted, on a second line: a quoted multi-line cell with quotes inside.
            if (e.ExternalId % 20 == 0) s += ";\nua=\"" + UserAgent(e.SourceUserName) + "\"";
            return s;
        }

        internal static string Category(string? host)
        {
            host = host ?? string.Empty;
            if (host.Contains("sharepoint") || host.Contains("office") || host.Contains("microsoft") || host.Contains("salesforce")) return "Corporate Marketing";
            if (host.Contains("whatsapp") || host.Contains("telegram") || host == "t.me" || host.Contains("discord")) return "Online Chat";
            if (host.StartsWith("mail.", StringComparison.Ordinal) || host.Contains("outlook")) return "Web Mail";
            if (host.Contains("github") || host.Contains("gitlab") || host.Contains("bitbucket")) return "Professional Services";
            if (host.Contains("drive") || host.Contains("docs") || host.Contains("box") || host.Contains("mega") || host.Contains("transfer")
                || host.Contains("mediafire") || host.Contains("sendspace") || host.Contains("4shared") || host.Contains("anonfiles")) return "File Host";
            if (host.Contains("news") || host.Contains("bbc") || host.Contains("nytimes") || host.Contains("reuters") || host.Contains("cnn")) return "News and Media";
            if (host.EndsWith(".example", StringComparison.Ordinal)) return "Other Miscellaneous";
            return "General Browsing";
        }

        private static string? RegisteredDomain(string? host)
        {
            if (host == null || host.Length == 0) return null;
            int last = host.LastIndexOf('.');
            if (last <= 0) return host;
            int prev = host.LastIndexOf('.', last - 1);
            string tail = prev < 0 ? host : host.Substring(prev + 1);
            // co.uk and the like: keep one more label.
            if (tail.Length <= 5 && prev > 0) { int p2 = host.LastIndexOf('.', prev - 1); return p2 < 0 ? host : host.Substring(p2 + 1); }
            return tail;
        }

        private static readonly string[] UserAgents =
        {
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0",
        };

        internal static string UserAgent(string? user) => UserAgents[Fnv(user ?? string.Empty) % (uint)UserAgents.Length];

        private static readonly string[] Departments = { "Finance", "Engineering", "Sales", "HR", "Legal", "Marketing", "IT, Security" };

        internal static string? Department(string? user) => user == null || user.Length == 0 ? null : Departments[Fnv(user.ToLowerInvariant()) % (uint)Departments.Length];

        internal static string HashIp(string? host)
        {
            uint h = Fnv(host ?? string.Empty);
            return ((h >> 24) % 200 + 13).ToString(CultureInfo.InvariantCulture) + "." + ((h >> 16) & 255).ToString(CultureInfo.InvariantCulture) + "."
                + ((h >> 8) & 255).ToString(CultureInfo.InvariantCulture) + "." + (h & 255).ToString(CultureInfo.InvariantCulture);
        }

        internal static uint Fnv(string s)
        {
            uint h = 2166136261;
            foreach (char c in s) { h ^= c; h *= 16777619; }
            return h;
        }

        internal static string HashGuid(string s)
        {
            uint a = Fnv(s), b = Fnv(s + "#1"), c = Fnv(s + "#2"), d = Fnv(s + "#3");
            return a.ToString("x8", CultureInfo.InvariantCulture) + "-" + (b >> 16).ToString("x4", CultureInfo.InvariantCulture) + "-4"
                + (b & 0xFFF).ToString("x3", CultureInfo.InvariantCulture) + "-" + (0x8000 | (c >> 18)).ToString("x4", CultureInfo.InvariantCulture) + "-"
                + (c & 0xFFFF).ToString("x4", CultureInfo.InvariantCulture) + d.ToString("x8", CultureInfo.InvariantCulture);
        }

        // ───────────────────────────── OfficeActivity ─────────────────────────────

        internal static string RecordTypeName(int recordType)
        {
            switch (recordType)
            {
                case 2: return "ExchangeItem";
                case 4: return "SharePoint";
                case 6: return "SharePointFileOperation";
                case 14: return "SharePointSharingOperation";
                case 15: return "AzureActiveDirectoryStsLogon";
                case 50: return "ExchangeItemAggregated";
                default: return recordType.ToString(CultureInfo.InvariantCulture);
            }
        }

        private static bool IsFile(SampleSharingEvent e) => e.OfficeObjectId != null && e.OfficeObjectId.StartsWith("https://", StringComparison.Ordinal);
        internal static bool IsSharePoint(SampleSharingEvent e) => e.OfficeWorkload == "SharePoint" || e.OfficeWorkload == "OneDrive";

        /// <summary>https://host/sites/X/ or https://host/personal/x/ of a file URL.</summary>
        internal static string? SiteUrl(SampleSharingEvent e)
        {
            string? u = IsFile(e) ? e.OfficeObjectId : null;
            if (u == null) return null;
            int i = u.IndexOf("/sites/", StringComparison.Ordinal);
            if (i < 0) i = u.IndexOf("/personal/", StringComparison.Ordinal);
            if (i < 0) return null;
            int j = u.IndexOf('/', u.IndexOf('/', i + 1) + 1);
            return j < 0 ? null : u.Substring(0, j + 1);
        }

        internal static string? FileName(SampleSharingEvent e) =>
            IsFile(e) && e.Operation != "PageViewed" && e.OfficeObjectId is string u ? u.Substring(u.LastIndexOf('/') + 1) : null;

        internal static string? RelativeFolder(SampleSharingEvent e)
        {
            string? site = SiteUrl(e), file = FileName(e), u = e.OfficeObjectId;
            if (site == null || file == null || u == null) return null;
            return u.Substring(site.Length, u.Length - site.Length - file.Length).TrimEnd('/');
        }

        private static string? ExtendedProperties(SampleSharingEvent e)
        {
            if (e.Operation == "UserLoggedIn")
                return "[\n  {\n    \"Name\": \"UserAgent\",\n    \"Value\": \"" + UserAgent(e.UserId).Replace("\"", "\\\"") + "\"\n  },\n"
                    + "  {\n    \"Name\": \"RequestType\",\n    \"Value\": \"OAuth2:Authorize\"\n  },\n"
                    + "  {\n    \"Name\": \"ResultStatusDetail\",\n    \"Value\": \"Success\"\n  }\n]";
            if (e.Operation == "AnonymousLinkCreated" || e.Operation == "SharingSet")
                return "[\n  {\n    \"Name\": \"SharingLinkScope\",\n    \"Value\": \"" + (e.Operation == "AnonymousLinkCreated" ? "Anyone" : "Organization")
                    + "\"\n  },\n  {\n    \"Name\": \"Expiration\",\n    \"Value\": \"\"\n  }\n]";
            return null;
        }

        private static readonly Column<SampleSharingEvent>[] OfficeActivityColumns =
        {
            Text<SampleSharingEvent>("TenantId", e => WorkspaceTenantId),
            Text<SampleSharingEvent>("Application", e => null),
            Text<SampleSharingEvent>("UserDomain", e => null),
            Text<SampleSharingEvent>("UserAgent", e => IsSharePoint(e) ? UserAgent(e.UserId) : null),
            Text<SampleSharingEvent>("RecordType", e => RecordTypeName(e.RecordType)),
            Time<SampleSharingEvent>("TimeGenerated", e => e.TimeGenerated),
            Text<SampleSharingEvent>("Operation", e => e.Operation),
            Text<SampleSharingEvent>("OrganizationId", e => OfficeTenantId),
            Text<SampleSharingEvent>("OrganizationId_", e => OfficeTenantId),
            Text<SampleSharingEvent>("UserType", e => e.UserId == "app@sharepoint" ? "Application" : e.UserId != null && e.UserId.StartsWith("urn:", StringComparison.Ordinal) ? "Anonymous" : "Regular"),
            Text<SampleSharingEvent>("UserKey", e => e.UserId == null || e.UserId.Length == 0 ? null
                : e.UserId == "app@sharepoint" ? "i:0i.t|00000003-0000-0ff1-ce00-000000000000|app@sharepoint"
                : "i:0h.f|membership|1003" + Fnv(e.UserId.ToLowerInvariant()).ToString("x8", CultureInfo.InvariantCulture) + "@live.com"),
            Text<SampleSharingEvent>("OfficeWorkload", e => e.OfficeWorkload),
            Text<SampleSharingEvent>("ResultStatus", e => IsSharePoint(e) ? null : "Succeeded"),
            Text<SampleSharingEvent>("ResultReasonType", e => null),
            Text<SampleSharingEvent>("OfficeObjectId", e => e.OfficeObjectId),
            Text<SampleSharingEvent>("UserId", e => e.UserId),
            Text<SampleSharingEvent>("UserId_", e => e.UserId),
            Text<SampleSharingEvent>("ClientIP", e => e.ClientIP),
            Text<SampleSharingEvent>("ClientIP_", e => e.ClientIP),
            Text<SampleSharingEvent>("Scope", e => null),
            Text<SampleSharingEvent>("Site_", e => SiteUrl(e) is string site ? HashGuid(site) : null),
            Text<SampleSharingEvent>("ItemType", e => !IsSharePoint(e) ? null : e.Operation == "PageViewed" ? "Page" : "File"),
            Text<SampleSharingEvent>("EventSource", e => IsSharePoint(e) ? "SharePoint" : null),
            Text<SampleSharingEvent>("Site_Url", SiteUrl),
            Text<SampleSharingEvent>("Site_Url_", SiteUrl),
            Text<SampleSharingEvent>("SourceRelativeUrl", RelativeFolder),
            Text<SampleSharingEvent>("SourceRelativeUrl_", RelativeFolder),
            Text<SampleSharingEvent>("SourceFileName", FileName),
            Text<SampleSharingEvent>("SourceFileName_", FileName),
            Text<SampleSharingEvent>("SourceFileExtension", e => { var f = FileName(e); int i = f?.LastIndexOf('.') ?? -1; return f == null || i < 0 ? null : f.Substring(i + 1); }),
            Text<SampleSharingEvent>("DestinationRelativeUrl", e => null),
            Text<SampleSharingEvent>("DestinationFileName", e => null),
            Text<SampleSharingEvent>("UserSharedWith", e => e.Operation == "SharingInvitationCreated" || e.Operation == "AddedToSecureLink" ? "partner@fabrikam.com" : null),
            Text<SampleSharingEvent>("SharingType", e => e.Operation == "AnonymousLinkCreated" || e.Operation == "AnonymousLinkUsed" ? "Anonymous" : e.Operation == "SharingSet" ? "Member" : null),
            Text<SampleSharingEvent>("ExtendedProperties", ExtendedProperties),
            Text<SampleSharingEvent>("ModifiedProperties", e => null),
            Text<SampleSharingEvent>("ClientInfoString", e => e.OfficeWorkload == "Exchange" ? "Client=OWA;Action=ViaProxy" : null),
            Text<SampleSharingEvent>("MailboxOwnerUPN", e => e.OfficeWorkload == "Exchange" ? e.UserId : null),
            Time<SampleSharingEvent>("ElevationTime", e => null),
            Text<SampleSharingEvent>("SourceSystem", e => "OfficeActivityManager"),
            Text<SampleSharingEvent>("OfficeId", e => e.Id),
            Text<SampleSharingEvent>("SourceRecordId", e => e.Id),
            Time<SampleSharingEvent>("Start_Time", e => e.TimeGenerated),
            Text<SampleSharingEvent>("OfficeTenantId", e => OfficeTenantId),
            Text<SampleSharingEvent>("OfficeTenantId_", e => OfficeTenantId),
            Text<SampleSharingEvent>("TargetUserOrGroupName", e => e.Operation == "SharingSet" ? "Everyone except external users" : null),
            Text<SampleSharingEvent>("TargetUserOrGroupType", e => e.Operation == "SharingSet" ? "SharePointGroup" : null),
            Text<SampleSharingEvent>("Type", e => "OfficeActivity"),
            Text<SampleSharingEvent>("_ResourceId", e => null),
        };
    }

    /// <summary>
    /// RFC 4180 field escaping: quoted when the value holds a comma, quote, CR or LF (or always, as PowerShell's
    /// Export-Csv writes); quotes doubled.
    /// </summary>
    internal static class CsvText
    {
        public static bool NeedsQuotes(string? value)
        {
            if (value == null || value.Length == 0) return false;
            foreach (char c in value)
                if (c == ',' || c == '"' || c == '\r' || c == '\n') return true;
            return false;
        }

        public static string Escape(string? value) =>
            value != null && NeedsQuotes(value) ? "\"" + value.Replace("\"", "\"\"") + "\"" : value ?? string.Empty;

        public static string Escape(string? value, bool alwaysQuote) =>
            alwaysQuote ? "\"" + (value ?? string.Empty).Replace("\"", "\"\"") + "\"" : Escape(value);

        public static void WriteField(TextWriter w, string? value) => w.Write(Escape(value));

        public static void WriteField(TextWriter w, string? value, bool alwaysQuote) => w.Write(Escape(value, alwaysQuote));
    }
}
