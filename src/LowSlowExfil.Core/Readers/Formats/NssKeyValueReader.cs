using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Zscaler NSS web feeds written as key=value pairs, one record a line: the "QRadar LEEF" feed output type
    /// (<c>LEEF:1.0|Zscaler|NSS|4.1|reason|</c> then tab-separated pairs: <c>cat</c> the action, <c>devTime</c> with
    /// its <c>devTimeFormat</c> "MMM dd yyyy HH:mm:ss z", <c>usrName</c> the login, <c>srcBytes</c> the request size,
    /// <c>hostname</c>, <c>url</c>, <c>recordid</c>), and name-value pairs under Zscaler's own field names
    /// (<c>login=…	hostname=…	reqsize=…</c>), which Zscaler's feed guidelines recommend to SIEMs that parse them.
    /// Either may follow a syslog header. Each record's pairs are put under NSS's own names and mapped by
    /// <see cref="NssNativeJson"/>, as an NSS JSON record is: the same event (user, host, bytes sent, action, time,
    /// record id for replays).
    /// </summary>
    internal static class NssKeyValueReader
    {
        // LEEF key → NSS field name (the feed output format's %s{…} placeholder it carries).
        private static readonly Dictionary<string, string> LeefNames = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["usrName"] = "login", ["srcBytes"] = "reqsize", ["cat"] = "action", ["hostname"] = "hostname",
            ["url"] = "url", ["recordid"] = "recordid",
        };

        private static readonly string[] DevTimeFormats =
        {
            "MMM dd yyyy HH:mm:ss", "MMM d yyyy HH:mm:ss", "MMM dd yyyy HH:mm:ss.fff",
            "ddd MMM dd HH:mm:ss yyyy", "ddd MMM d HH:mm:ss yyyy",
        };

        /// <summary>A first line of either shape: a LEEF header, or tab-separated pairs naming a user, a host and a request size.</summary>
        public static bool LooksLikeOne(string firstLine)
        {
            if (firstLine == null) return false;
            if (LeefStart(firstLine) >= 0) return true;
            var pairs = Pairs(firstLine, 0, '\t');
            return pairs.ContainsKey("login") && pairs.ContainsKey("reqsize") && (pairs.ContainsKey("hostname") || pairs.ContainsKey("url") || pairs.ContainsKey("eurl") || pairs.ContainsKey("ehost"));
        }

        private static int LeefStart(string line)
        {
            int i = line.IndexOf("LEEF:1.0|", StringComparison.Ordinal);
            return i >= 0 ? i : line.IndexOf("LEEF:2.0|", StringComparison.Ordinal);
        }

        public static void Read(TextReader text, string path, IEventSink sink, ReadContext ctx, FileReadSummary summary)
        {
            var lines = new LineReader(text, ctx.MaxRecordChars);
            long record = 0;
            while (lines.Next(out string? line, out bool tooLong))
            {
                ctx.Cancellation.ThrowIfCancellationRequested();
                if (!tooLong && string.IsNullOrWhiteSpace(line)) continue;
                record++;
                summary.Records++;
                string? error = $"the line is longer than {ctx.MaxRecordChars:N0} characters";
                var kind = tooLong || line == null ? JsonRecordKind.Invalid : Map(line, sink, ctx, out error); // null only when too long
                switch (kind)
                {
                    case JsonRecordKind.Proxy: summary.ProxyEvents++; break;
                    case JsonRecordKind.Replay: summary.Replays++; break;
                    default:
                        summary.Skipped++;
                        ctx.Report(new ReadIssue(path, lines.LineNumber, record, error ?? "the line cannot be read"));
                        break;
                }
            }
        }

        /// <summary>One line: its pairs under NSS's names, mapped as an NSS JSON record.</summary>
        internal static JsonRecordKind Map(string line, IEventSink sink, ReadContext ctx, out string? error)
        {
            error = null;
            Dictionary<string, string> nss;
            int leef = LeefStart(line);
            if (leef >= 0)
            {
                // LEEF:1.0|Vendor|Product|Version|EventID|pairs; LEEF:2.0 adds the pairs' delimiter before them.
                bool v2 = line[leef + 5] == '2';
                var header = new List<string>();
                int at = leef;
                for (int i = 0; i < (v2 ? 6 : 5); i++)
                {
                    int bar = line.IndexOf('|', at);
                    if (bar < 0)
                    {
                        error = "the LEEF header is incomplete (it needs vendor, product, version and event id, each ended by '|')";
                        return JsonRecordKind.Invalid;
                    }
                    header.Add(line.Substring(at, bar - at));
                    at = bar + 1;
                }
                if (!string.Equals(header[1], "Zscaler", StringComparison.OrdinalIgnoreCase) || !header[2].StartsWith("NSS", StringComparison.Ordinal))
                {
                    error = $"a LEEF record of {LogAnalyticsCsvReader.Clip(header[1])} {LogAnalyticsCsvReader.Clip(header[2])}, not of a Zscaler NSS web feed";
                    return JsonRecordKind.Invalid;
                }
                char delimiter = v2 ? Delimiter(header[5]) : '\t';
                var leefPairs = Pairs(line, at, delimiter);
                nss = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var kv in leefPairs)
                    if (LeefNames.TryGetValue(kv.Key, out string name)) nss[name] = kv.Value;
                // The vendor as the header writes it: the rule's vendor filter is case-sensitive in -KqlCompatible.
                nss["vendor"] = header[1];
                if (leefPairs.TryGetValue("devTime", out string devTime))
                {
                    if (!TryDevTime(devTime, nss, out error)) return JsonRecordKind.Invalid;
                }
                else
                {
                    error = "the LEEF record has no devTime";
                    return JsonRecordKind.Invalid;
                }
                if (!nss.ContainsKey("login") || !nss.ContainsKey("reqsize") || !(nss.ContainsKey("hostname") || nss.ContainsKey("url")))
                {
                    error = "the LEEF record lacks usrName, srcBytes or hostname/url, which Zscaler's QRadar LEEF format carries";
                    return JsonRecordKind.Invalid;
                }
            }
            else
            {
                nss = Pairs(line, 0, '\t');
                if (!nss.ContainsKey("login") || !nss.ContainsKey("reqsize"))
                {
                    error = "the line is neither a LEEF record nor Zscaler NSS name-value pairs (login, reqsize and hostname or url, separated by tabs)";
                    return JsonRecordKind.Invalid;
                }
            }
            // Through NssNativeJson: one mapping for every NSS shape (names, "None" for empty, time zone, replays).
            var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                foreach (var kv in nss) writer.WriteString(kv.Key, kv.Value);
                writer.WriteEndObject();
            }
            using (var doc = JsonDocument.Parse(new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length)))
            {
                var props = JsonRecordMapper.Properties(doc.RootElement, out _);
                if (!NssNativeJson.LooksLikeOne(props))
                {
                    error = "the record lacks the user, the host (or URL) or the request size";
                    return JsonRecordKind.Invalid;
                }
                return NssNativeJson.Map(props, sink, ctx, out error);
            }
        }

        /// <summary>
        /// devTime as its devTimeFormat writes it ("Oct 02 2017 16:21:40 GMT"; some feeds "Mon Oct 02 16:21:40 GMT 2017").
        /// A stated GMT or UTC is taken as such (as epochtime); another zone name, which .NET cannot place, leaves
        /// the wall-clock time to the feed's time zone (-FeedTimeZone), as the other raw feeds do.
        /// </summary>
        private static bool TryDevTime(string text, Dictionary<string, string> nss, out string? error)
        {
            error = null;
            string? zone = null;
            var kept = new List<string>();
            foreach (string token in text.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries))
            {
                if (zone == null && token.Length >= 1 && token.Length <= 5 && IsZone(token)) zone = token;
                else kept.Add(token);
            }
            string wallText = string.Join(" ", kept);
            if (!DateTime.TryParseExact(wallText, DevTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime wall))
            {
                error = $"devTime '{LogAnalyticsCsvReader.Clip(text)}' is not a time (its devTimeFormat is MMM dd yyyy HH:mm:ss z)";
                return false;
            }
            if (zone == "GMT" || zone == "UTC" || zone == "Z")
            {
                long seconds = (long)(DateTime.SpecifyKind(wall, DateTimeKind.Utc) - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalSeconds;
                if (seconds <= 0)
                {
                    error = $"devTime '{LogAnalyticsCsvReader.Clip(text)}' is before 1970";
                    return false;
                }
                nss["epochtime"] = seconds.ToString(CultureInfo.InvariantCulture);
            }
            else nss["datetime"] = wall.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            return true;
        }

        // A zone name: letters only, upper case, not a month or a day of the week.
        private static bool IsZone(string token)
        {
            foreach (char c in token) if (c < 'A' || c > 'Z') return false;
            return true;
        }

        /// <summary>LEEF 2.0's delimiter: one character, or its code as "x09" / "0x09" / "^".</summary>
        private static char Delimiter(string field)
        {
            if (field.Length == 1) return field[0];
            string? hex = field.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? field.Substring(2) : field.StartsWith("x", StringComparison.OrdinalIgnoreCase) ? field.Substring(1) : null;
            return hex != null && int.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int code) && code > 0 && code < 0x10000 ? (char)code : '\t';
        }

        /// <summary>
        /// The key=value pairs of <paramref name="line"/> from <paramref name="from"/>, split on <paramref name="delimiter"/>
        /// (a value may hold '=' and spaces; the first pair may follow a syslog header, "… zscaler-nss: login=…"). The first
        /// of a repeated key wins; a piece without '=' is not a pair.
        /// </summary>
        internal static Dictionary<string, string> Pairs(string line, int from, char delimiter)
        {
            var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
            bool first = true;
            foreach (string piece in line.Substring(from).Split(delimiter))
            {
                int eq = piece.IndexOf('=');
                if (eq <= 0) { first = false; continue; }
                string key = piece.Substring(0, eq);
                if (first)
                {
                    int space = key.LastIndexOf(' ');
                    if (space >= 0) key = key.Substring(space + 1);
                }
                first = false;
                key = key.Trim();
                if (key.Length == 0 || key.IndexOf(' ') >= 0 || pairs.ContainsKey(key)) continue;
                pairs[key] = piece.Substring(eq + 1);
            }
            return pairs;
        }
    }
}
