using System.IO;
using static LowSlowExfil.Reporting.ReportFormat;

namespace LowSlowExfil.Reporting
{
    /// <summary>A writer that escapes everything unless told not to, straight to the output (no copy of the page in memory).</summary>
    internal sealed class HtmlWriter
    {
        private readonly TextWriter _w;
        public HtmlWriter(TextWriter w) { _w = w; }
        public HtmlWriter Raw(string s) { _w.Write(s); return this; }
        public HtmlWriter Text(string? s) { _w.Write(NeedsEscape(s) ? HtmlReport.Escape(s) : s); return this; }
        public HtmlWriter Line(string s) { _w.Write(s); _w.Write('\n'); return this; }
        public HtmlWriter Attr(string name, string? value) { _w.Write(' '); _w.Write(name); _w.Write("=\""); Text(value); _w.Write('"'); return this; }
        public HtmlWriter Num(double v) { _w.Write(N(v)); return this; }

        private static bool NeedsEscape(string? s)
        {
            if (s == null) return false;
            foreach (char c in s)
                if (c < 0x20 || c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' || (c >= 0x7F && c <= 0x9F) || char.IsSurrogate(c) || c >= '\uFFFE') return true;
            return false;
        }
    }
}
