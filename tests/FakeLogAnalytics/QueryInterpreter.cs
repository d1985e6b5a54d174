using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using LowSlowExfil.Rule;

namespace FakeLogAnalytics
{
    public enum PushDownKind
    {
        ZiaAggregation,
        SharingAggregation,
    }

    /// <summary>What the fake server understood of a push-down query.</summary>
    public sealed class ParsedQuery
    {
        public PushDownKind Kind { get; set; }
        public bool KqlCompatible { get; set; }
        /// <summary>The strict lower bound, <c>TimeGenerated &gt; datetime(…)</c>.</summary>
        public DateTime Start { get; set; }
        /// <summary>The inclusive upper bound, <c>TimeGenerated &lt;= datetime(…)</c>, when the query has one.</summary>
        public DateTime? End { get; set; }
        /// <summary>The destination domains, decoded from their literals (ZIA only).</summary>
        public IReadOnlyList<string> Domains { get; set; } = new string[0];
        /// <summary>The number of '|' stages outside literals.</summary>
        public int Stages { get; set; }
        /// <summary>The uploads were asked of the ASIM parser _Im_WebSession (-Schema Asim), not of CommonSecurityLog.</summary>
        public bool Asim { get; set; }
    }

    /// <summary>A query the fake cannot evaluate: answered 400 like Log Analytics answers a syntax error.</summary>
    public sealed class KqlRejectedException : Exception
    {
        public KqlRejectedException(string code, string message) : base(message) { Code = code; }
        public string Code { get; }
    }

    /// <summary>A result table: Kusto column types and CLR values.</summary>
    public sealed class ResultTable
    {
        public List<(string Name, string Type)> Columns { get; } = new List<(string, string)>();
        public List<object[]> Rows { get; } = new List<object[]>();
    }

    /// <summary>
    /// Understands exactly the module's two push-down queries (KqlQueryBuilder.ZiaAggregation and
    /// SharingAggregation, either mode): every line of the query, literals masked, must be one of theirs, and the
    /// literals must be the rule's constants; then it evaluates them over the store with LowSlowExfil.Core's
    /// filters (HuntOptions), as Kusto would evaluate the KQL.
    /// </summary>
    public static class QueryInterpreter
    {
        private const string L = @"\$\d+";
        private const string LL = L + @"(?:, " + L + @")*";
        private const string DT = @"datetime\(([0-9T:\.\-Z]+)\)";

        private static readonly Regex Window = new Regex(@"^\| where TimeGenerated > " + DT + @"(?: and TimeGenerated <= " + DT + @")?$");

        // The module's two push-down queries, line by line in their order (a line may repeat only where said).
        private static readonly string[] ZiaLines =
        {
            @"^let ExfilDomains = dynamic\(\[(" + LL + @")\]\);$",                                                        // 0
            @"^CommonSecurityLog$",                                                                                          // 1
            Window.ToString(),                                                                                               // 2
            @"^\| where DestinationHostName has_any \(ExfilDomains\)$",                                                      // 3
            @"^\| where DeviceVendor (==|=~) (" + L + ")$",                                                                  // 4
            @"^\| where DeviceAction (!in|!in~) \((" + LL + @")\)$",                                                         // 5
            @"^\| where isnotempty\(SourceUserName\)$",                                                                      // 6
            @"^\| extend ExfilHost = tolower\(trim\((" + L + @"), DestinationHostName\)\)$",                                 // 7
            @"^\| extend ExfilHost = replace_regex\(ExfilHost, (" + L + "), (" + L + @")\)$",                                // 8
            @"^\| extend ExfilHost = iff\(ExfilHost endswith (" + L + @"), substring\(ExfilHost, 0, strlen\(ExfilHost\) - 1\), ExfilHost\)$", // 9
            @"^\| where extract\((" + L + @"), 1, ExfilHost\) in \(ExfilDomains\)$",                                         // 10
            @"^or extract\((" + L + @"), 1, ExfilHost\) in \(ExfilDomains\)$",                                               // 11, repeats
            @"^\| extend SentOk = isnull\(SentBytes\) or \(SentBytes >= 0 and SentBytes <= 1099511627776\)$",                // 12
            @"^\| summarize SentBytes = sumif\(SentBytes, SentOk\), Requests = countif\(SentOk\), Negative = countif\(SentBytes < 0\),$", // 13
            @"^Oversized = countif\(SentBytes > 1099511627776\),$",                                                         // 14
            @"^FirstSeen = minif\(TimeGenerated, SentOk\), LastSeen = maxif\(TimeGenerated, SentOk\)$",                   // 15
            @"^by UserName = tolower\(SourceUserName\), Day = bin\(TimeGenerated, 1d\), DestinationHostName$",               // 16
        };
        private const int ZiaOrLine = 11;
        /// <summary>1 TiB, the most one record may send (ExportSchema.MaxSentBytes, internal to the core); the query's literal.</summary>
        private const long MaxSentBytes = 1L << 40;

        private static readonly string[] SharingLines =
        {
            @"^OfficeActivity$",
            Window.ToString(),
            @"^\| where isnotempty\(UserId\)$",
            @"^\| where Operation in \((" + LL + @")\)$",
            @"^\| summarize Events = count\(\), AnonLinks = countif\(Operation (?:has (" + L + @")|in~ \((" + LL + @")\))\), FirstEvent = min\(TimeGenerated\), LastEvent = max\(TimeGenerated\)$",
            @"^by UserName = tolower\(UserId\), Operation$",
        };

        public static ParsedQuery Parse(string kql)
        {
            List<KqlStringLiteral> literals;
            string masked;
            try
            {
                literals = KqlText.Literals(kql);
                masked = KqlText.Mask(kql);
            }
            catch (FormatException e)
            {
                throw new KqlRejectedException("SYN0002", "Query could not be parsed: " + e.Message);
            }
            var lines = masked.Replace("\r\n", "\n").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
            if (lines.Count == 0) throw new KqlRejectedException("SYN0002", "The query is empty.");
            bool asim = lines.Count > 4 && lines[1].StartsWith("_Im_WebSession(", StringComparison.Ordinal);
            if (asim) lines = FromAsim(lines, literals);
            bool zia = lines[0].StartsWith("let ExfilDomains = ", StringComparison.Ordinal) && lines.Count > 1 && lines[1] == "CommonSecurityLog";
            if (!zia && lines[0] != "OfficeActivity")
                throw new KqlRejectedException("SEM0100", $"'{Shorten(lines[0])}': this fake workspace answers only the module's push-down queries on CommonSecurityLog and OfficeActivity.");
            var patterns = (zia ? ZiaLines : SharingLines).Select(p => new Regex(p, RegexOptions.CultureInvariant)).ToArray();

            var q = new ParsedQuery { Kind = zia ? PushDownKind.ZiaAggregation : PushDownKind.SharingAggregation, Asim = asim };
            var matched = new Dictionary<int, Match>();
            var suffixPatterns = new List<string>();
            q.Stages = lines.Count(l => l.StartsWith("|", StringComparison.Ordinal));
            int last = -1;
            for (int n = 0; n < lines.Count; n++)
            {
                int which = -1;
                Match m = null;
                for (int p = 0; p < patterns.Length; p++)
                {
                    m = patterns[p].Match(lines[n]);
                    if (m.Success) { which = p; break; }
                }
                if (which < 0)
                    throw new KqlRejectedException("SYN0002", $"Query could not be parsed at line {n + 1}: unexpected '{Shorten(lines[n])}'.");
                // In the module's order: a stage out of place (a filter after the summarize, an extend after the where
                // that reads it) would mean something else.
                bool repeat = zia && which == ZiaOrLine && (last == ZiaOrLine || last == ZiaOrLine - 1);
                if (which < last || which == last && !repeat)
                    throw new KqlRejectedException("SYN0002", $"Query could not be parsed at line {n + 1}: '{Shorten(lines[n])}' is out of place or repeats a stage.");
                last = which;
                if (zia && (which == ZiaOrLine || which == ZiaOrLine - 1)) suffixPatterns.Add(Literal(literals, m.Groups[1].Value));
                if (which != ZiaOrLine) matched[which] = m;
            }

            // The window.
            int windowLine = zia ? 2 : 1;
            if (!matched.TryGetValue(windowLine, out var w)) throw new KqlRejectedException("SEM0100", "The query has no TimeGenerated window.");
            q.Start = ParseDate(w.Groups[1].Value);
            if (w.Groups[2].Success) q.End = ParseDate(w.Groups[2].Value);

            if (zia)
            {
                Require(matched, new[] { 0, 1, 3, 4, 5, 6, 12, 13, 14, 15, 16 });
                q.Domains = LiteralList(literals, matched[0].Groups[1].Value);
                if (q.Domains.Count == 0) throw new KqlRejectedException("SEM0100", "No destination domains.");
                q.KqlCompatible = matched[4].Groups[1].Value == "==";
                Expect(Literal(literals, matched[4].Groups[2].Value) == ExfilRule.Vendor, "the vendor literal is not \"Zscaler\"");
                bool strictIn = matched[5].Groups[1].Value == "!in";
                Expect(strictIn == q.KqlCompatible, "the DeviceAction operator does not match the vendor operator's mode");
                Expect(LiteralList(literals, matched[5].Groups[2].Value).SequenceEqual(q.KqlCompatible ? ExfilRule.BlockedActions : ExfilRule.BlockedActionsIntent),
                    "the blocked actions are not the rule's");
                if (q.KqlCompatible)
                {
                    Expect(!matched.ContainsKey(7) && !matched.ContainsKey(8) && !matched.ContainsKey(9) && suffixPatterns.Count == 0,
                        "KqlCompatible queries match destinations with has_any only");
                }
                else
                {
                    Require(matched, new[] { 7, 8, 9, 10 });
                    Expect(Literal(literals, matched[7].Groups[1].Value) == @"\s+", "unexpected trim pattern");
                    Expect(Literal(literals, matched[8].Groups[1].Value) == "^([^:]*):[0-9]+$" && Literal(literals, matched[8].Groups[2].Value) == @"\1", "unexpected port pattern");
                    Expect(Literal(literals, matched[9].Groups[1].Value) == ".", "unexpected trailing-dot test");
                    // One "last N labels" pattern for each label count among the domains, fewest first.
                    var expected = q.Domains.Select(DestinationMatcher.DomainSuffixMatcher.LabelCount).Distinct().OrderBy(c => c)
                        .Select(LowSlowExfil.Kql.KqlQueryBuilder.LastLabelsPattern).ToList();
                    Expect(suffixPatterns.SequenceEqual(expected), "the domain match does not cover exactly the domains' label counts");
                    Expect(q.Domains.All(d => DestinationMatcher.DomainSuffixMatcher.NormalizeHost(d) == d) && q.Domains.Distinct().Count() == q.Domains.Count,
                        "intent queries list each domain once, lower-cased, without a port or a trailing dot");
                }
            }
            else
            {
                Require(matched, new[] { 0, 1, 2, 3, 4, 5 });
                Expect(LiteralList(literals, matched[3].Groups[1].Value).SequenceEqual(ExfilRule.SharingOperations), "the operations are not the rule's");
                var s = matched[4];
                q.KqlCompatible = s.Groups[1].Success;
                if (q.KqlCompatible) Expect(Literal(literals, s.Groups[1].Value) == "Anonymous", "unexpected has term");
                else Expect(LiteralList(literals, s.Groups[2].Value).SequenceEqual(ExfilRule.AnonymousLinkOperations), "unexpected anonymous-link operations");
            }
            return q;
        }

        private static readonly Regex AsimSource = new Regex(@"^_Im_WebSession\(starttime=" + DT + @"(?:, endtime=" + DT + @")?\)$");

        /// <summary>
        /// The -Schema Asim upload push-down: the parser called with the window, then ASIM's columns projected under
        /// CommonSecurityLog's names, exactly as KqlQueryBuilder writes it. What follows is the CommonSecurityLog query's,
        /// so the lines are given back as that query's; the fake's store stands for what the parser returns over the
        /// workspace's Zscaler web traffic (the same events the CommonSecurityLog rows hold).
        /// </summary>
        private static List<string> FromAsim(List<string> lines, List<KqlStringLiteral> literals)
        {
            var source = AsimSource.Match(lines[1]);
            if (!source.Success) throw new KqlRejectedException("SYN0002", $"Query could not be parsed at line 2: unexpected '{Shorten(lines[1])}'.");
            var window = Window.Match(lines[2]);
            Expect(window.Success && window.Groups[1].Value == source.Groups[1].Value && window.Groups[2].Value == source.Groups[2].Value,
                "the parser's starttime/endtime are not the window's");
            Expect(lines[3] == "| project TimeGenerated, DeviceVendor = EventVendor, DeviceAction = iff(isnotempty(DvcOriginalAction), DvcOriginalAction, DvcAction),",
                "unexpected projection of ASIM's vendor and action");
            var host = Regex.Match(lines[4], @"^SourceUserName = SrcUsername, DestinationHostName = iff\(isnotempty\(DstHostname\), DstHostname, extract\((" + L + @"), 1, Url\)\), SentBytes = SrcBytes$");
            Expect(host.Success && Literal(literals, host.Groups[1].Value) == LowSlowExfil.Kql.KqlQueryBuilder.UrlHostPattern, "unexpected projection of ASIM's user, host and bytes");
            var result = new List<string> { lines[0], "CommonSecurityLog", lines[2] };
            result.AddRange(lines.Skip(5));
            return result;
        }

        /// <summary>Evaluates a parsed push-down query; <paramref name="from"/>/<paramref name="to"/> is the request's timespan, [from, to).</summary>
        public static ResultTable Evaluate(ParsedQuery q, EventStore store, DateTime? from, DateTime? to)
        {
            bool InWindow(DateTime t) =>
                t > q.Start && (!q.End.HasValue || t <= q.End.Value) && (!from.HasValue || t >= from.Value) && (!to.HasValue || t < to.Value);

            // HuntOptions supplies the mode's predicates; its own window is not used (the query's range is).
            var o = new HuntOptions(endTimeUtc: q.End ?? q.Start.AddDays(1), days: 1,
                exfilDomains: q.Kind == PushDownKind.ZiaAggregation ? q.Domains : null, kqlCompatible: q.KqlCompatible);
            var table = new ResultTable();
            if (q.Kind == PushDownKind.ZiaAggregation)
            {
                table.Columns.AddRange(new[] { ("UserName", "string"), ("Day", "datetime"), ("DestinationHostName", "string"),
                    ("SentBytes", "long"), ("Requests", "long"), ("Negative", "long"), ("Oversized", "long"), ("FirstSeen", "datetime"), ("LastSeen", "datetime") });
                var groups = new Dictionary<(string, long, string), object[]>();
                foreach (var e in store.CommonSecurityLog)
                {
                    if (!InWindow(e.TimeGenerated) || !o.IsZscalerVendor(e.DeviceVendor) || o.IsBlockedAction(e.DeviceAction) ||
                        string.IsNullOrEmpty(e.SourceUserName) || !o.Destinations.IsMatch(e.DestinationHostName))
                        continue;
                    string user = e.SourceUserName.ToLowerInvariant();
                    long day = e.TimeGenerated.Ticks - e.TimeGenerated.Ticks % TimeSpan.TicksPerDay;
                    string host = e.DestinationHostName ?? string.Empty;
                    // SentOk, sumif, countif, minif and maxif: a group of refused records only has no first or last time (null).
                    if (!groups.TryGetValue((user, day, host), out var row))
                        groups.Add((user, day, host), row = new object[] { user, new DateTime(day, DateTimeKind.Utc), host, 0L, 0L, 0L, 0L, null, null });
                    if (e.SentBytes < 0) row[5] = (long)row[5] + 1;
                    if (e.SentBytes > MaxSentBytes) row[6] = (long)row[6] + 1;
                    if (e.SentBytes < 0 || e.SentBytes > MaxSentBytes) continue;
                    row[3] = (long)row[3] + (e.SentBytes ?? 0);
                    row[4] = (long)row[4] + 1;
                    if (row[7] == null || e.TimeGenerated < (DateTime)row[7]) row[7] = e.TimeGenerated;
                    if (row[8] == null || e.TimeGenerated > (DateTime)row[8]) row[8] = e.TimeGenerated;
                }
                table.Rows.AddRange(ArbitraryOrder(groups.Values));
            }
            else
            {
                table.Columns.AddRange(new[] { ("UserName", "string"), ("Operation", "string"), ("Events", "long"), ("AnonLinks", "long"),
                    ("FirstEvent", "datetime"), ("LastEvent", "datetime") });
                var groups = new Dictionary<(string, string), object[]>();
                foreach (var e in store.OfficeActivity)
                {
                    if (!InWindow(e.TimeGenerated) || string.IsNullOrEmpty(e.UserId) || !HuntOptions.IsSharingOperation(e.Operation)) continue;
                    string user = e.UserId.ToLowerInvariant();
                    if (!groups.TryGetValue((user, e.Operation), out var row))
                        groups.Add((user, e.Operation), row = new object[] { user, e.Operation, 0L, 0L, e.TimeGenerated, e.TimeGenerated });
                    row[2] = (long)row[2] + 1;
                    if (o.IsAnonymousLink(e.Operation)) row[3] = (long)row[3] + 1;
                    if (e.TimeGenerated < (DateTime)row[4]) row[4] = e.TimeGenerated;
                    if (e.TimeGenerated > (DateTime)row[5]) row[5] = e.TimeGenerated;
                }
                table.Rows.AddRange(ArbitraryOrder(groups.Values));
            }
            return table;
        }

        /// <summary>Kusto returns summarize groups in no particular order: neither does the fake (deterministically).</summary>
        private static IEnumerable<object[]> ArbitraryOrder(IEnumerable<object[]> rows) =>
            rows.OrderBy(r => StableHash(string.Join("\u0001", r.Take(3).Select(x => Convert.ToString(x, CultureInfo.InvariantCulture)))));

        private static uint StableHash(string s)
        {
            uint h = 2166136261;
            foreach (char c in s) h = (h ^ c) * 16777619;
            return h;
        }

        private static void Require(Dictionary<int, Match> matched, int[] lines)
        {
            foreach (int l in lines)
                if (!matched.ContainsKey(l)) throw new KqlRejectedException("SEM0100", "The query is not one of the module's push-down queries (a stage is missing).");
        }

        private static void Expect(bool condition, string what)
        {
            if (!condition) throw new KqlRejectedException("SEM0100", "The query is not one of the module's push-down queries: " + what + ".");
        }

        private static string Literal(List<KqlStringLiteral> literals, string placeholder) =>
            literals[int.Parse(placeholder.Substring(1), CultureInfo.InvariantCulture)].Value;

        private static List<string> LiteralList(List<KqlStringLiteral> literals, string list) =>
            list.Split(new[] { ", " }, StringSplitOptions.None).Select(p => Literal(literals, p.Trim())).ToList();

        private static DateTime ParseDate(string s) =>
            DateTime.ParseExact(s, new[] { "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd" }, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

        private static string Shorten(string s) => s.Length > 80 ? s.Substring(0, 80) + "…" : s;
    }
}
