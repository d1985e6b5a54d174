using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace LowSlowExfil.Kql
{
    /// <summary>
    /// KQL literals for values that come from users (domains, names). The Log Analytics API has no query
    /// parameters, so every such value is emitted as a complete, escaped string literal and never spliced into
    /// another literal or into query text.
    /// </summary>
    public static class KqlLiteral
    {
        /// <summary>
        /// A double-quoted KQL string literal with \" \\ \r \n \t escaped. Other control characters have no KQL
        /// escape and no place in a user or domain name: they are refused rather than passed through.
        /// </summary>
        public static string String(string value)
        {
            if (value == null) return "\"\"";
            var sb = new StringBuilder(value.Length + 2).Append('"');
            foreach (char c in value)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < 0x20 || c == 0x7F)
                            throw new ArgumentException($"The value contains the control character U+{(int)c:X4}, which a KQL string literal cannot hold.", nameof(value));
                        sb.Append(c);
                        break;
                }
            }
            return sb.Append('"').ToString();
        }

        /// <summary>A parenthesised list of string literals: ("a", "b").</summary>
        public static string List(IEnumerable<string> values) => "(" + string.Join(", ", values.Select(String)) + ")";

        /// <summary>A dynamic array of string literals: dynamic(["a", "b"]).</summary>
        public static string DynamicArray(IEnumerable<string> values) => "dynamic([" + string.Join(", ", values.Select(String)) + "])";

        /// <summary>datetime(2026-11-01T00:00:00.0000000Z)</summary>
        public static string DateTime(System.DateTime utc) =>
            "datetime(" + utc.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) + ")";

        /// <summary>
        /// A real literal in invariant form. NaN and ±Infinity have none: written as they print, Kusto reads them as
        /// column names and refuses the query (KS142), so they are refused here.
        /// </summary>
        public static string Real(double value)
        {
            if (double.IsNaN(value) || double.IsInfinity(value))
                throw new ArgumentException($"The number {value.ToString(CultureInfo.InvariantCulture)} cannot be written into a query: a threshold must be a finite number.", nameof(value));
            return value.ToString("R", CultureInfo.InvariantCulture);
        }

        public static string Long(long value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
