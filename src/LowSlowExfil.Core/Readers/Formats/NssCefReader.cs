using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Zscaler NSS web feed as CEF over syslog (Zscaler's Sentinel template), with or without a &lt;PRI&gt; and a
    /// syslog header. NSS does not escape extension values, so a value runs up to the next " key=" of a key the
    /// feed writes; the standard CEF escapes (\= \\ in values, \| \\ in the header) still decode.
    /// </summary>
    internal static class NssCefReader
    {
        // The keys of Zscaler's NSS web feed template (nss-web.cef). Only these start a new pair, so a value
        // such as a user agent "x y=z" stays whole.
        internal static readonly HashSet<string> NssKeys = new HashSet<string>(StringComparer.Ordinal)
        {
            "act", "Severity", "name", "deviceEventClassId", "app", "cat", "dhost", "dst", "src", "in_bytes", "in",
            "outcome", "out", "request", "rt", "sourceTranslatedAddress", "requestClientApplication", "requestMethod",
            "suser", "spriv", "externalId", "fileType", "reason", "destinationServiceName", "cn1", "cn1Label",
            "cs1", "cs1Label", "cs2", "cs2Label", "cs3", "cs3Label", "cs4", "cs4Label", "cs5", "cs5Label", "cs6", "cs6Label",
            "ZscalerNSSWeblogURLClass", "ZscalerNSSWeblogDLPDictionaries", "requestContext", "contenttype",
            "unscannabletype", "deviceowner", "devicehostname", "keyprotectiontype", "cloudname", "company",
            "throttlereqsize", "throttlerespsize", "bwthrottle", "bwclassname", "bwrulename", "module", "app_risk_score",
            "datacenter", "datacentercity", "datacentercountry", "dlpdicthitcount", "dlpidentifier", "dlpmd5",
            "dlprulename", "fileclass", "fname", "filesubtype", "upload_fileclass", "upload_filetype", "upload_filename",
            "upload_filesubtype", "upload_doctypename", "rdr_rulename", "fwd_type", "fwd_gw_name", "fwd_gw_ip",
            "zpa_app_seg_name", "reqdatasize", "reqhdrsize", "respdatasize", "resphdrsize", "totalsize", "df_hosthead",
            "df_hostname", "erefererhost", "refererpath", "eurlpath", "reqversion", "respversion", "ua_token", "uaclass",
            "mobappname", "mobappcat", "mobdevtype", "clt_sport", "cpubip", "alpnprotocol", "trafficredirectmethod",
            "euserlocationname", "erulelabel", "ruletype", "eurlfilterrulelabel", "ourlfilterrulelabel", "eapprulelabel",
            "fileHash", "sha256", "ssldecrypted", "externalspr", "clientsslcipher", "clienttlsversion",
            "clientsslsessreuse", "cltsslfailreason", "cltsslfailcount", "srvsslcipher", "srvtlsversion", "srvocspresult",
            "srvcertchainvalpass", "srvwildcardcert", "serversslsessreuse", "srvcertvalidationtype",
            "srvcertvalidityperiod", "is_ssluntrustedca", "is_sslselfsigned", "is_sslexpiredca", "threatseverity",
            "malwareclass", "urlcatmethod", "bypassed_traffic", "bypassed_etime", "deviceappversion", "devicemodel",
            "devicename", "deviceostype", "devicetype", "external_devid", "flow_type", "ztunnelversion",
            "productversion", "nsssvcip",
            // Standard CEF keys other feeds add.
            "start", "end", "msg", "proto", "spt", "dpt", "duser", "dvchost", "deviceExternalId", "cn2", "cn2Label", "cn3", "cn3Label",
        };

        internal enum LineOutcome { Event, Template, Invalid }

        /// <summary>One line parsed: everything but the replay check and the event's delivery, which follow file order.</summary>
        internal struct ParsedLine
        {
            public LineOutcome Outcome;
            public string? Error;
            public long Line, Record;
            public DateTime Time;
            public string? Vendor, Action, User, Host, ExternalId; // null when the record lacks the key
            public long? Sent;
            /// <summary>
            /// Set by <see cref="NssCefScanner"/> reading into a sink that judges for itself (<see cref="IJudgedSink"/>): the rule's
            /// verdicts on the vendor, action and host, cached per distinct value (1 yes, 0 no, -1 not known yet).
            /// </summary>
            public bool HasVerdicts;
            public int VendorOk, ActionBlocked, HostMatches;
        }

        /// <summary>True when a line looks like CEF (possibly behind a syslog header).</summary>
        public static bool LooksLikeCef(string firstLine) => firstLine != null && firstLine.IndexOf("CEF:", StringComparison.Ordinal) >= 0;

        public static void Read(TextReader text, string file, IEventSink sink, ReadContext ctx, FileReadSummary summary)
        {
            summary.Format = LogFormat.NssCef;
            long templates = 0;
            ReadLines(text, file, sink, ctx, summary, firstLine: 0, firstRecord: 0, ref templates);
            SetNotice(summary, templates);
        }

        /// <summary>
        /// Reads the lines of <paramref name="text"/> as <see cref="Read"/> does, numbered from the line and record
        /// given (the byte-level scanner hands over the rest of a file here after a line over the record cap).
        /// </summary>
        internal static void ReadLines(TextReader text, string file, IEventSink sink, ReadContext ctx, FileReadSummary summary, long firstLine, long firstRecord, ref long templates)
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var parsed in ParseLines(text, ctx, fields, firstLine, firstRecord))
                Apply(parsed, file, sink, null, ctx, summary, ref templates);
        }

        /// <summary>
        /// The lines of <paramref name="text"/> parsed, blank ones left out; line and record numbers continue from
        /// the ones given (a range of a file starts after the lines and records before it).
        /// </summary>
        private static IEnumerable<ParsedLine> ParseLines(TextReader text, ReadContext ctx, Dictionary<string, string> fields, long firstLine, long firstRecord)
        {
            var lines = new LineReader(text, ctx.MaxRecordChars);
            long record = firstRecord;
            while (lines.Next(out string? line, out bool tooLong))
            {
                ctx.Cancellation.ThrowIfCancellationRequested();
                if (!tooLong && string.IsNullOrWhiteSpace(line)) continue;
                var parsed = new ParsedLine { Line = firstLine + lines.LineNumber, Record = ++record };
                if (tooLong || line == null) // null only when too long
                {
                    parsed.Outcome = LineOutcome.Invalid;
                    parsed.Error = $"line longer than {ctx.MaxRecordChars:N0} characters; skipped";
                }
                else ParseLine(line, fields, ctx, ref parsed);
                yield return parsed;
            }
        }

        /// <summary>Counts a parsed line and, for an event not seen before (replay filter, in file order), hands it on.</summary>
        /// <param name="judging">Where a line with verdicts goes (the same sink as <paramref name="sink"/>); null when none has them.</param>
        // Once per record, on the one thread that applies a parallel read's chunks in file order: left to tiering it
        // ran unoptimised through the whole first read of a session (the first call took 0.5 s longer).
        [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
        internal static void Apply(in ParsedLine parsed, string file, IEventSink sink, IJudgedSink? judging, ReadContext ctx, FileReadSummary summary, ref long templates)
        {
            summary.Records++;
            switch (parsed.Outcome)
            {
                case LineOutcome.Event:
                    if (!ctx.Replays.IsFirst(parsed.ExternalId))
                    {
                        summary.Replays++;
                        break;
                    }
                    if (parsed.HasVerdicts && judging != null)
                        judging.Uploads.AddJudged(parsed.Time, parsed.Vendor, parsed.VendorOk, parsed.Action, parsed.ActionBlocked, parsed.User, parsed.Host, parsed.HostMatches, parsed.Sent);
                    else sink.AddProxy(parsed.Time, parsed.Vendor, parsed.Action, parsed.User, parsed.Host, parsed.Sent);
                    summary.ProxyEvents++;
                    break;
                case LineOutcome.Template: templates++; break;
                default:
                    summary.Skipped++;
                    ctx.Report(new ReadIssue(file, parsed.Line, parsed.Record, parsed.Error ?? "the record cannot be read"));
                    break;
            }
        }

        internal static void SetNotice(FileReadSummary summary, long templates)
        {
            if (templates > 0)
                summary.Notice = $"{templates} line(s) are an NSS feed output template (placeholders such as %s{{login}}), not log records; they hold no events";
        }

        private static void Fail(ref ParsedLine parsed, string reason)
        {
            parsed.Outcome = LineOutcome.Invalid;
            parsed.Error = reason;
        }

        internal static void ParseLine(string line, Dictionary<string, string> fields, ReadContext ctx, ref ParsedLine parsed)
        {
            int cef = line.IndexOf("CEF:", StringComparison.Ordinal);
            if (cef < 0)
            {
                Fail(ref parsed, "not a CEF record: no 'CEF:' header");
                return;
            }
            if (IsTemplate(line, cef))
            {
                parsed.Outcome = LineOutcome.Template;
                return;
            }

            // CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension; of the
            // header only the vendor is read.
            string? vendor = null;
            int pos = cef + 4;
            for (int f = 0; f < 7; f++)
            {
                int bar = NextUnescapedBar(line, pos);
                if (bar < 0)
                {
                    Fail(ref parsed, $"broken CEF header: {f + 1} of the 8 '|'-separated parts (Version|Vendor|Product|Version|SignatureID|Name|Severity|Extension) found");
                    return;
                }
                if (f == 1) vendor = UnescapeHeader(line, pos, bar);
                pos = bar + 1;
            }

            ParseExtension(line, pos, fields, Wanted);
            fields.TryGetValue("rt", out string rt);
            if (string.IsNullOrEmpty(rt))
            {
                Fail(ref parsed, "the record has no rt (event time)");
                return;
            }
            if (!TryParseRt(rt, ctx.FeedTimeZone, out DateTime time))
            {
                Fail(ref parsed, $"rt '{LogAnalyticsCsvReader.Clip(rt)}' is not a time (expected 'Mon DD YYYY HH:MM:SS' or epoch milliseconds)");
                return;
            }
            fields.TryGetValue("out", out string outText);
            if (!ExportSchema.TryParseLong(outText, out long? sent))
            {
                Fail(ref parsed, $"out '{LogAnalyticsCsvReader.Clip(outText)}' is not a whole number of bytes");
                return;
            }
            string? problem = ExportSchema.SentBytesProblem(sent);
            if (problem != null)
            {
                Fail(ref parsed, $"out {sent} {problem}");
                return;
            }

            fields.TryGetValue("externalId", out parsed.ExternalId);
            fields.TryGetValue("act", out parsed.Action);
            fields.TryGetValue("suser", out parsed.User);
            fields.TryGetValue("dhost", out parsed.Host);
            parsed.Outcome = LineOutcome.Event;
            parsed.Time = time;
            parsed.Vendor = vendor;
            parsed.Sent = sent;
        }

        /// <summary>Zscaler publishes its feed format as a template whose values are placeholders (%s{login}, %02d{dd}).</summary>
        internal static bool IsTemplate(string text, int from = 0) =>
            text.IndexOf("%", from, StringComparison.Ordinal) >= 0 && Placeholder.IsMatch(text, from); // the regex only where a '%' is

        private static readonly System.Text.RegularExpressions.Regex Placeholder =
            new System.Text.RegularExpressions.Regex(@"%\d*[sd]\{[A-Za-z_]+\}", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        private static int NextUnescapedBar(string s, int from)
        {
            for (int i = from; i < s.Length; i++)
            {
                if (s[i] == '\\') { i++; continue; }
                if (s[i] == '|') return i;
            }
            return -1;
        }

        private static string UnescapeHeader(string s, int start, int end)
        {
            if (s.IndexOf('\\', start, end - start) < 0) return s.Substring(start, end - start);
            var sb = new StringBuilder(end - start);
            for (int i = start; i < end; i++)
            {
                if (s[i] == '\\' && i + 1 < end && (s[i + 1] == '|' || s[i + 1] == '\\')) i++;
                sb.Append(s[i]);
            }
            return sb.ToString();
        }

        /// <summary>The keys the rule reads; the others are recognised (they end the value before them) but not kept.</summary>
        internal static readonly HashSet<string> Wanted = new HashSet<string>(StringComparer.Ordinal) { "act", "suser", "dhost", "out", "rt", "externalId" };

        // The feed's keys by first character, so a candidate key is matched in place without allocating.
        private static readonly Dictionary<char, string[]> KeysByFirstChar =
            NssKeys.GroupBy(k => k[0]).ToDictionary(g => g.Key, g => g.ToArray());

        /// <summary>
        /// Splits "k1=v1 k2=v two k3=v3" on " key=" for keys of the feed; decodes the \= and \\ escapes. Only the
        /// keys in <paramref name="wanted"/> are kept (all when null), and reading stops once they all are (so a key
        /// repeated later in the line does not override its first value).
        /// </summary>
        internal static void ParseExtension(string s, int start, Dictionary<string, string> fields, HashSet<string>? wanted = null)
        {
            fields.Clear();
            string? key = null;
            int valueStart = -1;
            int i = start;
            while (i < s.Length)
            {
                // A key starts the extension or follows a space; it is an identifier followed by '='.
                if (TryKeyAt(s, i, out string k, out int eq))
                {
                    if (key != null && (wanted == null || wanted.Contains(key)))
                    {
                        fields[key] = DecodeValue(s, valueStart, i == start ? i : i - 1);
                        // Every wanted value read: the rest of the line (about half of an NSS record) can wait.
                        if (wanted != null && fields.Count == wanted.Count) return;
                    }
                    key = k;
                    valueStart = eq + 1;
                    i = eq + 1;
                }
                int space = s.IndexOf(' ', i);
                if (space < 0) break;
                i = space + 1;
            }
            if (key != null && (wanted == null || wanted.Contains(key))) fields[key] = DecodeValue(s, valueStart, s.Length);
        }

        /// <summary>A feed key followed by '=' at <paramref name="i"/>: the key's own string (no allocation).</summary>
        private static bool TryKeyAt(string s, int i, out string key, out int eq)
        {
            key = string.Empty; // no key here
            eq = i;
            if (i >= s.Length || !KeysByFirstChar.TryGetValue(s[i], out var candidates)) return false;
            while (eq < s.Length && (char.IsLetterOrDigit(s[eq]) || s[eq] == '_')) eq++;
            if (eq == i || eq >= s.Length || s[eq] != '=') return false;
            int length = eq - i;
            foreach (string c in candidates)
            {
                if (c.Length == length && string.CompareOrdinal(s, i, c, 0, length) == 0)
                {
                    key = c;
                    return true;
                }
            }
            return false;
        }

        internal static string DecodeValue(string s, int start, int end)
        {
            while (end > start && s[end - 1] == ' ') end--;
            if (start >= end) return string.Empty;
            if (s.IndexOf('\\', start, end - start) < 0) return s.Substring(start, end - start);
            var sb = new StringBuilder(end - start);
            for (int i = start; i < end; i++)
            {
                char c = s[i];
                if (c == '\\' && i + 1 < end)
                {
                    char n = s[i + 1];
                    // Only \= and \\: NSS writes values unescaped, so "CORP\nancy" is a login, not a line break.
                    if (n == '=' || n == '\\') { sb.Append(n); i++; continue; }
                }
                sb.Append(c);
            }
            return sb.ToString();
        }

        internal static readonly DateTime UnixEpoch = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        internal static readonly long MaxEpochMilliseconds = (DateTime.MaxValue.Ticks - UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond;

        private static readonly string[] RtFormats = { "MMM dd yyyy HH:mm:ss", "MMM d yyyy HH:mm:ss", "MMM dd yyyy HH:mm:ss.fff", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss" };

        /// <summary>rt: "Jun 11 2024 02:52:44" in the feed's time zone, or epoch milliseconds (standard CEF).</summary>
        internal static bool TryParseRt(string rt, TimeZoneInfo zone, out DateTime utc)
        {
            utc = default;
            string t = rt.Trim();
            if (t.Length >= 12 && long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out long ms))
            {
                // Past 9999-12-31 is no time (AddMilliseconds would throw).
                if (ms > MaxEpochMilliseconds) return false;
                utc = UnixEpoch.AddMilliseconds(ms);
                return true;
            }
            if (!DateTime.TryParseExact(t, RtFormats, CultureInfo.InvariantCulture, DateTimeStyles.AllowInnerWhite, out DateTime local)) return false;
            return FeedTime.TryToUtc(local, zone, out utc);
        }
    }
}
