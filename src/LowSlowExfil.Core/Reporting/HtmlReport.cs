using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using LowSlowExfil.Kql;
using LowSlowExfil.Rule;
using LowSlowExfil.Scoring;

namespace LowSlowExfil.Reporting
{
    /// <summary>How <see cref="HtmlReport"/> renders.</summary>
    public sealed class HtmlReportOptions
    {
        /// <summary>The report's title (default: "Low &amp; slow exfiltration hunt").</summary>
        public string Title { get; set; }

        /// <summary>When the report was made (UTC); now when null.</summary>
        public DateTime? GeneratedUtc { get; set; }

        /// <summary>
        /// The most candidates that get a detail section (default <see cref="HtmlReport.DefaultDetailLimit"/>): the flagged
        /// first, then by Zscore and upload volume. Every candidate stays in the table. A section is ~10 KB of charts and
        /// tables, so 20,000 of them made a 200 MB page no browser opens.
        /// </summary>
        public int DetailLimit { get; set; } = HtmlReport.DefaultDetailLimit;

        /// <summary>The hunt the report is of, when no candidate carries it (a hunt that flagged nobody).</summary>
        public HuntSummary Summary { get; set; }
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
        public static string Render(IEnumerable<ExfilCandidate> candidates, HtmlReportOptions options = null)
        {
            var sw = new StringWriter(Inv);
            Write(sw, candidates, options);
            return sw.ToString();
        }

        /// <summary>Writes the report, streaming: nothing but the candidates is held in memory, whatever their number.</summary>
        public static void Write(TextWriter writer, IEnumerable<ExfilCandidate> candidates, HtmlReportOptions options = null)
        {
            if (writer == null) throw new ArgumentNullException(nameof(writer));
            options = options ?? new HtmlReportOptions();
            if (options.DetailLimit < 0) throw new ArgumentOutOfRangeException(nameof(options), options.DetailLimit, "DetailLimit cannot be negative.");
            var list = (candidates ?? Enumerable.Empty<ExfilCandidate>()).Where(c => c != null).ToList();
            new Renderer(new Html(writer), list, options).Render();
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
        public static IReadOnlyList<DateTime> WindowDays(DateTime windowStart, DateTime windowEnd, IEnumerable<DateTime> uploadDays)
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
            if (first == null) return days;
            for (var d = first.Value; d <= last.Value && days.Count < 3660; d = d.AddDays(1)) days.Add(d);
            return days;
        }

        /// <summary>Escapes text for HTML text and quoted attributes; drops characters no document may hold.</summary>
        public static string Escape(string s)
        {
            if (string.IsNullOrEmpty(s)) return string.Empty;
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

        // Progressive enhancement only: the table sorts on a header click; without script everything is shown as is.
        // No '<' or '&' in it, so the document stays well-formed XML.
        private const string Script = @"
(function () {
  'use strict';
  var root = document.documentElement;
  function cellValue(row, col, numeric) {
    var cell = row.cells[col];
    var v = cell.getAttribute('data-v');
    if (numeric) { return parseFloat((v === null ? cell.textContent : v).replace(/,/g, '')); }
    return (v === null ? cell.textContent : v).toLowerCase();
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      var numeric = th.getAttribute('data-type') === 'num';
      function sort() {
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(heads, function (other) { other.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, col, numeric), y = cellValue(b, col, numeric);
          var d = x === y ? 0 : (x > y ? 1 : -1);
          return ascending ? d : -d;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.tabIndex = 0;
      th.title = 'Sort by ' + th.textContent;
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); }
      });
    });
    table.classList.add('js-sortable');
  });
  root.setAttribute('" + ScriptMarkerAttribute + @"', 'ran');
})();
";

        private const string Style = @"
:root { --ink: #1d2433; --muted: #5b6475; --line: #d9dee7; --bg: #f5f7fa; --card: #fff; --accent: #c62828;
  --bar: #2f6db5; --bar-flag: #c62828; --zero: #b8c0cc; --weekend: #eef1f6; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
  color: var(--ink); background: var(--bg); }
header.top { background: #17223b; color: #fff; padding: 20px 32px 18px; }
header.top h1 { margin: 0 0 2px; font-size: 22px; font-weight: 600; }
header.top .rule { margin: 0 0 14px; color: #b9c4da; font-size: 13px; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px; margin: 0; }
dl.facts div { background: rgba(255,255,255,.08); border-radius: 6px; padding: 7px 10px; }
dl.facts div.wide { grid-column: span 2; }
dl.facts dt { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: #b9c4da; }
dl.facts dd { margin: 0; font-size: 15px; font-weight: 600; overflow-wrap: anywhere; }
main { max-width: 1240px; margin: 0 auto; padding: 8px 32px 32px; }
.wrap { max-width: 1240px; margin: 0 auto; padding: 0 32px; }
h2 { font-size: 18px; margin: 26px 0 10px; }
h3 { font-size: 16px; margin: 0; display: inline; }
h4 { font-size: 13px; margin: 14px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.note { background: #fff8e1; border: 1px solid #f1d98a; border-radius: 6px; padding: 8px 12px; margin: 10px 0; }
.empty { background: var(--card); border: 1px dashed var(--line); border-radius: 8px; padding: 22px; text-align: center; color: var(--muted); font-size: 15px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
table { border-collapse: collapse; width: 100%; background: var(--card); }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; white-space: nowrap; background: #fafbfd; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n { white-space: nowrap; }
table.candidates th { white-space: normal; vertical-align: bottom; font-size: 11px; }
table.candidates { border: 1px solid var(--line); border-radius: 8px; }
table.candidates td { font-size: 13px; padding: 5px 6px; text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.candidates td.user, table.candidates td.ops, table.candidates td.r { text-align: left; white-space: normal; }
table.candidates th { padding: 5px 6px; }
table.candidates td.ops { font-size: 11px; color: var(--muted); min-width: 140px; }
table.js-sortable th { cursor: pointer; }
table.js-sortable th[aria-sort=ascending]::after { content: ' \25B2'; }
table.js-sortable th[aria-sort=descending]::after { content: ' \25BC'; }
tr.flagged td.user, tr.flagged td.user a { color: var(--accent); font-weight: 600; }
td.user { overflow-wrap: break-word; max-width: 260px; }
a { color: var(--bar); }
.badge { display: inline-block; font-size: 11px; font-weight: 600; padding: 1px 7px; border-radius: 10px; margin: 0 3px 2px 0;
  background: #fde7e7; color: var(--accent); border: 1px solid #f3b9b9; white-space: nowrap; }
.badge.none { background: #eef1f6; color: var(--muted); border-color: var(--line); }
section.candidate { margin: 14px 0; }
section.candidate > details > summary { cursor: pointer; padding: 4px 0; list-style-position: outside; }
.idx { color: var(--muted); font-weight: 400; margin-right: 4px; }
.uname { overflow-wrap: anywhere; }
.alert { border-left: 4px solid var(--accent); background: #fff5f5; padding: 8px 12px; margin: 10px 0; border-radius: 0 6px 6px 0; }
.alert .title { font-weight: 600; overflow-wrap: anywhere; }
.alert p { margin: 4px 0 0; overflow-wrap: anywhere; }
.unflagged .alert { border-left-color: #8a94a6; background: #f4f6f9; }
ul.reasons { margin: 0; padding-left: 18px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 14px; }
.grid.tables { grid-template-columns: minmax(0, 1.7fr) minmax(0, 1.2fr) minmax(0, 1fr); }
@media (max-width: 900px) { .grid.tables { grid-template-columns: minmax(0, 1fr); } }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
svg { display: block; width: 100%; height: auto; font-family: inherit; }
svg text { font-size: 11px; fill: var(--muted); }
svg .axis { stroke: #8a94a6; stroke-width: 1; }
svg .gridline { stroke: var(--line); stroke-width: 1; }
svg .bar { fill: var(--bar); }
svg .zero { fill: var(--zero); }
svg .weekend { fill: var(--weekend); }
svg .hbar { fill: #7d9cc7; }
svg .hbar.hit { fill: var(--bar-flag); }
svg .cut { stroke: var(--accent); stroke-width: 2; stroke-dasharray: 6 4; }
svg text.cutlabel { fill: var(--accent); font-weight: 600; }
svg .marker { fill: var(--accent); }
svg text.mlabel { fill: var(--accent); font-weight: 600; font-size: 10px; }
svg g.day:hover rect, svg rect.hbar:hover { opacity: .75; }
.legend { font-size: 12px; color: var(--muted); margin: 6px 0 0; }
.legend span { display: inline-block; margin-right: 14px; }
.meter { display: inline-block; height: 8px; background: var(--bar); border-radius: 2px; vertical-align: middle; margin-right: 6px; }
td.host { overflow-wrap: break-word; word-break: break-word; }
footer { max-width: 1240px; margin: 0 auto; padding: 0 32px 28px; color: var(--muted); font-size: 12px; }
@media print { header.top { background: #fff; color: var(--ink); } dl.facts div { border: 1px solid var(--line); } }
";

        private static readonly string ScriptHash = "sha256-" + Convert.ToBase64String(Sha256(Encoding.UTF8.GetBytes(Script)));

        private static byte[] Sha256(byte[] data)
        {
            using (var sha = SHA256.Create()) return sha.ComputeHash(data);
        }

        // ------------------------------------------------------------------ rendering

        /// <summary>A writer that escapes everything unless told not to, straight to the output (no copy of the page in memory).</summary>
        private sealed class Html
        {
            private readonly TextWriter _w;
            public Html(TextWriter w) { _w = w; }
            public Html Raw(string s) { _w.Write(s); return this; }
            public Html Text(string s) { _w.Write(NeedsEscape(s) ? Escape(s) : s); return this; }
            public Html Line(string s) { _w.Write(s); _w.Write('\n'); return this; }
            public Html Attr(string name, string value) { _w.Write(' '); _w.Write(name); _w.Write("=\""); Text(value); _w.Write('"'); return this; }
            public Html Num(double v) { _w.Write(N(v)); return this; }

            private static bool NeedsEscape(string s)
            {
                if (s == null) return false;
                foreach (char c in s)
                    if (c < 0x20 || c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' || (c >= 0x7F && c <= 0x9F) || char.IsSurrogate(c) || c >= '\uFFFE') return true;
                return false;
            }
        }

        private sealed class Renderer
        {
            private readonly Html _h;
            private readonly List<ExfilCandidate> _candidates;
            private readonly HtmlReportOptions _options;
            private readonly HuntSummary _summary;
            private readonly ISet<int> _detailed;

            public Renderer(Html h, List<ExfilCandidate> candidates, HtmlReportOptions options)
            {
                _h = h;
                _candidates = candidates;
                _options = options;
                _summary = candidates.Select(c => c.GetSummary()).FirstOrDefault(s => s != null) ?? options.Summary;
                _detailed = DetailedCandidates(candidates, options.DetailLimit);
            }

            private int Omitted => _candidates.Count - _detailed.Count;

            public void Render()
            {
                string title = string.IsNullOrWhiteSpace(_options.Title) ? DefaultTitle : _options.Title;
                DateTime generated = _options.GeneratedUtc.HasValue ? HuntWindow.ToUtc(_options.GeneratedUtc.Value) : DateTime.UtcNow;
                _h.Line("<!DOCTYPE html>");
                _h.Line("<html lang=\"en\">");
                _h.Line("<head>");
                _h.Line("<meta charset=\"utf-8\" />");
                _h.Raw("<meta http-equiv=\"Content-Security-Policy\"")
                  .Attr("content", "default-src 'none'; style-src 'unsafe-inline'; script-src '" + ScriptHash + "'; img-src data:; base-uri 'none'; form-action 'none'")
                  .Line(" />");
                _h.Line("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />");
                _h.Line("<meta name=\"generator\" content=\"LowSlowExfil\" />");
                _h.Raw("<title>").Text(title).Line("</title>");
                _h.Raw("<style>").Raw(Style).Line("</style>");
                _h.Line("</head>");
                _h.Line("<body>");
                Header(title, generated);
                _h.Line("<main>");
                CandidatesTable();
                NearMisses();
                Distribution();
                Sections();
                Provenance();
                _h.Line("</main>");
                _h.Raw("<footer><p>").Text($"{ExfilRule.DisplayName}. MITRE ATT&CK: {ExfilRule.Tactic} ({ExfilRule.TacticId}); techniques {string.Join(", ", ExfilRule.Techniques)}. Severity {ExfilRule.Severity}. Generated by LowSlowExfil on {Stamp(generated)}; this file is self-contained and loads nothing from the network.")
                  .Line("</p></footer>");
                _h.Raw("<script>").Raw(Script).Line("</script>");
                _h.Line("</body>");
                _h.Line("</html>");
            }

            private void Header(string title, DateTime generated)
            {
                var s = _summary;
                _h.Line("<header class=\"top\">");
                _h.Raw("<h1>").Text(title).Line("</h1>");
                _h.Raw("<p class=\"rule\">").Text(ExfilRule.DisplayName + " · generated " + Stamp(generated)).Line("</p>");
                _h.Line("<dl class=\"facts\">");
                if (s != null)
                {
                    int days = (int)Math.Round((s.WindowEnd - s.WindowStart).TotalDays);
                    Fact("Hunt window", $"{Stamp(s.WindowStart)} → {Stamp(s.WindowEnd)} ({days} days)", "window");
                    Fact("Mode", ModeText(s.Mode), "mode");
                    Fact("Users scored", s.Users.ToString(Inv), "population");
                    Fact("Flagged", s.Flagged.ToString(Inv), "flagged");
                    Fact("In this report", _candidates.Count.ToString(Inv), "count");
                    Fact("Baseline mean", N(s.BaselineMean) + " MB", "mean");
                    Fact("Baseline stdev (n−1)", N(s.BaselineStdev) + " MB", "stdev");
                    Fact($"Cut-off (z = {N(s.ZScoreThreshold)})", s.BaselineStdev > 0 ? N(CutOff(s)) + " MB" : "none (no spread)", "cutoff");
                }
                else
                {
                    Fact("Candidates", _candidates.Count.ToString(Inv), "count");
                    Fact("Hunt window", "—", "window");
                }
                _h.Line("</dl>");
                _h.Line("</header>");
                if (s != null && s.IsPartial)
                    Note("Partial results were accepted for this hunt: " + string.Join("; ", s.PartialResults) + ". Counts may be incomplete.");
                int hunts = _candidates.Select(c => c.GetSummary()).Where(x => x != null).Distinct().Count();
                if (hunts > 1)
                    Note($"These candidates come from {hunts} different hunts; the header and the distribution show the first one's.");
                var ctx = _candidates.Select(c => c.GetScoreContext()).Where(x => x != null).ToList();
                if (ctx.Any(x => x.PeerGroup != null || x.Method != BaselineMethod.MeanStdev))
                    Note("Zscores were computed against peer groups or a robust baseline (-PeerGroup / -Baseline Robust); the cut-off shown is the whole population's mean + z·σ.");
            }

            /// <summary>The unflagged users closest to the cut-off: what an analyst checks before closing a hunt as empty.</summary>
            private void NearMisses()
            {
                var misses = _summary?.NearMisses;
                if (misses == null || misses.Length == 0) return;
                _h.Line("<section id=\"near-misses\" class=\"wrap\">");
                _h.Raw("<h2>").Text("Nearest misses").Line("</h2>");
                _h.Raw("<p>").Text($"The {misses.Length} unflagged users closest to the Zscore cut-off of {N(_summary.ZScoreThreshold)}, highest first.").Line("</p>");
                _h.Line("<table class=\"misses\"><thead><tr><th>UserName</th><th>Zscore</th><th>ZIA_TotalMBSent</th><th>ZIA_ActiveDays</th><th>O365_AnonLinks</th></tr></thead><tbody>");
                foreach (var m in misses)
                {
                    _h.Raw("<tr><td>").Text(m.UserName).Raw("</td><td>").Text(N(m.Zscore)).Raw("</td><td>").Text(N(m.ZIA_TotalMBSent))
                      .Raw("</td><td>").Text(m.ZIA_ActiveDays.ToString(Inv)).Raw("</td><td>").Text(m.O365_AnonLinks.ToString(Inv)).Line("</td></tr>");
                }
                _h.Line("</tbody></table>");
                _h.Line("</section>");
            }

            /// <summary>What the hunt ran and read: a report in a case file must say where its numbers come from.</summary>
            private void Provenance()
            {
                var p = _summary?.Provenance;
                _h.Line("<section id=\"provenance\" class=\"wrap\">");
                _h.Raw("<h2>").Text("Provenance").Line("</h2>");
                if (_summary == null)
                {
                    _h.Raw("<p class=\"note\">").Text("No hunt came with this report: no candidates were piped in, so there is no window, input or " +
                        "population to show. To report a hunt that may flag nobody, use Find-LowSlowExfil -ReportPath.").Line("</p>");
                    _h.Line("</section>");
                    return;
                }
                _h.Line("<dl class=\"facts\">");
                if (p != null)
                {
                    Fact("Module version", p.ModuleVersion ?? "unknown", "version");
                    Fact("Command", p.Command ?? "", "command");
                    Fact("Source", p.Source ?? "", "source");
                }
                Fact("Hunt window", $"{Stamp(_summary.WindowStart)} → {Stamp(_summary.WindowEnd)}", "hunt-window");
                Fact("Baseline", $"{_summary.Users.ToString(Inv)} users, mean {N(_summary.BaselineMean)} MB, stdev {N(_summary.BaselineStdev)} MB", "baseline");
                _h.Line("</dl>");
                if (p != null && p.Inputs.Length > 0)
                {
                    _h.Line("<table class=\"inputs\"><thead><tr><th>Input</th><th>Format</th><th>Records read</th><th>Skipped</th><th>Read in full</th><th>Note</th></tr></thead><tbody>");
                    foreach (var i in p.Inputs)
                    {
                        _h.Raw("<tr><td>").Text(i.File).Raw("</td><td>").Text(i.Format).Raw("</td><td>").Text(i.Records.ToString("N0", Inv))
                          .Raw("</td><td>").Text(i.Skipped.ToString("N0", Inv)).Raw("</td><td>").Text(i.Failed ? "no" : "yes")
                          .Raw("</td><td>").Text(i.Notice ?? "").Line("</td></tr>");
                    }
                    _h.Line("</tbody></table>");
                }
                else if (p == null)
                    _h.Raw("<p class=\"note\">").Text("The candidates were scored from profiles, not read by this hunt: no inputs are recorded.").Line("</p>");
                _h.Line("</section>");
            }

            private void Fact(string label, string value, string key)
            {
                _h.Raw("<div").Attr("data-fact", key);
                if (key == "window") _h.Raw(" class=\"wide\"");
                _h.Raw("><dt>").Text(label).Raw("</dt><dd>").Text(value).Line("</dd></div>");
            }

            private void Note(string text) => _h.Raw("<div class=\"wrap\"><p class=\"note\">").Text(text).Line("</p></div>");

            private void CandidatesTable()
            {
                _h.Line("<section id=\"candidates\">");
                _h.Line("<h2>Candidates</h2>");
                if (_candidates.Count == 0)
                {
                    _h.Raw("<p class=\"empty\" id=\"no-candidates\">").Text("No candidates: no user met any of the rule's clauses in this hunt (or nothing was piped in).").Line("</p>");
                    _h.Line("</section>");
                    return;
                }
                _h.Line("<div class=\"card\" style=\"padding:0;overflow-x:auto\">");
                _h.Line("<table class=\"candidates sortable\" id=\"candidate-table\">");
                _h.Raw("<thead><tr>");
                Th("#", true);
                Th("UserName", false);
                Th("ZIA_TotalMBSent", true);
                Th("ZIA_ActiveDays", true);
                Th("ZIA_TotalRequests", true);
                Th("ZIA_UniqueDestCnt", true);
                Th("O365_EventCount", true);
                Th("O365_AnonLinks", true);
                Th("O365_Operations", false);
                Th("DistinctChannels", true);
                Th("Zscore", true);
                Th("Reasons", false);
                _h.Line("</tr></thead>");
                _h.Line("<tbody>");
                // Lean rows, as every candidate is here: numbers are sorted by their text (the script strips the
                // thousands separators), and only the rows with a detail section link to it.
                for (int i = 0; i < _candidates.Count; i++)
                {
                    var c = _candidates[i];
                    _h.Raw(c.IsFlagged() ? "<tr class=\"flagged\">" : "<tr>");
                    TdN((i + 1).ToString(Inv));
                    _h.Raw("<td class=\"user\">");
                    if (_detailed.Contains(i)) _h.Raw("<a href=\"#").Raw(SectionId(i)).Raw("\">").Text(c.UserName).Raw("</a>");
                    else _h.Text(c.UserName);
                    _h.Raw("</td>");
                    TdN(N(c.ZIA_TotalMBSent));
                    TdN(N(c.ZIA_ActiveDays));
                    TdN(N(c.ZIA_TotalRequests));
                    TdN(N(c.ZIA_UniqueDestCnt));
                    TdN(N(c.O365_EventCount));
                    TdN(N(c.O365_AnonLinks));
                    _h.Raw("<td class=\"ops\">").Text(string.Join(", ", c.O365_Operations ?? OperationSet.Empty)).Raw("</td>");
                    TdN(N(c.DistinctChannels));
                    TdN(c.Zscore.ToString("0.00", Inv));
                    _h.Raw("<td class=\"r\">");
                    Badges(c.Reasons);
                    _h.Line("</td></tr>");
                }
                _h.Line("</tbody>");
                _h.Line("</table>");
                _h.Line("</div>");
                if (Omitted > 0) OmittedNote();
                _h.Line("</section>");
            }

            /// <summary>Says which candidates have no detail section, and why.</summary>
            private void OmittedNote()
            {
                _h.Raw("<p class=\"note\" id=\"details-omitted\"").Attr("data-omitted", Omitted.ToString(Inv)).Raw(">")
                  .Text($"Detail sections are shown for {N(_detailed.Count)} of the {N(_candidates.Count)} candidates (the flagged first, then by Zscore and MB): "
                      + $"the other {N(Omitted)} are in the table only, so that the report stays small enough to open. "
                      + "To see more, report fewer candidates (filter them with Where-Object) or raise Export-LowSlowExfilReport -DetailLimit.")
                  .Line("</p>");
            }

            private void Th(string name, bool numeric)
            {
                _h.Raw("<th scope=\"col\"").Attr("data-type", numeric ? "num" : "text");
                if (numeric) _h.Raw(" class=\"n\"");
                _h.Raw(">").Raw(HeaderBreaks(name)).Raw("</th>");
            }

            /// <summary>A column name with break opportunities after '_' and between camel-case words, so headers wrap instead of widening the table.</summary>
            private static string HeaderBreaks(string name)
            {
                var sb = new StringBuilder();
                for (int i = 0; i < name.Length; i++)
                {
                    if (i > 0 && char.IsUpper(name[i]) && char.IsLower(name[i - 1])) sb.Append("<wbr />");
                    sb.Append(Escape(name[i].ToString()));
                    if (name[i] == '_') sb.Append("<wbr />");
                }
                return sb.ToString();
            }

            // Right-aligned by the table's style: no class on each of the 20,000 rows' nine number cells.
            private void TdN(string shown) => _h.Raw("<td>").Text(shown).Raw("</td>");

            private void Badges(ExfilReason reasons)
            {
                var names = SentinelAlert.ReasonNames(reasons);
                if (names.Length == 0) { _h.Raw("<span class=\"badge none\">not flagged</span>"); return; }
                foreach (var n in names) _h.Raw("<span class=\"badge\">").Text(n).Raw("</span>");
            }

            // ------------------------------------------------------------------ population distribution

            private void Distribution()
            {
                _h.Line("<section id=\"distribution\">");
                _h.Line("<h2>Upload volume across the population (ZIA_TotalMBSent)</h2>");
                var s = _summary;
                var totals = s?.PopulationTotalsMB ?? new double[0];
                if (totals.Length == 0)
                {
                    _h.Raw("<p class=\"empty\">").Text("No population to show: no user was scored.").Line("</p>");
                    _h.Line("</section>");
                    return;
                }
                _h.Line("<div class=\"card\">");
                new Histogram(_h, s, totals, _candidates.Where(c => c.GetSummary() == s).ToList()).WithIndex(_candidates, _detailed).Render();
                _h.Line("</div>");
                _h.Line("</section>");
            }

            // ------------------------------------------------------------------ per candidate

            private void Sections()
            {
                if (_detailed.Count == 0) { if (Omitted > 0) { _h.Line("<section id=\"details\">"); OmittedNote(); _h.Line("</section>"); } return; }
                _h.Line("<section id=\"details\">");
                _h.Line("<h2>Candidate details</h2>");
                if (Omitted > 0) OmittedNote();
                for (int i = 0; i < _candidates.Count; i++)
                    if (_detailed.Contains(i)) Section(_candidates[i], i);
                _h.Line("</section>");
            }

            private void Section(ExfilCandidate c, int i)
            {
                var upload = c.GetUploadProfile();
                var sharing = c.GetSharingProfile();
                var summary = c.GetSummary();
                bool flagged = c.IsFlagged();
                _h.Raw("<section").Attr("class", "candidate " + (flagged ? "flagged" : "unflagged")).Attr("id", SectionId(i)).Attr("data-user", c.UserName).Line(">");
                _h.Raw(flagged ? "<details open=\"open\">" : "<details>");
                _h.Raw("<summary><h3><span class=\"idx\">#").Raw((i + 1).ToString(Inv)).Raw("</span> <span class=\"uname\">").Text(c.UserName).Raw("</span></h3> ");
                Badges(c.Reasons);
                _h.Line("</summary>");

                _h.Raw("<div class=\"alert\"><div class=\"title\">").Text(c.AlertDisplayName).Raw("</div><p>").Text(c.AlertDescription).Line("</p></div>");

                _h.Line("<div class=\"grid\">");
                _h.Line("<div>");
                _h.Line("<h4>Why</h4>");
                _h.Line("<ul class=\"reasons\">");
                foreach (var r in ReasonTexts(c, summary)) _h.Raw("<li>").Text(r).Line("</li>");
                _h.Line("</ul>");
                _h.Line("</div>");
                _h.Line("<div>");
                _h.Line("<h4>Figures</h4>");
                _h.Line("<dl class=\"kv\">");
                Kv("Uploaded", N(c.ZIA_TotalMBSent) + " MB in " + Count(c.ZIA_TotalRequests, "request"));
                Kv("Active days", N(c.ZIA_ActiveDays));
                if (upload != null)
                {
                    Kv("First upload", Stamp(upload.FirstSeen));
                    Kv("Last upload", Stamp(upload.LastSeen));
                    Kv("Destinations", N(upload.DistinctDestinations) + " distinct hosts (rule's sum of daily counts: " + N(c.ZIA_UniqueDestCnt) + ")");
                }
                Kv("Zscore", c.Zscore.ToString("0.00", Inv));
                Kv("Microsoft 365", Count(c.O365_EventCount, "sharing event") + ", " + Count(c.O365_AnonLinks, "anonymous link"));
                Kv("DistinctChannels", N(c.DistinctChannels));
                _h.Line("</dl>");
                _h.Line("</div>");
                _h.Line("</div>");

                _h.Line("<h4>Daily uploads (MB), every day of the window</h4>");
                DateTime ws = summary?.WindowStart ?? upload?.WindowStart ?? default;
                DateTime we = summary?.WindowEnd ?? upload?.WindowEnd ?? default;
                DailyChart(c, upload, ws, we);

                _h.Line("<div class=\"grid tables\">");
                Destinations(upload);
                Channels(upload);
                Sharing(sharing);
                _h.Line("</div>");
                _h.Line("</details>");
                _h.Line("</section>");
            }

            private void Kv(string k, string v) => _h.Raw("<dt>").Text(k).Raw("</dt><dd>").Text(v).Line("</dd>");

            private IEnumerable<string> ReasonTexts(ExfilCandidate c, HuntSummary s)
            {
                var ctx = c.GetScoreContext();
                if ((c.Reasons & ExfilReason.ZScore) != 0)
                {
                    string against = ctx != null && (ctx.PeerGroup != null || ctx.Method != BaselineMethod.MeanStdev)
                        ? $"against {(ctx.PeerGroup != null ? "peer group " + ctx.PeerGroup : "the population")} ({ctx.Method}: centre {N(ctx.BaselineCenter)} MB, spread {N(ctx.BaselineSpread)} MB, {ctx.BaselineUsers} users)"
                        : s != null ? $"against a population mean of {N(s.BaselineMean)} MB (σ {N(s.BaselineStdev)} MB, {s.Users} users)" : "against the population";
                    yield return $"ZScore: z = {c.Zscore.ToString("0.00", Inv)} ≥ {N(s?.ZScoreThreshold ?? 3.0)} — {N(c.ZIA_TotalMBSent)} MB uploaded, {against}.";
                }
                if ((c.Reasons & ExfilReason.AnonymousLinks) != 0)
                    yield return $"AnonymousLinks: {N(c.O365_AnonLinks)} anonymous sharing links while uploading {N(c.ZIA_TotalMBSent)} MB (the rule: at least 3 links and more than 10 MB).";
                if ((c.Reasons & ExfilReason.Persistence) != 0)
                    yield return $"Persistence: uploads on {N(c.ZIA_ActiveDays)} days, {N(c.ZIA_TotalMBSent)} MB in all (the rule: at least 20 days and more than 50 MB).";
                if (c.Reasons == ExfilReason.None)
                    yield return "Not flagged by any clause: listed because the hunt ran with -IncludeAll.";
            }

            private void DailyChart(ExfilCandidate c, ZiaUploadProfile upload, DateTime ws, DateTime we)
            {
                var daily = upload?.DailyUploads ?? RowList<ZiaDailyUpload>.Empty;
                var byDay = new Dictionary<DateTime, ZiaDailyUpload>();
                foreach (var d in daily) byDay[KqlMath.BinDay(HuntWindow.ToUtc(d.Day))] = d;
                var days = WindowDays(ws, we, byDay.Keys);
                if (days.Count == 0)
                {
                    _h.Raw("<p class=\"empty\">").Text("No upload days to chart.").Line("</p>");
                    return;
                }
                const double W = 1100, H = 220, L = 56, R = 12, T = 24, B = 40;
                double plotW = W - L - R, plotH = H - T - B;
                double max = byDay.Values.Select(d => d.DaySentBytes / KqlMath.BytesPerMB).DefaultIfEmpty(0).Max();
                double top = NiceCeiling(max);
                double slot = plotW / days.Count;
                double barW = Math.Max(1, slot * 0.72);

                _h.Raw("<svg class=\"daily\" role=\"img\"").Attr("viewBox", $"0 0 {N0(W)} {N0(H)}")
                  .Attr("data-days", days.Count.ToString(Inv)).Line(">");
                _h.Raw("<title>").Text($"Daily uploads of {c.UserName}, {days.Count} days").Line("</title>");
                // weekends
                for (int i = 0; i < days.Count; i++)
                    if (days[i].DayOfWeek == DayOfWeek.Saturday || days[i].DayOfWeek == DayOfWeek.Sunday)
                        Rect("weekend", L + i * slot, T, slot, plotH);
                // grid and y labels
                for (int k = 0; k <= 4; k++)
                {
                    double v = top * k / 4, y = T + plotH - plotH * k / 4;
                    _h.Raw("<line class=\"gridline\"").Attr("x1", F(L)).Attr("x2", F(W - R)).Attr("y1", F(y)).Attr("y2", F(y)).Raw(" />");
                    _h.Raw("<text text-anchor=\"end\"").Attr("x", F(L - 6)).Attr("y", F(y + 4)).Raw(">").Text(N(v)).Line("</text>");
                }
                _h.Raw("<text").Attr("x", "4").Attr("y", F(T - 10)).Raw(">MB</text>");
                for (int i = 0; i < days.Count; i++)
                {
                    var day = days[i];
                    byDay.TryGetValue(day, out var d);
                    double mb = d == null ? 0 : d.DaySentBytes / KqlMath.BytesPerMB;
                    double x = L + i * slot + (slot - barW) / 2;
                    string dayText = day.ToString("ddd yyyy-MM-dd", Inv);
                    string label = d == null
                        ? dayText + ": no uploads"
                        : $"{dayText}: {N(mb)} MB in {Count(d.DayRequestCount, "request")} to {Count(d.DayDestinCount, "destination")}";
                    _h.Raw("<g class=\"day\"").Attr("data-day", day.ToString("yyyy-MM-dd", Inv)).Attr("data-mb", KqlMath.Round2(mb).ToString("R", Inv)).Raw(">");
                    _h.Raw("<title>").Text(label).Raw("</title>");
                    if (d == null || mb <= 0)
                        Rect("zero", x, T + plotH - 2, barW, 2);
                    else
                    {
                        double bh = top > 0 ? Math.Max(1.5, plotH * mb / top) : 0;
                        Rect("bar", x, T + plotH - bh, barW, bh);
                    }
                    _h.Line("</g>");
                }
                _h.Raw("<line class=\"axis\"").Attr("x1", F(L)).Attr("x2", F(W - R)).Attr("y1", F(T + plotH)).Attr("y2", F(T + plotH)).Line(" />");
                // x labels: the first day, every Monday, the last day (when they do not crowd)
                double lastLabel = double.NegativeInfinity;
                for (int i = 0; i < days.Count; i++)
                {
                    bool want = i == 0 || i == days.Count - 1 || days[i].DayOfWeek == DayOfWeek.Monday;
                    double cx = L + i * slot + slot / 2;
                    if (!want || cx - lastLabel < 46) continue;
                    if (i != days.Count - 1 && L + (days.Count - 0.5) * slot - cx < 46) continue;
                    lastLabel = cx;
                    _h.Raw("<text text-anchor=\"middle\"").Attr("x", F(cx)).Attr("y", F(T + plotH + 16)).Raw(">").Text(days[i].ToString("MMM d", Inv)).Line("</text>");
                }
                _h.Raw("<text text-anchor=\"middle\"").Attr("x", F(L + plotW / 2)).Attr("y", F(H - 4)).Raw(">")
                  .Text(days[0].ToString("yyyy-MM-dd", Inv) + " … " + days[days.Count - 1].ToString("yyyy-MM-dd", Inv) + " (UTC days; shaded: weekends; grey ticks: no uploads)").Line("</text>");
                _h.Line("</svg>");
            }

            private void Rect(string cls, double x, double y, double w, double h) =>
                _h.Raw("<rect").Attr("class", cls).Attr("x", F(x)).Attr("y", F(y)).Attr("width", F(w)).Attr("height", F(h)).Raw(" />");

            private void Destinations(ZiaUploadProfile upload)
            {
                _h.Line("<div>");
                var rows = upload?.Destinations ?? RowList<DestinationUpload>.Empty;
                _h.Raw("<h4>").Text(rows.Count > 10 ? $"Top destinations (10 of {rows.Count})" : "Destinations").Line("</h4>");
                if (rows.Count == 0) { _h.Line("<p>None.</p></div>"); return; }
                double max = rows.Max(d => (double)d.SentBytes);
                _h.Line("<table class=\"dest\"><thead><tr><th>Host</th><th>Channel</th><th class=\"n\">MB</th><th class=\"n\">Requests</th><th class=\"n\">Days</th></tr></thead><tbody>");
                foreach (var d in rows.Take(10))
                {
                    _h.Raw("<tr><td class=\"host\">").Text(d.DestinationHostName).Raw("</td><td>").Text(ChannelText(d.Channel)).Raw("</td><td class=\"n\">");
                    Meter(d.SentBytes, max);
                    _h.Text(N(d.SentMB)).Raw("</td><td class=\"n\">").Text(N(d.RequestCount)).Raw("</td><td class=\"n\">").Text(N(d.ActiveDays)).Line("</td></tr>");
                }
                _h.Line("</tbody></table>");
                _h.Line("</div>");
            }

            private void Channels(ZiaUploadProfile upload)
            {
                _h.Line("<div>");
                _h.Line("<h4>Channels</h4>");
                var rows = upload?.Channels ?? RowList<ChannelUpload>.Empty;
                if (rows.Count == 0) { _h.Line("<p>None.</p></div>"); return; }
                double max = rows.Max(d => (double)d.SentBytes);
                _h.Line("<table class=\"chan\"><thead><tr><th>Channel</th><th class=\"n\">MB</th><th class=\"n\">Requests</th><th class=\"n\">Days</th><th class=\"n\">Hosts</th></tr></thead><tbody>");
                foreach (var ch in rows)
                {
                    _h.Raw("<tr><td>").Text(ChannelText(ch.Channel)).Raw("</td><td class=\"n\">");
                    Meter(ch.SentBytes, max);
                    _h.Text(N(ch.SentMB)).Raw("</td><td class=\"n\">").Text(N(ch.RequestCount)).Raw("</td><td class=\"n\">").Text(N(ch.ActiveDays))
                      .Raw("</td><td class=\"n\">").Text(N(ch.Destinations)).Line("</td></tr>");
                }
                _h.Line("</tbody></table>");
                _h.Line("</div>");
            }

            private void Sharing(O365SharingProfile sharing)
            {
                _h.Line("<div>");
                _h.Line("<h4>Microsoft 365 sharing</h4>");
                if (sharing == null || sharing.O365_EventCount == 0) { _h.Line("<p>No sharing events in the window.</p></div>"); return; }
                _h.Raw("<p>").Text($"{N(sharing.O365_EventCount)} event{(sharing.O365_EventCount == 1 ? "" : "s")}, {Stamp(sharing.O365_FirstEvent)} → {Stamp(sharing.O365_LastEvent)}").Line("</p>");
                var counts = sharing.OperationCounts ?? new Dictionary<string, long>();
                if (counts.Count > 0)
                {
                    _h.Line("<table class=\"ops\"><thead><tr><th>Operation</th><th class=\"n\">Events</th></tr></thead><tbody>");
                    foreach (var kv in counts.OrderByDescending(k => k.Value).ThenBy(k => k.Key, StringComparer.Ordinal))
                        _h.Raw("<tr><td>").Text(kv.Key).Raw("</td><td class=\"n\">").Text(N(kv.Value)).Line("</td></tr>");
                    _h.Line("</tbody></table>");
                }
                _h.Line("</div>");
            }

            private void Meter(double v, double max)
            {
                double w = max > 0 ? Math.Max(1, 60 * v / max) : 0;
                _h.Raw("<span class=\"meter\"").Attr("style", "width:" + F(w) + "px").Raw("></span>");
            }
        }

        /// <summary>The population's ZIA_TotalMBSent as a histogram, log-scaled when it spans decades.</summary>
        private sealed class Histogram
        {
            private const double W = 1100, L = 56, R = 16, T = 34, PlotH = 190;
            private readonly Html _h;
            private readonly HuntSummary _s;
            private readonly double[] _values;
            private readonly List<ExfilCandidate> _marked;
            private readonly double? _cut;
            private bool _logX;
            private double _lo, _hi, _zeroSlot;

            public Histogram(Html h, HuntSummary s, double[] values, List<ExfilCandidate> candidates)
            {
                _h = h;
                _s = s;
                _values = values.Where(v => !double.IsNaN(v) && !double.IsInfinity(v)).ToArray();
                // Mark the flagged candidates; when none is flagged (e.g. -IncludeAll only), all of them if they are few.
                var flagged = candidates.Where(c => c.IsFlagged()).ToList();
                _marked = flagged.Count > 0 ? flagged : candidates.Count <= 40 ? candidates : flagged;
                _cut = s.BaselineStdev > 0 ? CutOff(s) : (double?)null;
            }

            private double X(double v)
            {
                double plotW = W - L - R;
                if (!_logX) return L + plotW * Clamp((v - _lo) / (_hi - _lo));
                if (v <= 0) return L + _zeroSlot / 2;
                double x0 = L + _zeroSlot;
                return x0 + (plotW - _zeroSlot) * Clamp((Math.Log10(v) - Math.Log10(_lo)) / (Math.Log10(_hi) - Math.Log10(_lo)));
            }

            private static double Clamp(double f) => f < 0 ? 0 : f > 1 ? 1 : f;

            public void Render()
            {
                var positives = _values.Where(v => v > 0).ToArray();
                double maxAll = _values.Concat(_marked.Select(c => c.ZIA_TotalMBSent)).Concat(_cut.HasValue ? new[] { _cut.Value } : new double[0]).DefaultIfEmpty(0).Max();
                double minPos = positives.Length > 0 ? positives.Min() : 0;
                _logX = positives.Length > 0 && maxAll / minPos > 100;
                double plotW = W - L - R;

                // bins: (edges[i], edges[i+1]]; in log mode a separate bin for users at 0 MB
                var edges = new List<double>();
                bool hasZero = _values.Any(v => v <= 0);
                if (_logX)
                {
                    _lo = Math.Pow(10, Math.Floor(Math.Log10(minPos)));
                    _hi = Math.Pow(10, Math.Ceiling(Math.Log10(maxAll)));
                    if (_hi <= _lo) _hi = _lo * 10;
                    int decades = (int)Math.Round(Math.Log10(_hi / _lo));
                    const int perDecade = 5;
                    for (int i = 0; i <= decades * perDecade; i++) edges.Add(_lo * Math.Pow(10, (double)i / perDecade));
                    _zeroSlot = hasZero ? plotW / (decades * perDecade + 2) : 0;
                }
                else
                {
                    _lo = 0;
                    _hi = NiceCeiling(maxAll > 0 ? maxAll * 1.02 : 1);
                    const int bins = 40;
                    for (int i = 0; i <= bins; i++) edges.Add(_hi * i / bins);
                }
                int n = edges.Count - 1;
                var counts = new int[n];
                var hits = new bool[n];
                int zeroCount = 0;
                bool zeroHit = false;
                foreach (var v in _values)
                {
                    if (_logX && v <= 0) { zeroCount++; continue; }
                    counts[Bin(edges, v)]++;
                }
                foreach (var c in _marked)
                {
                    if (_logX && c.ZIA_TotalMBSent <= 0) zeroHit = true;
                    else hits[Bin(edges, c.ZIA_TotalMBSent)] = true;
                }
                int maxCount = Math.Max(zeroCount, counts.DefaultIfEmpty(0).Max());
                bool logY = maxCount >= 30;
                double Hgt(int count) => count <= 0 ? 0 : Math.Max(2, logY ? PlotH * Math.Log10(1 + count) / Math.Log10(1 + maxCount) : PlotH * count / (double)maxCount);
                double baseY = T + PlotH;

                // candidate markers, staggered in up to three rows below the axis label so their numbers do not overlap
                var markers = new List<(ExfilCandidate C, double X, int Row)>();
                var rowsLast = new List<double>();
                // Triangles only for candidates with a detail section: 20,000 of them would hide the chart.
                foreach (var c in _marked.Where(c => _withSection.Contains(c)).OrderBy(c => c.ZIA_TotalMBSent))
                {
                    double x = X(c.ZIA_TotalMBSent);
                    int row = 0;
                    while (row < rowsLast.Count && x - rowsLast[row] < 22) row++;
                    if (row >= 3) row = 2;
                    if (row < rowsLast.Count) rowsLast[row] = x; else rowsLast.Add(x);
                    markers.Add((c, x, row));
                }
                double H = baseY + 44 + Math.Max(0, rowsLast.Count - 1) * 18 + 12;

                _h.Raw("<svg class=\"histogram\" role=\"img\"").Attr("viewBox", $"0 0 {N0(W)} {N0(H)}")
                  .Attr("data-scale", _logX ? "log" : "linear").Attr("data-users", _values.Length.ToString(Inv)).Line(">");
                _h.Raw("<title>").Text($"Distribution of ZIA_TotalMBSent over {_values.Length} users").Line("</title>");

                // y grid and labels
                var yTicks = logY
                    ? Enumerable.Range(0, 8).Select(k => (int)Math.Pow(10, k)).Where(t => t <= maxCount).ToList()
                    : new[] { 0, (int)Math.Ceiling(maxCount / 2.0), maxCount }.Distinct().ToList();
                foreach (int t in yTicks)
                {
                    double y = baseY - Hgt(t);
                    _h.Raw("<line class=\"gridline\"").Attr("x1", F(L)).Attr("x2", F(W - R)).Attr("y1", F(y)).Attr("y2", F(y)).Raw(" />");
                    _h.Raw("<text text-anchor=\"end\"").Attr("x", F(L - 6)).Attr("y", F(y + 4)).Raw(">").Text(t.ToString(Inv)).Line("</text>");
                }
                _h.Raw("<text").Attr("x", "4").Attr("y", F(T - 12)).Raw(">").Text(logY ? "users (log scale)" : "users").Line("</text>");

                // bars
                if (_logX && hasZero)
                {
                    double w = _zeroSlot * 0.8, x = L + (_zeroSlot - w) / 2, hh = Hgt(zeroCount);
                    _h.Raw("<rect").Attr("class", zeroHit ? "hbar hit" : "hbar").Attr("x", F(x)).Attr("y", F(baseY - hh)).Attr("width", F(w)).Attr("height", F(hh)).Raw(">")
                      .Raw("<title>").Text($"{zeroCount} users at 0 MB").Line("</title></rect>");
                }
                for (int i = 0; i < n; i++)
                {
                    if (counts[i] == 0) continue;
                    double x1 = X(edges[i]), x2 = X(edges[i + 1]);
                    double gap = Math.Min(1.5, (x2 - x1) * 0.15);
                    double hh = Hgt(counts[i]);
                    _h.Raw("<rect").Attr("class", hits[i] ? "hbar hit" : "hbar").Attr("x", F(x1 + gap / 2)).Attr("y", F(baseY - hh)).Attr("width", F(Math.Max(1, x2 - x1 - gap))).Attr("height", F(hh)).Raw(">")
                      .Raw("<title>").Text($"{counts[i]} user{(counts[i] == 1 ? "" : "s")}: {N(edges[i])}–{N(edges[i + 1])} MB").Line("</title></rect>");
                }
                _h.Raw("<line class=\"axis\"").Attr("x1", F(L)).Attr("x2", F(W - R)).Attr("y1", F(baseY)).Attr("y2", F(baseY)).Line(" />");

                // x ticks
                var xTicks = new List<double>();
                if (_logX)
                {
                    for (double t = _lo; t <= _hi * 1.0001; t *= 10) xTicks.Add(t);
                    if (hasZero) xTicks.Insert(0, 0);
                }
                else for (int k = 0; k <= 5; k++) xTicks.Add(_hi * k / 5);
                foreach (var t in xTicks)
                {
                    double x = X(t);
                    _h.Raw("<line class=\"axis\"").Attr("x1", F(x)).Attr("x2", F(x)).Attr("y1", F(baseY)).Attr("y2", F(baseY + 4)).Raw(" />");
                    _h.Raw("<text text-anchor=\"middle\"").Attr("x", F(x)).Attr("y", F(baseY + 16)).Raw(">").Text(N(t)).Line("</text>");
                }
                _h.Raw("<text text-anchor=\"middle\"").Attr("x", F(L + plotW / 2)).Attr("y", F(baseY + 32)).Raw(">")
                  .Text(_logX ? "ZIA_TotalMBSent per user, MB (log scale)" : "ZIA_TotalMBSent per user, MB").Line("</text>");

                // cut-off
                if (_cut.HasValue)
                {
                    double x = X(_cut.Value);
                    _h.Raw("<line class=\"cut\"").Attr("x1", F(x)).Attr("x2", F(x)).Attr("y1", F(T - 6)).Attr("y2", F(baseY)).Raw(">")
                      .Raw("<title>").Text($"z = {N(_s.ZScoreThreshold)} cut-off: mean {N(_s.BaselineMean)} MB + {N(_s.ZScoreThreshold)} × σ {N(_s.BaselineStdev)} MB = {N(_cut.Value)} MB").Line("</title></line>");
                    bool right = x < L + plotW * 0.7;
                    _h.Raw("<text class=\"cutlabel\"").Attr("x", F(right ? x + 6 : x - 6)).Attr("y", F(T - 12)).Attr("text-anchor", right ? "start" : "end").Raw(">")
                      .Text($"z = {N(_s.ZScoreThreshold)} cut-off: {N(_cut.Value)} MB").Line("</text>");
                }

                foreach (var (c, x, row) in markers)
                {
                    double y = baseY + 44 + row * 18;
                    _h.Raw("<g class=\"cand\"").Attr("data-user", c.UserName).Raw(">");
                    _h.Raw("<title>").Text($"{c.UserName}: {N(c.ZIA_TotalMBSent)} MB, z = {c.Zscore.ToString("0.00", Inv)}").Raw("</title>");
                    _h.Raw("<path class=\"marker\"").Attr("d", $"M{F(x)} {F(y - 8)} L{F(x - 5)} {F(y + 1)} L{F(x + 5)} {F(y + 1)} Z").Raw(" />");
                    _h.Raw("<text class=\"mlabel\"").Attr("x", F(x + 7)).Attr("y", F(y + 1)).Raw(">").Text(TableIndex(c)).Raw("</text>");
                    _h.Line("</g>");
                }
                _h.Line("</svg>");
                _h.Raw("<p class=\"legend\">").Raw("<span>").Text($"{_values.Length} users; mean {N(_s.BaselineMean)} MB, σ {N(_s.BaselineStdev)} MB.").Raw("</span>");
                if (_cut.HasValue) _h.Raw("<span>").Text($"Dashed red line: the z = {N(_s.ZScoreThreshold)} cut-off, mean + {N(_s.ZScoreThreshold)}σ = {N(_cut.Value)} MB.").Raw("</span>");
                else _h.Raw("<span>").Text("No cut-off: every user uploaded the same amount (σ = 0), so every Zscore is 0.").Raw("</span>");
                if (markers.Count > 0 && markers.Count == _marked.Count) _h.Raw("<span>").Text($"Red triangles: the candidates, numbered as in the table; red bars hold a candidate.").Raw("</span>");
                else if (_marked.Count > 0) _h.Raw("<span>").Text($"Red triangles: the {markers.Count} candidates with a detail section, numbered as in the table; red bars hold any of the {_marked.Count} candidates.").Raw("</span>");
                _h.Line("</p>");

                string TableIndex(ExfilCandidate c) => "#" + (_allIndex.TryGetValue(c, out var i) ? i : 0).ToString(Inv);
            }

            private readonly Dictionary<ExfilCandidate, int> _allIndex = new Dictionary<ExfilCandidate, int>();
            private readonly HashSet<ExfilCandidate> _withSection = new HashSet<ExfilCandidate>();

            public Histogram WithIndex(IList<ExfilCandidate> all, ISet<int> detailed)
            {
                for (int i = 0; i < all.Count; i++)
                {
                    if (!_allIndex.ContainsKey(all[i])) _allIndex[all[i]] = i + 1;
                    if (detailed.Contains(i)) _withSection.Add(all[i]);
                }
                return this;
            }

            private static int Bin(List<double> edges, double v)
            {
                int n = edges.Count - 1;
                for (int i = 0; i < n; i++) if (v <= edges[i + 1]) return i;
                return n - 1;
            }
        }

        // ------------------------------------------------------------------ formatting

        private static double CutOff(HuntSummary s) => s.BaselineMean + s.ZScoreThreshold * s.BaselineStdev;

        private static string SectionId(int i) => "candidate-" + (i + 1).ToString(Inv);

        private static string ModeText(string mode) =>
            string.IsNullOrEmpty(mode) ? "—" : mode;

        private static string ChannelText(ExfilChannel ch)
        {
            switch (ch)
            {
                case ExfilChannel.CloudStorage: return "Cloud storage";
                case ExfilChannel.CodeHosting: return "Code hosting";
                case ExfilChannel.Messaging: return "Messaging";
                case ExfilChannel.Webmail: return "Webmail";
                default: return "Other";
            }
        }

        private static string Stamp(DateTime t) =>
            t == default || t == DateTime.MinValue || t == DateTime.MaxValue ? "—" : HuntWindow.ToUtc(t).ToString("yyyy-MM-dd HH:mm 'UTC'", Inv);

        /// <summary>A number for people: thousands separated, at most two decimals.</summary>
        private static string N(double v)
        {
            if (double.IsNaN(v) || double.IsInfinity(v)) return "—";
            if (v != 0 && Math.Abs(v) < 0.01) return v.ToString("0.###", Inv);
            return v.ToString("#,0.##", Inv);
        }

        private static string N0(double v) => v.ToString("0", Inv);

        /// <summary>"1 request", "45 requests".</summary>
        private static string Count(long n, string noun) => N(n) + " " + noun + (n == 1 ? "" : "s");

        /// <summary>An SVG coordinate.</summary>
        private static string F(double v) => v.ToString("0.##", Inv);

        private static double NiceCeiling(double v)
        {
            if (v <= 0) return 1;
            double p = Math.Pow(10, Math.Floor(Math.Log10(v)));
            foreach (double m in new[] { 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 })
                if (m * p >= v - 1e-12) return m * p;
            return 10 * p;
        }
    }
}
