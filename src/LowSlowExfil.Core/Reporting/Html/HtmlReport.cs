using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using LowSlowExfil.Kql;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Reporting
{
    /// <summary>How <see cref="HtmlReport"/> renders.</summary>
    public sealed class HtmlReportOptions
    {
        /// <summary>The report's title (default: "Low &amp; slow exfiltration hunt").</summary>
        public string? Title { get; set; }

        /// <summary>When the report was made (UTC); now when null.</summary>
        public DateTime? GeneratedUtc { get; set; }

        /// <summary>
        /// The most candidates that get a detail section (default <see cref="HtmlReport.DefaultDetailLimit"/>): the flagged
        /// first, then by Zscore and upload volume. Every candidate stays in the table. A section is ~10 KB of charts and
        /// tables, so 20,000 of them made a 200 MB page no browser opens.
        /// </summary>
        public int DetailLimit { get; set; } = HtmlReport.DefaultDetailLimit;

        /// <summary>The hunt the report is of, when no candidate carries it (a hunt that flagged nobody).</summary>
        public HuntSummary? Summary { get; set; }
    }

    /// <summary>
    /// One self-contained HTML file for a hunt's candidates: no network resource of any kind (inline CSS, inline SVG
    /// charts drawn here, one small inline script that only sorts the table), a Content-Security-Policy that allows
    /// nothing else, and every value from the logs HTML-escaped (in text, attributes and SVG titles alike).
    /// The markup is also well-formed XML, so it can be checked with any XML parser.
    /// </summary>
    public static class HtmlReport
    {
        public const string DefaultTitle = "Low & slow exfiltration hunt";

        /// <summary>Detail sections written by default; the rest of the candidates are in the table only.</summary>
        public const int DefaultDetailLimit = 200;

        /// <summary>The attribute the inline script sets on &lt;html&gt; (value "ran") once it has run.</summary>
        public const string ScriptMarkerAttribute = "data-report-script";

        private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

        /// <summary>The report as a string.</summary>
        public static string Render(IEnumerable<ExfilCandidate?>? candidates, HtmlReportOptions? options = null)
        {
            var sw = new StringWriter(Inv);
            Write(sw, candidates, options);
            return sw.ToString();
        }

        /// <summary>Writes the report, streaming: nothing but the candidates is held in memory, whatever their number.</summary>
        public static void Write(TextWriter writer, IEnumerable<ExfilCandidate?>? candidates, HtmlReportOptions? options = null)
        {
            if (writer == null) throw new ArgumentNullException(nameof(writer));
            options = options ?? new HtmlReportOptions();
            if (options.DetailLimit < 0) throw new ArgumentOutOfRangeException(nameof(options), options.DetailLimit, "DetailLimit cannot be negative.");
            var list = new List<ExfilCandidate>();
            foreach (var c in candidates ?? Enumerable.Empty<ExfilCandidate?>())
                if (c != null) list.Add(c);
            new ReportRenderer(new HtmlWriter(writer), list, options).Render();
        }

        /// <summary>
        /// The table positions (0-based) of the candidates that get a detail section: at most <paramref name="limit"/>,
        /// the flagged first, then the highest Zscore, then the most MB, then table order.
        /// </summary>
        public static ISet<int> DetailedCandidates(IReadOnlyList<ExfilCandidate> candidates, int limit)
        {
            if (candidates == null) throw new ArgumentNullException(nameof(candidates));
            if (candidates.Count <= limit) return new HashSet<int>(Enumerable.Range(0, candidates.Count));
            return new HashSet<int>(Enumerable.Range(0, candidates.Count)
                .OrderByDescending(i => candidates[i].IsFlagged())
                .ThenByDescending(i => candidates[i].Zscore)
                .ThenByDescending(i => candidates[i].ZIA_TotalMBSent)
                .ThenBy(i => i)
                .Take(Math.Max(0, limit)));
        }

        /// <summary>
        /// Every UTC day of a hunt window (EndTime − Days, EndTime]: from the day of its start to the day of its end
        /// (the end's day left out when the window ends at midnight, as it then holds only that instant), widened to
        /// any day in <paramref name="uploadDays"/> outside it.
        /// </summary>
        public static IReadOnlyList<DateTime> WindowDays(DateTime windowStart, DateTime windowEnd, IEnumerable<DateTime>? uploadDays)
        {
            var known = (uploadDays ?? Enumerable.Empty<DateTime>()).Select(d => KqlMath.BinDay(HuntWindow.ToUtc(d))).ToList();
            DateTime? first = null, last = null;
            if (windowStart != default && windowEnd != default && windowEnd > windowStart)
            {
                var s = HuntWindow.ToUtc(windowStart);
                var e = HuntWindow.ToUtc(windowEnd);
                first = KqlMath.BinDay(s);
                last = KqlMath.BinDay(e);
                if (e == last && last > first) last = last.Value.AddDays(-1);
            }
            foreach (var d in known)
            {
                if (first == null || d < first) first = d;
                if (last == null || d > last) last = d;
            }
            var days = new List<DateTime>();
            if (first == null || last == null) return days;
            for (var d = first.Value; d <= last.Value && days.Count < 3660; d = d.AddDays(1)) days.Add(d);
            return days;
        }

        /// <summary>Escapes text for HTML text and quoted attributes; drops characters no document may hold.</summary>
        public static string Escape(string? s)
        {
            if (s == null || s.Length == 0) return string.Empty;
            var sb = new StringBuilder(s.Length + 16);
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                switch (c)
                {
                    case '&': sb.Append("&amp;"); break;
                    case '<': sb.Append("&lt;"); break;
                    case '>': sb.Append("&gt;"); break;
                    case '"': sb.Append("&quot;"); break;
                    case '\'': sb.Append("&#39;"); break;
                    case '\t': case '\n': sb.Append(c); break;
                    case '\r': break;
                    default:
                        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { sb.Append(c).Append(s[++i]); }
                        else if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || char.IsSurrogate(c) || c == '\uFFFE' || c == '\uFFFF') sb.Append('\uFFFD');
                        else sb.Append(c);
                        break;
                }
            }
            return sb.ToString();
        }

        // ------------------------------------------------------------------ the inline script and style

        // report.js and report.css beside this file, embedded in the assembly and written inline. The script is
        // progressive enhancement only (the table sorts on a header click; without script everything is shown as is)
        // and holds no '<' or '&', so the document stays well-formed XML; its hash is the page's only script-src.
        internal static readonly string Script = Resource("report.js");
        internal static readonly string Style = Resource("report.css");
        internal static readonly string ScriptHash = "sha256-" + Convert.ToBase64String(Sha256(Encoding.UTF8.GetBytes(Script)));

        private static string Resource(string name)
        {
            using (var stream = typeof(HtmlReport).Assembly.GetManifestResourceStream("LowSlowExfil.Reporting." + name))
            {
                if (stream == null) throw new InvalidOperationException($"The report's {name} is missing from {typeof(HtmlReport).Assembly.GetName().Name}: the module's files are damaged; reinstall it.");
                using (var reader = new StreamReader(stream, new UTF8Encoding(false)))
                    // LF line ends whatever the checkout wrote, one newline either side: the script's hash and the
                    // page's bytes stay those of every earlier report.
                    return "\n" + reader.ReadToEnd().Replace("\r\n", "\n").Trim('\n') + "\n";
            }
        }

        private static byte[] Sha256(byte[] data)
        {
            using (var sha = SHA256.Create()) return sha.ComputeHash(data);
        }
    }
}
