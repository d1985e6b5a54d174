using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace LowSlowExfil.SampleData
{
    /// <summary>
    /// Writes sample events in the raw formats the module reads besides Log Analytics exports: the Zscaler NSS web
    /// feed as CEF over syslog (Zscaler's Sentinel template <c>nss-web.cef</c>, with or without a <c>&lt;134&gt;</c>
    /// PRI), Cloud NSS JSON lines (template <c>cloud-nss-web.fof</c>), Purview / Search-UnifiedAuditLog CSV (the older
    /// and the newer column layout) and Management Activity API JSON (an array or JSON lines). Everything streams, in
    /// invariant culture; the extra fields are derived from each event by hashing, so the files are as deterministic as
    /// the events.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <b>Vendors.</b> An NSS feed only ever carries Zscaler's own records, so the NSS writers skip events whose
    /// DeviceVendor is not "Zscaler" in any letter case (the tenant's Fortinet rows, which the rule never counts in
    /// either mode). Odd spellings are kept as they are (the vendorcase actor's <c>zscaler</c> lands in the CEF
    /// header and the Cloud NSS <c>vendor</c> property), so the mode-dependent vendor match is exercised.
    /// </para>
    /// <para>
    /// <b>Values.</b> As NSS does, CEF extension values are written unescaped: the user agent, reason, location
    /// (<c>spriv</c>), department (<c>cs1</c>) and others contain spaces, some contain <c>=</c> (e.g. a Google Drive
    /// client's <c>(Windows;OSVer=10.0.22631;)</c>, a location <c>Guest Wi-Fi ssid=CONTOSO-GUEST</c>). The CEF header
    /// escapes <c>\</c> and <c>|</c> as the standard requires. A CR or LF inside a value (never generated) would become
    /// a space, because an NSS record is one line.
    /// </para>
    /// <para>
    /// <b>Time resolution.</b> CEF <c>rt</c>, Cloud NSS <c>TimeGenerated</c>, audit <c>CreationTime</c> and Purview's
    /// <c>CreationDate</c> have whole seconds; a sub-second part is truncated. A tenant whose events must read back
    /// identically from every format is generated with <see cref="SampleTenantOptions.WholeSecondTimestamps"/>, which
    /// also moves the edges actor's "just inside" event to EndTime − 30 d + 1 s. All times are written in UTC.
    /// </para>
    /// </remarks>
    public static class SampleRawFeedWriter
    {
        public const string NssCefName = "NssWeblog.cef";
        public const string NssCefPriName = "NssWeblog-pri.cef";
        public const string CloudNssJsonName = "CloudNssWeblog.json";
        public const string NssLeefName = "NssWeblog.leef";
        public const string NssNameValueName = "NssWeblog-nvp.log";
        public const string PurviewCsvName = "PurviewAudit.csv";
        public const string PurviewCsvNewLayoutName = "PurviewAudit-newlayout.csv";
        public const string ManagementApiJsonName = "ManagementApi.json";
        public const string ManagementApiJsonLinesName = "ManagementApi.jsonl";

        /// <summary>The syslog PRI NSS uses: facility local0 (16), severity informational (6) → 16 × 8 + 6.</summary>
        public const string SyslogPri = "<134>";

        private const string NssHostName = "zscaler-nss";

        /// <summary>
        /// Writes every format of <paramref name="tenant"/> into <paramref name="folder"/> (created if missing): the four
        /// Log Analytics exports (<see cref="SampleExportWriter.WriteExports"/>), NSS CEF with and without PRI, Cloud NSS
        /// JSON, Purview CSV in both layouts and Management API JSON as an array and as lines; with
        /// <paramref name="gzip"/>, each file also as <c>name.gz</c> (listed right after it).
        /// </summary>
        public static IReadOnlyList<string> WriteAllFormats(SampleTenant tenant, string folder, bool gzip)
        {
            if (tenant == null) throw new ArgumentNullException(nameof(tenant));
            if (string.IsNullOrEmpty(folder)) throw new ArgumentNullException(nameof(folder));
            Directory.CreateDirectory(folder);
            var written = new List<string>();
            void Done(string path)
            {
                written.Add(path);
                if (gzip) written.Add(GzipCopy(path));
            }

            foreach (var p in SampleExportWriter.WriteExports(tenant, folder)) Done(p);

            string cef = Path.Combine(folder, NssCefName);
            WriteNssCef(tenant.ProxyEvents(), cef, withPri: false);
            Done(cef);
            string cefPri = Path.Combine(folder, NssCefPriName);
            WriteNssCef(tenant.ProxyEvents(), cefPri, withPri: true);
            Done(cefPri);
            string cloud = Path.Combine(folder, CloudNssJsonName);
            WriteCloudNssJson(tenant.ProxyEvents(), cloud);
            Done(cloud);
            string leef = Path.Combine(folder, NssLeefName);
            WriteNssLeef(tenant.ProxyEvents(), leef);
            Done(leef);
            string nvp = Path.Combine(folder, NssNameValueName);
            WriteNssNameValue(tenant.ProxyEvents(), nvp);
            Done(nvp);

            string purview = Path.Combine(folder, PurviewCsvName);
            WritePurviewCsv(tenant.SharingEvents(), purview, newLayout: false);
            Done(purview);
            string purviewNew = Path.Combine(folder, PurviewCsvNewLayoutName);
            WritePurviewCsv(tenant.SharingEvents(), purviewNew, newLayout: true);
            Done(purviewNew);
            string api = Path.Combine(folder, ManagementApiJsonName);
            WriteManagementApiJson(tenant.SharingEvents(), api, jsonLines: false);
            Done(api);
            string apiLines = Path.Combine(folder, ManagementApiJsonLinesName);
            WriteManagementApiJson(tenant.SharingEvents(), apiLines, jsonLines: true);
            Done(apiLines);
            return written;
        }

        /// <summary>Compresses <paramref name="path"/> to <c>path.gz</c> (streaming) and returns the new path.</summary>
        public static string GzipCopy(string path)
        {
            string gz = path + ".gz";
            using (var src = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
            using (var dst = new FileStream(gz, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            using (var z = new GZipStream(dst, CompressionLevel.Fastest))
                src.CopyTo(z, 1 << 16);
            return gz;
        }

        // ───────────────────────────── Zscaler NSS ─────────────────────────────

        /// <summary>True for the events an NSS feed carries: DeviceVendor "Zscaler" in any letter case.</summary>
        public static bool IsNssEvent(SampleProxyEvent e) =>
            e != null && string.Equals(e.DeviceVendor, "Zscaler", StringComparison.OrdinalIgnoreCase);

        /// <summary>
        /// One line per (Zscaler) event, as Zscaler's NSS web feed template for Sentinel writes it:
        /// <c>[&lt;134&gt;]Mon DD HH:MM:SS zscaler-nss CEF:0|{vendor}|NSSWeblog|5.7|{action}|{reason}|3|act=… rt=Mon DD YYYY HH:MM:SS …</c>.
        /// </summary>
        public static void WriteNssCef(IEnumerable<SampleProxyEvent> events, string path, bool withPri)
        {
            if (events == null) throw new ArgumentNullException(nameof(events));
            var fields = new List<KeyValuePair<string, string>>(160);
            using (var w = SampleExportWriter.Open(path, bom: false))
            {
                foreach (var e in events)
                {
                    if (!IsNssEvent(e)) continue;
                    DateTime t = e.TimeGenerated;
                    if (withPri) w.Write(SyslogPri);
                    w.Write(t.ToString("MMM dd HH:mm:ss", CultureInfo.InvariantCulture));
                    w.Write(' ');
                    w.Write(NssHostName);
                    w.Write(" CEF:0|");
                    WriteHeaderValue(w, e.DeviceVendor);
                    w.Write('|');
                    WriteHeaderValue(w, e.DeviceProduct ?? "NSSWeblog");
                    w.Write("|5.7|");
                    WriteHeaderValue(w, e.DeviceAction);
                    w.Write('|');
                    WriteHeaderValue(w, Reason(e));
                    w.Write("|3|");
                    NssFields(e, fields, cloud: false);
                    for (int i = 0; i < fields.Count; i++)
                    {
                        if (i > 0) w.Write(' ');
                        w.Write(fields[i].Key);
                        w.Write('=');
                        WriteExtensionValue(w, fields[i].Value);
                    }
                    w.Write('\n');
                }
            }
        }

        /// <summary>
        /// One JSON object per line per (Zscaler) event, as Cloud NSS writes the web feed template: CEF key names,
        /// every value a string, <c>"TimeGenerated":"yyyy-MM-dd,HH:mm:ss"</c> (UTC) first.
        /// </summary>
        public static void WriteCloudNssJson(IEnumerable<SampleProxyEvent> events, string path)
        {
            if (events == null) throw new ArgumentNullException(nameof(events));
            var fields = new List<KeyValuePair<string, string>>(160);
            using (var w = SampleExportWriter.Open(path, bom: false))
            {
                foreach (var e in events)
                {
                    if (!IsNssEvent(e)) continue;
                    w.Write("{\"TimeGenerated\":");
                    SampleExportWriter.WriteJsonString(w, e.TimeGenerated.ToString("yyyy-MM-dd,HH:mm:ss", CultureInfo.InvariantCulture));
                    w.Write(",\"sourcetype\":\"zscalernss\",\"vendor\":");
                    SampleExportWriter.WriteJsonString(w, e.DeviceVendor);
                    w.Write(",\"product\":");
                    SampleExportWriter.WriteJsonString(w, e.DeviceProduct ?? "NSSWeblog");
                    w.Write(",\"version\":\"5.7\"");
                    NssFields(e, fields, cloud: true);
                    foreach (var kv in fields)
                    {
                        w.Write(',');
                        SampleExportWriter.WriteJsonString(w, kv.Key);
                        w.Write(':');
                        SampleExportWriter.WriteJsonString(w, kv.Value ?? string.Empty);
                    }
                    w.Write("}\n");
                }
            }
        }

        /// <summary>
        /// One line per (Zscaler) event, as the "QRadar LEEF" feed output type writes it: a syslog header, then
        /// <c>LEEF:1.0|{vendor}|NSS|4.1|{reason}|</c> and tab-separated pairs (cat = action, devTime in its devTimeFormat
        /// "MMM dd yyyy HH:mm:ss z", usrName = login, srcBytes = request size, hostname, url, recordid, ...).
        /// </summary>
        public static void WriteNssLeef(IEnumerable<SampleProxyEvent> events, string path)
        {
            if (events == null) throw new ArgumentNullException(nameof(events));
            using (var w = SampleExportWriter.Open(path, bom: false))
            {
                foreach (var e in events)
                {
                    if (!IsNssEvent(e)) continue;
                    DateTime t = e.TimeGenerated;
                    w.Write(t.ToString("MMM dd HH:mm:ss", CultureInfo.InvariantCulture));
                    w.Write(' ');
                    w.Write(NssHostName);
                    w.Write(": LEEF:1.0|");
                    w.Write(e.DeviceVendor);
                    w.Write("|NSS|4.1|");
                    w.Write(Reason(e));
                    w.Write('|');
                    WritePairs(w, '\t', new[]
                    {
                        ("cat", e.DeviceAction), ("devTime", t.ToString("MMM dd yyyy HH:mm:ss", CultureInfo.InvariantCulture) + " GMT"),
                        ("devTimeFormat", "MMM dd yyyy HH:mm:ss z"), ("src", e.SourceIP), ("usrName", e.SourceUserName),
                        ("srcBytes", Num(e.SentBytes)), ("dstBytes", Num(e.ReceivedBytes)), ("policy", Reason(e)), ("url", Eurl(e)),
                        ("recordid", Num(e.ExternalId)), ("useragent", UserAgentOf(e)), ("hostname", e.DestinationHostName),
                        ("urlcategory", SampleExportWriter.Category(e.DestinationHostName ?? string.Empty)),
                    });
                    w.Write('\n');
                }
            }
        }

        /// <summary>
        /// One line per (Zscaler) event as tab-separated name-value pairs under NSS's own field names (datetime, login,
        /// hostname, url, reqsize, action, recordid, ...), the output Zscaler's feed guidelines suggest for SIEMs that parse
        /// name-value pairs. The vendor is written too, as the Cloud NSS template carries it.
        /// </summary>
        public static void WriteNssNameValue(IEnumerable<SampleProxyEvent> events, string path)
        {
            if (events == null) throw new ArgumentNullException(nameof(events));
            using (var w = SampleExportWriter.Open(path, bom: false))
            {
                foreach (var e in events)
                {
                    if (!IsNssEvent(e)) continue;
                    WritePairs(w, '\t', new[]
                    {
                        ("datetime", e.TimeGenerated.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)), ("vendor", e.DeviceVendor),
                        ("action", e.DeviceAction), ("reason", Reason(e)), ("login", e.SourceUserName), ("hostname", e.DestinationHostName),
                        ("url", Eurl(e)), ("reqsize", Num(e.SentBytes)), ("respsize", Num(e.ReceivedBytes)), ("recordid", Num(e.ExternalId)),
                        ("ua", UserAgentOf(e)),
                    });
                    w.Write('\n');
                }
            }
        }

        /// <summary>key=value pairs; an empty value as NSS writes it (None).</summary>
        private static void WritePairs(TextWriter w, char delimiter, (string Key, string Value)[] pairs)
        {
            for (int i = 0; i < pairs.Length; i++)
            {
                if (i > 0) w.Write(delimiter);
                w.Write(pairs[i].Key);
                w.Write('=');
                w.Write(string.IsNullOrEmpty(pairs[i].Value) ? "None" : pairs[i].Value);
            }
        }

        /// <summary>The URL without its scheme, as NSS's %s{eurl} writes it.</summary>
        private static string Eurl(SampleProxyEvent e)
        {
            string url = e.RequestURL ?? "https://" + (e.DestinationHostName ?? string.Empty) + "/";
            int scheme = url.IndexOf("://", StringComparison.Ordinal);
            return scheme < 0 ? url : url.Substring(scheme + 3);
        }

        /// <summary>The keys of the web feed template in its order (rt is the full time in CEF, the month in Cloud NSS).</summary>
        internal static IReadOnlyList<string> NssFieldKeys()
        {
            var fields = new List<KeyValuePair<string, string>>();
            NssFields(new SampleProxyEvent
            {
                TimeGenerated = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), DeviceVendor = "Zscaler", DeviceProduct = "NSSWeblog",
                DeviceAction = "Allowed", SourceUserName = "a@b.c", DestinationHostName = "x.example", RequestURL = "https://x.example/",
            }, fields, cloud: false);
            var keys = new List<string>(fields.Count);
            foreach (var kv in fields) keys.Add(kv.Key);
            return keys;
        }

        private static void WriteHeaderValue(TextWriter w, string s)
        {
            if (string.IsNullOrEmpty(s)) return;
            foreach (char c in s)
            {
                if (c == '|' || c == '\\') w.Write('\\');
                w.Write(c == '\r' || c == '\n' ? ' ' : c);
            }
        }

        private static void WriteExtensionValue(TextWriter w, string s)
        {
            if (string.IsNullOrEmpty(s)) return;
            if (s.IndexOf('\n') < 0 && s.IndexOf('\r') < 0) { w.Write(s); return; }
            w.Write(s.Replace('\r', ' ').Replace('\n', ' '));
        }

        private static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);

        private static bool IsHttps(SampleProxyEvent e) => e.RequestURL == null || !e.RequestURL.StartsWith("http:", StringComparison.Ordinal);

        private static bool IsUpload(SampleProxyEvent e) => e.SentBytes > 100_000;

        private static string Reason(SampleProxyEvent e)
        {
            if (SampleExportWriter.Allowed(e)) return "Allowed";
            if (string.Equals(e.DeviceAction, "Blocked", StringComparison.Ordinal)) return "Not allowed to browse this category";
            return "Not allowed to upload to this file sharing site";
        }

        private static readonly string[] Locations = { "HQ Frankfurt", "Road Warrior", "Branch Lyon - 2nd floor", "Guest Wi-Fi ssid=CONTOSO-GUEST", "HQ Frankfurt" };

        private static string Location(string user) =>
            string.IsNullOrEmpty(user) ? "Road Warrior" : Locations[SampleExportWriter.Fnv(user.ToLowerInvariant() + "#loc") % (uint)Locations.Length];

        /// <summary>A browser's user agent, or Google Drive for desktop's (which has an '=') for uploads to Google.</summary>
        private static string UserAgentOf(SampleProxyEvent e)
        {
            string host = e.DestinationHostName ?? string.Empty;
            if (IsUpload(e) && host.EndsWith("google.com", StringComparison.Ordinal) && e.ExternalId % 3 == 0)
                return "GoogleDriveFS/85.0.13.0 (Windows;OSVer=10.0.22631;)";
            return SampleExportWriter.UserAgent(e.SourceUserName);
        }

        private static string UaToken(string ua)
        {
            if (ua.StartsWith("GoogleDriveFS", StringComparison.Ordinal)) return "GoogleDriveFS";
            if (ua.Contains("Edg/")) return "Microsoft Edge";
            if (ua.Contains("Firefox/")) return "Firefox";
            if (ua.Contains("Chrome/")) return "Google Chrome";
            return "Safari";
        }

        private static string AppName(string host)
        {
            host = host ?? string.Empty;
            if (host.Contains("dropbox")) return "Dropbox";
            if (host.StartsWith("mail.google", StringComparison.Ordinal)) return "Gmail";
            if (host.Contains("google")) return host.Contains("drive") || host.Contains("docs") ? "Google Drive" : "Google Search";
            if (host.Contains("github")) return "GitHub";
            if (host.Contains("gitlab")) return "GitLab";
            if (host.Contains("bitbucket")) return "Bitbucket";
            if (host.Contains("wetransfer")) return "WeTransfer";
            if (host.Contains("box.com")) return "Box";
            if (host.Contains("mega")) return "MEGA";
            if (host.Contains("mediafire")) return "MediaFire";
            if (host.Contains("whatsapp")) return "WhatsApp";
            if (host.Contains("telegram") || host == "t.me") return "Telegram";
            if (host.Contains("discord")) return "Discord";
            if (host.Contains("sharepoint")) return "SharePoint Online";
            if (host.Contains("outlook") || host.Contains("office")) return "Microsoft 365";
            if (host.Contains("salesforce")) return "Salesforce";
            return "General Browsing";
        }

        private static string AppClass(string category)
        {
            switch (category)
            {
                case "File Host": return "File Sharing";
                case "Online Chat": return "Instant Messaging";
                case "Web Mail": return "Webmail";
                case "Professional Services": return "IT Services";
                case "Corporate Marketing": return "Business";
                default: return "General Browsing";
            }
        }

        private static string UrlSuperCategory(string category)
        {
            switch (category)
            {
                case "File Host":
                case "Professional Services": return "Information Technology";
                case "Online Chat":
                case "Web Mail": return "Internet Communication";
                case "News and Media": return "News and Media";
                case "Corporate Marketing": return "Business and Economy";
                case "Other Miscellaneous": return "User-defined";
                default: return "Miscellaneous";
            }
        }

        private static readonly string[] UploadFiles = { "source-export.zip", "Customer list.xlsx", "Budget FY27.xlsx", "Roadmap 2027.pptx", "backup (1).7z" };

        /// <summary>The template's fields in its order, with plausible values derived from the event.</summary>
        private static void NssFields(SampleProxyEvent e, List<KeyValuePair<string, string>> f, bool cloud)
        {
            f.Clear();
            void Add(string k, string v) => f.Add(new KeyValuePair<string, string>(k, v ?? "None"));

            string action = e.DeviceAction ?? string.Empty;
            string reason = Reason(e);
            string host = e.DestinationHostName ?? string.Empty;
            string url = e.RequestURL ?? "https://" + host + "/";
            int scheme = url.IndexOf("://", StringComparison.Ordinal);
            string eurl = scheme < 0 ? url : url.Substring(scheme + 3);
            int slash = eurl.IndexOf('/');
            string path = slash < 0 ? "/" : eurl.Substring(slash);
            bool https = IsHttps(e), upload = IsUpload(e), allowed = SampleExportWriter.Allowed(e);
            string user = e.SourceUserName ?? string.Empty;
            string category = SampleExportWriter.Category(host);
            string ua = UserAgentOf(e);
            uint h = SampleExportWriter.Fnv(e.ExternalId.ToString(CultureInfo.InvariantCulture));
            uint hu = SampleExportWriter.Fnv(user.ToLowerInvariant());
            long reqHdr = Math.Min(e.SentBytes, 380 + h % 400), respHdr = Math.Min(e.ReceivedBytes, 250 + h % 600);
            string location = Location(user);
            string uploadFile = upload ? UploadFiles[h % (uint)UploadFiles.Length] : null;
            string ext = uploadFile == null ? null : uploadFile.Substring(uploadFile.LastIndexOf('.') + 1).ToUpperInvariant();

            Add("act", action);
            Add("Severity", "3");
            Add("name", reason);
            Add("deviceEventClassId", action);
            Add("app", https ? "HTTPS" : "HTTP");
            Add("cat", category);
            Add("dhost", host);
            Add("dst", SampleExportWriter.HashIp(host));
            Add("src", e.SourceIP);
            Add("in_bytes", Num(e.ReceivedBytes));
            Add("in", Num(e.ReceivedBytes));
            Add("outcome", allowed ? "200" : "403");
            Add("out", Num(e.SentBytes));
            Add("request", eurl);
            Add("rt", cloud
                ? e.TimeGenerated.ToString("MMM", CultureInfo.InvariantCulture)
                : e.TimeGenerated.ToString("MMM dd yyyy HH:mm:ss", CultureInfo.InvariantCulture));
            Add("sourceTranslatedAddress", "203.0.113.10");
            Add("requestClientApplication", ua);
            Add("requestMethod", upload ? "POST" : "GET");
            Add("suser", user);
            Add("spriv", location);
            Add("externalId", Num(e.ExternalId));
            Add("fileType", upload ? ext : "None");
            Add("reason", reason);
            Add("destinationServiceName", AppName(host));
            Add("cn1", Num(category == "File Host" ? 40 + h % 30 : h % 20));
            Add("cn1Label", "riskscore");
            Add("cs1", SampleExportWriter.Department(user) ?? "Default Department");
            Add("cs1Label", "dept");
            Add("cs2", UrlSuperCategory(category));
            Add("cs2Label", "urlsupercat");
            Add("cs3", AppClass(category));
            Add("cs3Label", "appclass");
            Add("cs4", "None");
            Add("cs4Label", "malwarecat");
            Add("cs5", "None");
            Add("cs5Label", "threatname");
            Add("cs6", "None");
            Add("cs6Label", "dlpeng");
            Add("ZscalerNSSWeblogURLClass", !allowed && action == "Blocked" ? "Legal Liability" : category == "File Host" ? "Bandwidth Loss" : "Business Use");
            Add("ZscalerNSSWeblogDLPDictionaries", "None");
            Add("requestContext", upload ? "https://" + host + "/" : "None");
            Add("contenttype", upload ? "application/octet-stream" : "text/html");
            Add("unscannabletype", "None");
            Add("deviceowner", user.Length == 0 ? "None" : user.Substring(0, Math.Max(0, user.IndexOf('@'))));
            Add("devicehostname", user.Length == 0 ? "None" : "CONTOSO-LT-" + (hu % 10000).ToString("D4", CultureInfo.InvariantCulture));
            Add("keyprotectiontype", "N/A");
            Add("cloudname", "zscaler.net");
            Add("company", "Contoso Ltd");
            Add("throttlereqsize", "0");
            Add("throttlerespsize", "0");
            Add("bwthrottle", "NO");
            Add("bwclassname", "General Surfing");
            Add("bwrulename", "No Bandwidth Control");
            Add("module", category == "File Host" ? "File Sharing" : "General Browsing");
            Add("app_risk_score", category == "File Host" ? "3" : "None");
            Add("datacenter", "FRA4");
            Add("datacentercity", "Fr");
            Add("datacentercountry", "DE");
            Add("dlpdicthitcount", "None");
            Add("dlpidentifier", "0");
            Add("dlpmd5", "None");
            Add("dlprulename", "NA");
            Add("fileclass", "None");
            Add("fname", "None");
            Add("filesubtype", "None");
            Add("upload_fileclass", upload ? (ext == "ZIP" || ext == "7Z" ? "Archive" : "Document") : "None");
            Add("upload_filetype", upload ? ext : "None");
            Add("upload_filename", uploadFile ?? "None");
            Add("upload_filesubtype", upload ? ext.ToLowerInvariant() : "None");
            Add("upload_doctypename", upload ? "Corporate Finance" : "None");
            Add("rdr_rulename", "None");
            Add("fwd_type", "Direct");
            Add("fwd_gw_name", "None");
            Add("fwd_gw_ip", "0.0.0.0");
            Add("zpa_app_seg_name", "None");
            Add("reqdatasize", Num(e.SentBytes - reqHdr));
            Add("reqhdrsize", Num(reqHdr));
            Add("respdatasize", Num(e.ReceivedBytes - respHdr));
            Add("resphdrsize", Num(respHdr));
            Add("totalsize", Num(e.SentBytes + e.ReceivedBytes));
            Add("df_hosthead", "None");
            Add("df_hostname", "None");
            Add("erefererhost", upload ? host : "None");
            Add("refererpath", upload ? "/" : "None");
            Add("eurlpath", path);
            Add("reqversion", "1.1");
            Add("respversion", "1.1");
            Add("ua_token", UaToken(ua));
            Add("uaclass", ua.StartsWith("Mozilla", StringComparison.Ordinal) ? "Browser" : "Application");
            Add("mobappname", "None");
            Add("mobappcat", "None");
            Add("mobdevtype", "None");
            Add("clt_sport", Num(49152 + (long)(h % 16000)));
            Add("cpubip", "203.0.113.10");
            Add("alpnprotocol", https ? "h2" : "N/A");
            Add("trafficredirectmethod", "ZscalerClientConnector");
            Add("euserlocationname", location);
            Add("erulelabel", allowed ? "None" : "Block File Sharing");
            Add("ruletype", allowed ? "None" : "URL Filtering");
            Add("eurlfilterrulelabel", allowed ? "None" : "Block File Sharing");
            Add("ourlfilterrulelabel", "None");
            Add("eapprulelabel", "None");
            Add("fileHash", "None");
            Add("sha256", "None");
            Add("ssldecrypted", https ? "Yes" : "No");
            Add("externalspr", "NA");
            Add("clientsslcipher", https ? "TLS_AES_256_GCM_SHA384" : "None");
            Add("clienttlsversion", https ? "TLSV1_3" : "None");
            Add("clientsslsessreuse", https ? "No" : "UNKNOWN");
            Add("cltsslfailreason", "N/A");
            Add("cltsslfailcount", "0");
            Add("srvsslcipher", https ? "TLS_AES_128_GCM_SHA256" : "None");
            Add("srvtlsversion", https ? "TLSV1_3" : "None");
            Add("srvocspresult", https ? "Good" : "None");
            Add("srvcertchainvalpass", https ? "PASS" : "UNKNOWN");
            Add("srvwildcardcert", https ? (host.Split('.').Length > 2 ? "Yes" : "No") : "UNKNOWN");
            Add("serversslsessreuse", https ? "No" : "UNKNOWN");
            Add("srvcertvalidationtype", https ? "DV" : "None");
            Add("srvcertvalidityperiod", https ? "Short" : "None");
            Add("is_ssluntrustedca", "No");
            Add("is_sslselfsigned", "No");
            Add("is_sslexpiredca", "No");
            Add("threatseverity", "None");
            Add("malwareclass", "None");
            Add("urlcatmethod", "Database A");
            Add("bypassed_traffic", "0");
            Add("bypassed_etime", "Thu Jan  1 00:00:00 1970");
            Add("deviceappversion", "4.3.0.181");
            Add("devicemodel", "Latitude 7440");
            Add("devicename", user.Length == 0 ? "None" : SampleExportWriter.HashGuid(user.ToLowerInvariant()) + ":" + hu.ToString("X8", CultureInfo.InvariantCulture));
            Add("deviceostype", "Windows OS");
            Add("devicetype", "Zscaler Client Connector");
            Add("external_devid", string.Empty);
            Add("flow_type", "ZIA");
            Add("ztunnelversion", "ZTUNNEL_2_0_DTLS1_2");
            Add("productversion", "6.2r.585_prod.61.394881_114");
            Add("nsssvcip", "10.1.2.7");
        }

        // ───────────────────────────── Microsoft 365 audit ─────────────────────────────

        /// <summary>
        /// Purview audit search export. Older layout (Search-UnifiedAuditLog piped to Windows PowerShell's
        /// <c>Export-Csv -NoTypeInformation -Encoding UTF8</c>): <c>CreationDate,UserIds,Operations,AuditData</c>, every
        /// field quoted. Newer layout (the Purview portal's export):
        /// <c>RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,AssociatedAdminUnitsNames</c>,
        /// quoted where needed. Both UTF-8 with BOM, CRLF line ends; CreationDate as <c>9/20/2023 4:05:03 AM</c> (UTC);
        /// AuditData the audit record as compact JSON.
        /// </summary>
        public static void WritePurviewCsv(IEnumerable<SampleSharingEvent> events, string path, bool newLayout)
        {
            if (events == null) throw new ArgumentNullException(nameof(events));
            bool q = !newLayout;
            var sb = new StringBuilder(2048);
            using (var w = SampleExportWriter.Open(path, bom: true))
            {
                void Row(params string[] cells)
                {
                    for (int i = 0; i < cells.Length; i++)
                    {
                        if (i > 0) w.Write(',');
                        CsvText.WriteField(w, cells[i], q);
                    }
                    w.Write("\r\n");
                }

                if (newLayout) Row("RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData", "AssociatedAdminUnits", "AssociatedAdminUnitsNames");
                else Row("CreationDate", "UserIds", "Operations", "AuditData");
                foreach (var e in events)
                {
                    string created = e.TimeGenerated.ToString("M/d/yyyy h:mm:ss tt", CultureInfo.InvariantCulture);
                    string audit = AuditRecord(e, sb);
                    if (newLayout) Row(e.Id, created, SampleExportWriter.RecordTypeName(e.RecordType), e.Operation, e.UserId, audit, string.Empty, string.Empty);
                    else Row(created, e.UserId, e.Operation, audit);
                }
            }
        }

        /// <summary>
        /// Management Activity API content: audit records (CreationTime without zone, RecordType a number) as one JSON
        /// array (one record per line inside it), or as JSON lines.
        /// </summary>
        public static void WriteManagementApiJson(IEnumerable<SampleSharingEvent> events, string path, bool jsonLines)
        {
            if (events == null) throw new ArgumentNullException(nameof(events));
            var sb = new StringBuilder(2048);
            using (var w = SampleExportWriter.Open(path, bom: false))
            {
                bool first = true;
                if (!jsonLines) w.Write('[');
                foreach (var e in events)
                {
                    if (!jsonLines) w.Write(first ? "\n" : ",\n");
                    first = false;
                    w.Write(AuditRecord(e, sb));
                    if (jsonLines) w.Write('\n');
                }
                if (!jsonLines) w.Write(first ? "]\n" : "\n]\n");
            }
        }

        /// <summary>The audit record (common schema first, then the workload's own properties) as compact JSON.</summary>
        internal static string AuditRecord(SampleSharingEvent e, StringBuilder sb)
        {
            sb.Clear();
            using (var w = new StringWriter(sb, CultureInfo.InvariantCulture))
            {
                var j = new JsonObjectWriter(w);
                string user = e.UserId ?? string.Empty;
                string id = e.Id ?? string.Empty;
                j.Str("CreationTime", e.TimeGenerated.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
                j.Str("Id", id);
                j.Str("Operation", e.Operation);
                j.Str("OrganizationId", SampleExportWriter.OfficeTenantId);
                j.Num("RecordType", e.RecordType);
                j.Str("UserKey", UserKey(user));
                j.Num("UserType", 0);
                j.Num("Version", 1);
                j.Str("Workload", e.OfficeWorkload);
                j.Str("ClientIP", e.ClientIP);
                if (!string.IsNullOrEmpty(e.OfficeObjectId)) j.Str("ObjectId", e.OfficeObjectId);
                j.Str("UserId", user);

                switch (e.OfficeWorkload)
                {
                    case "SharePoint":
                    case "OneDrive":
                        string site = SampleExportWriter.SiteUrl(e) ?? string.Empty;
                        j.Str("CorrelationId", SampleExportWriter.HashGuid(id + "#corr"));
                        j.Str("EventSource", "SharePoint");
                        j.Str("ItemType", e.Operation == "PageViewed" ? "Page" : "File");
                        j.Str("ListId", SampleExportWriter.HashGuid(site + "#list"));
                        j.Str("ListItemUniqueId", SampleExportWriter.HashGuid(e.OfficeObjectId ?? string.Empty));
                        j.Str("Site", SampleExportWriter.HashGuid(site));
                        j.Str("UserAgent", SampleExportWriter.UserAgent(user));
                        j.Str("WebId", SampleExportWriter.HashGuid(site + "#web"));
                        string file = SampleExportWriter.FileName(e);
                        if (file != null)
                        {
                            int dot = file.LastIndexOf('.');
                            if (dot >= 0) j.Str("SourceFileExtension", file.Substring(dot + 1));
                            j.Str("SiteUrl", site);
                            j.Str("SourceFileName", file);
                            j.Str("SourceRelativeUrl", SampleExportWriter.RelativeFolder(e) ?? string.Empty);
                        }
                        switch (e.Operation)
                        {
                            case "SharingSet":
                                j.Str("TargetUserOrGroupName", "Everyone except external users");
                                j.Str("TargetUserOrGroupType", "SharePointGroup");
                                j.Str("EventData", "<PermissionsGranted>Read</PermissionsGranted>");
                                break;
                            case "AnonymousLinkCreated":
                            case "AnonymousLinkUsed":
                                j.Str("EventData", "<Type>View</Type><MembersCanShare>Enabled</MembersCanShare>");
                                break;
                            case "SharingInvitationCreated":
                            case "AddedToSecureLink":
                                j.Str("TargetUserOrGroupName", "partner@fabrikam.com");
                                j.Str("TargetUserOrGroupType", "Guest");
                                break;
                        }
                        break;
                    case "AzureActiveDirectory":
                        j.Num("AzureActiveDirectoryEventType", 1);
                        j.Raw("ExtendedProperties", "[{\"Name\":\"ResultStatusDetail\",\"Value\":\"Success\"},{\"Name\":\"UserAgent\",\"Value\":"
                            + JsonObjectWriter.Quote(SampleExportWriter.UserAgent(user)) + "},{\"Name\":\"RequestType\",\"Value\":\"OAuth2:Authorize\"}]");
                        j.Raw("ModifiedProperties", "[]");
                        j.Raw("Actor", "[{\"ID\":" + JsonObjectWriter.Quote(user) + ",\"Type\":5}]");
                        j.Str("ActorContextId", SampleExportWriter.OfficeTenantId);
                        j.Str("ActorIpAddress", e.ClientIP);
                        j.Str("InterSystemsId", SampleExportWriter.HashGuid(id + "#isid"));
                        j.Str("IntraSystemId", SampleExportWriter.HashGuid(id + "#intra"));
                        j.Str("SupportTicketId", string.Empty);
                        j.Raw("Target", "[{\"ID\":\"00000003-0000-0ff1-ce00-000000000000\",\"Type\":0}]");
                        j.Str("TargetContextId", SampleExportWriter.OfficeTenantId);
                        j.Str("ApplicationId", "4765445b-32c6-49b0-83e6-1d93765276ca");
                        j.Str("ErrorNumber", "0");
                        break;
                    case "Exchange":
                        j.Str("ClientIPAddress", e.ClientIP);
                        j.Str("ClientInfoString", "Client=OWA;Action=ViaProxy");
                        j.Bool("ExternalAccess", false);
                        j.Num("InternalLogonType", 0);
                        j.Num("LogonType", 0);
                        j.Str("LogonUserSid", "S-1-5-21-3623811015-3361044348-30300820-" + (1000 + SampleExportWriter.Fnv(user.ToLowerInvariant()) % 9000).ToString(CultureInfo.InvariantCulture));
                        j.Str("MailboxGuid", SampleExportWriter.HashGuid(user.ToLowerInvariant() + "#mbx"));
                        j.Str("MailboxOwnerUPN", user);
                        j.Str("OrganizationName", "contoso.onmicrosoft.com");
                        j.Str("OriginatingServer", "AM6PR04MB5432 (15.20.7452.028)");
                        break;
                }
                j.End();
            }
            return sb.ToString();
        }

        private static string UserKey(string user)
        {
            if (string.IsNullOrEmpty(user)) return string.Empty;
            if (user == "app@sharepoint") return "i:0i.t|00000003-0000-0ff1-ce00-000000000000|app@sharepoint";
            if (user.StartsWith("urn:", StringComparison.Ordinal)) return user;
            return "i:0h.f|membership|1003" + SampleExportWriter.Fnv(user.ToLowerInvariant()).ToString("x8", CultureInfo.InvariantCulture) + "@live.com";
        }

        /// <summary>A flat JSON object, written compactly in the order of the calls.</summary>
        private sealed class JsonObjectWriter
        {
            private readonly TextWriter _w;
            private bool _first = true;

            public JsonObjectWriter(TextWriter w) { _w = w; _w.Write('{'); }

            private void Name(string name)
            {
                if (!_first) _w.Write(',');
                _first = false;
                SampleExportWriter.WriteJsonString(_w, name);
                _w.Write(':');
            }

            public void Str(string name, string value) { Name(name); SampleExportWriter.WriteJsonString(_w, value ?? string.Empty); }
            public void Num(string name, long value) { Name(name); _w.Write(value.ToString(CultureInfo.InvariantCulture)); }
            public void Bool(string name, bool value) { Name(name); _w.Write(value ? "true" : "false"); }
            public void Raw(string name, string json) { Name(name); _w.Write(json); }
            public void End() => _w.Write('}');

            public static string Quote(string s)
            {
                using (var w = new StringWriter(CultureInfo.InvariantCulture))
                {
                    SampleExportWriter.WriteJsonString(w, s ?? string.Empty);
                    return w.ToString();
                }
            }
        }
    }
}
