using System;
using System.Collections.Generic;
using System.Linq;
using LowSlowExfil.Kql;
using LowSlowExfil.Rule;
using static LowSlowExfil.Reporting.ReportFormat;

namespace LowSlowExfil.Reporting
{
    /// <summary>A candidate's upload volume on every UTC day of the window, as SVG bars (weekends shaded, empty days as grey ticks).</summary>
    internal sealed class DailyChart
    {
        private readonly HtmlWriter _h;

        public DailyChart(HtmlWriter h) { _h = h; }

        public void Render(ExfilCandidate c, ZiaUploadProfile? upload, DateTime ws, DateTime we)
        {
            var daily = upload?.DailyUploads ?? RowList<ZiaDailyUpload>.Empty;
            var byDay = new Dictionary<DateTime, ZiaDailyUpload>();
            foreach (var d in daily) byDay[KqlMath.BinDay(HuntWindow.ToUtc(d.Day))] = d;
            var days = HtmlReport.WindowDays(ws, we, byDay.Keys);
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
    }

    /// <summary>The population's ZIA_TotalMBSent as a histogram, log-scaled when it spans decades.</summary>
    internal sealed class PopulationHistogram
    {
        private const double W = 1100, L = 56, R = 16, T = 34, PlotH = 190;
        private readonly HtmlWriter _h;
        private readonly HuntSummary _s;
        private readonly double[] _values;
        private readonly List<ExfilCandidate> _marked;
        private readonly double? _cut;
        private bool _logX;
        private double _lo, _hi, _zeroSlot;

        public PopulationHistogram(HtmlWriter h, HuntSummary s, double[] values, List<ExfilCandidate> candidates)
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

        public PopulationHistogram WithIndex(IList<ExfilCandidate> all, ISet<int> detailed)
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
}
