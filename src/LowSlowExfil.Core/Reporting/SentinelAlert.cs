using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Reporting
{
    /// <summary>How <see cref="SentinelAlert"/> writes alerts.</summary>
    public sealed class SentinelAlertOptions
    {
        /// <summary>The alert's TimeGenerated (UTC); now when null.</summary>
        public DateTime? TimeGenerated { get; set; }

        /// <summary>Indented JSON (the default) or one line.</summary>
        /// <remarks>Strings are escaped as JSON requires (quotes, backslashes, control characters) but '&amp;', '&lt;', '&gt;' and
        /// non-ASCII letters are written as themselves, so the text reads as the logs do; embed it in HTML only escaped.</remarks>
        public bool Indented { get; set; } = true;
    }

    /// <summary>An account entity as Sentinel maps it: FullName split into Name and UPNSuffix (or NTDomain).</summary>
    public sealed class AccountName
    {
        public string FullName { get; set; } = string.Empty;
        public string Name { get; set; } = string.Empty;
        /// <summary>Null unless the name is <c>user@suffix</c>.</summary>
        public string? UPNSuffix { get; set; }
        /// <summary>Null unless the name is <c>DOMAIN\user</c>.</summary>
        public string? NTDomain { get; set; }

        /// <summary>
        /// Splits a user name the way Sentinel's account mapping does: <c>user@suffix</c> (at the last '@') into
        /// Name and UPNSuffix, <c>DOMAIN\user</c> into NTDomain and Name; anything else is the Name alone.
        /// </summary>
        public static AccountName Parse(string? userName)
        {
            var a = new AccountName { FullName = userName ?? string.Empty, Name = userName ?? string.Empty };
            if (userName == null || userName.Length == 0) return a;
            int at = userName.LastIndexOf('@');
            if (at > 0 && at < userName.Length - 1)
            {
                a.Name = userName.Substring(0, at);
                a.UPNSuffix = userName.Substring(at + 1);
                return a;
            }
            int slash = userName.IndexOf('\\');
            if (slash > 0 && slash < userName.Length - 1)
            {
                a.NTDomain = userName.Substring(0, slash);
                a.Name = userName.Substring(slash + 1);
            }
            return a;
        }
    }

    /// <summary>
    /// A candidate as a Microsoft Sentinel-style alert, for SOAR hand-off. Field names follow Sentinel's alert
    /// (the alert trigger payload and the SecurityAlert schema): AlertDisplayName, Description, Severity, Tactics,
    /// Techniques, SubTechniques, ProductName, ProviderName, StartTimeUtc, EndTimeUtc, TimeGenerated, Entities,
    /// ExtendedProperties (string values, with the rule's custom details under "Custom Details" as Sentinel writes
    /// them: a JSON string of arrays of strings), plus CustomDetails with the same values typed.
    /// </summary>
    public static class SentinelAlert
    {
        public const string Product = "LowSlowExfil";

        /// <summary>The rule's customDetails, in its order.</summary>
        public static readonly IReadOnlyList<string> CustomDetailNames = new[] { "ZIA_TotalMBSent", "ZIA_ActiveDays", "Zscore", "O365_AnonLinks", "DistinctChannels" };

        /// <summary>One alert as a JSON document.</summary>
        public static string ToJson(ExfilCandidate candidate, SentinelAlertOptions? options = null)
        {
            if (candidate == null) throw new ArgumentNullException(nameof(candidate));
            options = options ?? new SentinelAlertOptions();
            return Render(w => Write(w, candidate, TimeGenerated(options)), options);
        }

        /// <summary>The alerts as one JSON array (<c>[]</c> when there are none).</summary>
        public static string ToJsonArray(IEnumerable<ExfilCandidate?>? candidates, SentinelAlertOptions? options = null)
        {
            options = options ?? new SentinelAlertOptions();
            var generated = TimeGenerated(options);
            return Render(w =>
            {
                w.WriteStartArray();
                foreach (var c in candidates ?? Enumerable.Empty<ExfilCandidate?>())
                    if (c != null) Write(w, c, generated);
                w.WriteEndArray();
            }, options);
        }

        /// <summary>Writes one alert object.</summary>
        public static void Write(Utf8JsonWriter w, ExfilCandidate c, DateTime timeGeneratedUtc)
        {
            if (w == null) throw new ArgumentNullException(nameof(w));
            if (c == null) throw new ArgumentNullException(nameof(c));
            var summary = c.GetSummary();
            var upload = c.GetUploadProfile();
            var account = AccountName.Parse(c.UserName);
            DateTime windowStart = summary?.WindowStart ?? upload?.WindowStart ?? default;
            DateTime windowEnd = summary?.WindowEnd ?? upload?.WindowEnd ?? default;
            DateTime start = upload != null && upload.FirstSeen != default && upload.FirstSeen != DateTime.MaxValue ? upload.FirstSeen : windowStart;
            DateTime end = upload != null && upload.LastSeen != default && upload.LastSeen != DateTime.MinValue ? upload.LastSeen : windowEnd;
            string? mode = summary?.Mode ?? upload?.Mode;
            var reasons = ReasonNames(c.Reasons);

            w.WriteStartObject();
            w.WriteString("SystemAlertId", AlertId(c.UserName, windowStart, windowEnd, mode));
            w.WriteString("AlertType", ExfilRule.DisplayName);
            w.WriteString("AlertDisplayName", c.AlertDisplayName ?? string.Empty);
            w.WriteString("Description", c.AlertDescription ?? string.Empty);
            w.WriteString("Severity", ExfilRule.Severity);
            w.WriteString("Status", "New");
            w.WriteString("CompromisedEntity", c.UserName ?? string.Empty);
            w.WriteString("Intent", ExfilRule.Tactic);
            StringArray(w, "Tactics", new[] { ExfilRule.Tactic });
            StringArray(w, "TacticIds", new[] { ExfilRule.TacticId });
            StringArray(w, "Techniques", ExfilRule.Techniques);
            StringArray(w, "SubTechniques", ExfilRule.Techniques.Where(t => t.IndexOf('.') > 0));
            w.WriteString("ProductName", Product);
            w.WriteString("ProviderName", Product);
            w.WriteString("VendorName", Product);
            w.WriteString("StartTimeUtc", Iso(start));
            w.WriteString("EndTimeUtc", Iso(end));
            w.WriteString("TimeGenerated", Iso(timeGeneratedUtc));

            w.WritePropertyName("Entities");
            w.WriteStartArray();
            w.WriteStartObject();
            w.WriteString("Type", "account");
            w.WriteString("Name", account.Name);
            if (account.UPNSuffix != null) w.WriteString("UPNSuffix", account.UPNSuffix);
            if (account.NTDomain != null) w.WriteString("NTDomain", account.NTDomain);
            w.WriteString("FullName", account.FullName);
            w.WriteEndObject();
            // The destinations the user uploaded to, largest first, as Host and URL entities (the hosts an analyst
            // pivots on); at most MaxDestinationEntities, so an alert stays within what a SOAR or Sentinel takes.
            foreach (string host in DestinationHosts(upload))
            {
                int dot = host.IndexOf('.');
                w.WriteStartObject();
                w.WriteString("Type", "host");
                w.WriteString("HostName", dot > 0 ? host.Substring(0, dot) : host);
                if (dot > 0 && dot < host.Length - 1) w.WriteString("DnsDomain", host.Substring(dot + 1));
                w.WriteString("FullName", host);
                w.WriteEndObject();
                w.WriteStartObject();
                w.WriteString("Type", "url");
                w.WriteString("Url", "https://" + host + "/");
                w.WriteEndObject();
            }
            w.WriteEndArray();

            w.WritePropertyName("ExtendedProperties");
            w.WriteStartObject();
            w.WriteString("Analytic Rule Name", ExfilRule.DisplayName);
            w.WriteString("Custom Details", CustomDetailsText(c));
            w.WriteString("Reasons", string.Join(", ", reasons));
            w.WriteString("Hunt Window Start", windowStart == default ? string.Empty : Iso(windowStart));
            w.WriteString("Hunt Window End", windowEnd == default ? string.Empty : Iso(windowEnd));
            if (windowStart != default && windowEnd != default)
                w.WriteString("Query Period", "P" + ((int)Math.Round((windowEnd - windowStart).TotalDays)).ToString(CultureInfo.InvariantCulture) + "D");
            if (mode != null) w.WriteString("Mode", mode);
            if (summary != null)
            {
                w.WriteString("Baseline Users", summary.Users.ToString(CultureInfo.InvariantCulture));
                w.WriteString("Baseline Mean MB", Real(summary.BaselineMean));
                w.WriteString("Baseline Stdev MB", Real(summary.BaselineStdev));
            }
            w.WriteEndObject();

            w.WritePropertyName("CustomDetails");
            w.WriteStartObject();
            Number(w, "ZIA_TotalMBSent", c.ZIA_TotalMBSent);
            w.WriteNumber("ZIA_ActiveDays", c.ZIA_ActiveDays);
            Number(w, "Zscore", c.Zscore);
            w.WriteNumber("O365_AnonLinks", c.O365_AnonLinks);
            w.WriteNumber("DistinctChannels", c.DistinctChannels);
            StringArray(w, "Reasons", reasons);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        /// <summary>The most destinations an alert names as entities (each a Host and a URL).</summary>
        public const int MaxDestinationEntities = 10;

        /// <summary>
        /// The upload's destination hosts, largest first, as entity names: lower-cased, without a port or a trailing dot,
        /// each once, at most <see cref="MaxDestinationEntities"/>; none that is not a plain host name (a URL cannot hold it).
        /// </summary>
        internal static IEnumerable<string> DestinationHosts(ZiaUploadProfile? upload)
        {
            if (upload?.Destinations == null) yield break;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var d in upload.Destinations)
            {
                string h = (d.DestinationHostName ?? string.Empty).Trim().ToLowerInvariant();
                int colon = h.IndexOf(':');
                if (colon >= 0) h = h.Substring(0, colon);
                h = h.TrimEnd('.');
                if (h.Length == 0 || Uri.CheckHostName(h) != UriHostNameType.Dns || !seen.Add(h)) continue;
                yield return h;
                if (seen.Count == MaxDestinationEntities) yield break;
            }
        }

        /// <summary>The names of the clauses that fired (ZScore, AnonymousLinks, Persistence), empty when none.</summary>
        public static string[] ReasonNames(ExfilReason reasons) =>
            new[] { ExfilReason.ZScore, ExfilReason.AnonymousLinks, ExfilReason.Persistence }
                .Where(r => (reasons & r) != 0).Select(r => r.ToString()).ToArray();

        /// <summary>The rule's custom details as Sentinel stores them in ExtendedProperties: <c>{"Zscore":["3.02"],...}</c>.</summary>
        public static string CustomDetailsText(ExfilCandidate c)
        {
            var values = new[]
            {
                Real(c.ZIA_TotalMBSent),
                c.ZIA_ActiveDays.ToString(CultureInfo.InvariantCulture),
                Real(c.Zscore),
                c.O365_AnonLinks.ToString(CultureInfo.InvariantCulture),
                c.DistinctChannels.ToString(CultureInfo.InvariantCulture),
            };
            return Render(w =>
            {
                w.WriteStartObject();
                for (int i = 0; i < CustomDetailNames.Count; i++) StringArray(w, CustomDetailNames[i], new[] { values[i] });
                w.WriteEndObject();
            }, new SentinelAlertOptions { Indented = false });
        }

        /// <summary>A stable id for one user's alert in one hunt window, so a SOAR can de-duplicate re-sent alerts.</summary>
        public static string AlertId(string? userName, DateTime windowStart, DateTime windowEnd, string? mode)
        {
            string key = string.Join("|", Product, userName ?? string.Empty, Iso(windowStart), Iso(windowEnd), mode ?? string.Empty);
            byte[] hash;
            using (var sha = SHA256.Create()) hash = sha.ComputeHash(Encoding.UTF8.GetBytes(key));
            var bytes = new byte[16];
            Array.Copy(hash, bytes, 16);
            bytes[7] = (byte)((bytes[7] & 0x0F) | 0x50); // version 5-style (name-based) in Guid's little-endian layout
            bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
            return new Guid(bytes).ToString();
        }

        private static DateTime TimeGenerated(SentinelAlertOptions o) =>
            o.TimeGenerated.HasValue ? HuntWindow.ToUtc(o.TimeGenerated.Value) : DateTime.UtcNow;

        private static string Render(Action<Utf8JsonWriter> write, SentinelAlertOptions options)
        {
            using (var ms = new MemoryStream())
            {
                using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = options.Indented, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                    write(w);
                return Encoding.UTF8.GetString(ms.ToArray());
            }
        }

        private static void StringArray(Utf8JsonWriter w, string name, IEnumerable<string> items)
        {
            w.WritePropertyName(name);
            w.WriteStartArray();
            foreach (var s in items) w.WriteStringValue(s);
            w.WriteEndArray();
        }

        private static void Number(Utf8JsonWriter w, string name, double v)
        {
            if (double.IsNaN(v) || double.IsInfinity(v)) w.WriteNull(name);
            else w.WriteNumber(name, v);
        }

        private static string Iso(DateTime t) =>
            HuntWindow.ToUtc(t).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

        private static string Real(double v) => v.ToString("R", CultureInfo.InvariantCulture);
    }
}
