using System;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Why some JSON was refused, in words for the analyst at the console. System.Text.Json's own texts are written for
    /// the programmer holding the reader ("… not supported in this mode. Change the reader options. LineNumber: 4 |
    /// BytePositionInLine: 2."): the analyst has no reader options, and counts lines from 1.
    /// </summary>
    public static class JsonErrorText
    {
        private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.Singleline;

        // The library's texts (its resource strings, English whatever the culture), each with the plain reason. A text
        // not listed keeps the library's first sentence, without its position and advice to programmers.
        private static readonly (Regex Text, Func<Match, string> Reason)[] Reasons =
        {
            (new Regex(@"^The JSON array contains a trailing comma", Options), m => "a trailing comma before ']'"),
            (new Regex(@"^The JSON object contains a trailing comma", Options), m => "a trailing comma before '}'"),
            (new Regex(@"^'(?<c>.*?)' is invalid after a value\. Expected either", Options),
                m => $"'{Shown(m.Groups["c"].Value)}' after a value, where a comma or a closing bracket should be (a missing comma?)"),
            (new Regex(@"^'(?<c>.*?)' is invalid after a property name\. Expected a ':'", Options),
                m => $"'{Shown(m.Groups["c"].Value)}' after a property name, where ':' and a value should be"),
            (new Regex(@"^'(?<c>.*?)' is an invalid start of a property name\. Expected a '""'", Options),
                m => $"'{Shown(m.Groups["c"].Value)}' where a property name in double quotes should be{Hint(Shown(m.Groups["c"].Value))}"),
            (new Regex(@"^'(?<c>.*?)' is an invalid start of a property name or value, after a comment", Options),
                m => "a comment (JSON has none)"),
            (new Regex(@"^'(?<c>.*?)' is an invalid start of a value", Options),
                m => $"'{Shown(m.Groups["c"].Value)}' cannot start a value{Hint(Shown(m.Groups["c"].Value))}"),
            (new Regex(@"^'(?<c>.*?)' is an invalid JSON literal\. Expected the literal '(?<l>\w+)'", Options),
                m => $"'{Shown(m.Groups["c"].Value)}' is not a JSON value ({m.Groups["l"].Value} was expected)"),
            (new Regex(@"^'(?<c>.*?)' is invalid within a JSON string", Options),
                m => $"a control character ({Shown(m.Groups["c"].Value)}) inside a string, where JSON needs it escaped"),
            (new Regex(@"^'(?<c>.*?)' is an invalid escapable character within a JSON string", Options),
                m => $"'\\{Shown(m.Groups["c"].Value)}' inside a string is not a JSON escape (a backslash is written '\\\\')"),
            (new Regex(@"^'(?<c>.*?)' is not a hex digit following '\\u'", Options),
                m => $"'{Shown(m.Groups["c"].Value)}' after '\\u' inside a string, where four hex digits should be"),
            (new Regex(@"^Invalid leading zero before '(?<c>.*?)'", Options),
                m => $"a number with a leading zero (0 before '{Shown(m.Groups["c"].Value)}')"),
            // The library says "'2' is an invalid end of a number" also when the text simply stops after the 2.
            (new Regex(@"^'(?<c>[0-9])' is an invalid end of a number", Options), m => "the text ends before its objects and arrays are closed"),
            (new Regex(@"^'(?<c>.*?)' is (?:invalid within a number|an invalid end of a number)", Options),
                m => $"a number broken by '{Shown(m.Groups["c"].Value)}'"),
            (new Regex(@"^Expected a digit \('0'-'9'\), but instead reached end of data", Options), m => "the text ends inside a number"),
            (new Regex(@"^Expected end of string, but instead reached end of data", Options), m => "a string is not closed (a '\"' is missing)"),
            (new Regex(@"^(?:Expected start of a property name or value|Expected a value), but instead reached end of data", Options),
                m => "the text ends before its objects and arrays are closed"),
            (new Regex(@"^Expected depth to be zero at the end of the JSON payload", Options),
                m => "the text ends before its objects and arrays are closed"),
            (new Regex(@"^'(?<c>.*?)' is invalid without a matching open", Options),
                m => $"'{Shown(m.Groups["c"].Value)}' closes a bracket that was never opened"),
            (new Regex(@"^'(?<c>.*?)' is invalid after a single JSON value", Options),
                m => $"'{Shown(m.Groups["c"].Value)}' after the end of the JSON value (two values run together?)"),
            (new Regex(@"^The maximum configured depth of (?<n>\d+) has been exceeded", Options),
                m => $"objects or arrays nested more than {m.Groups["n"].Value} deep"),
            (new Regex(@"^The input does not contain any (?:complete )?JSON tokens", Options), m => "no JSON in it"),
        };

        private static readonly Regex LibraryPosition = new Regex(@"\s*(?:Path: \S*\s*\|\s*)?LineNumber: \d+ \| BytePositionInLine: \d+\.?\s*$", Options);

        /// <summary>
        /// "not valid JSON at line 6, byte 3: a trailing comma before '}'" for a record whose first byte is at
        /// <paramref name="firstLine"/> (1-based) and <paramref name="firstColumn"/> bytes into that line.
        /// </summary>
        public static string NotValid(JsonException e, long firstLine, long firstColumn)
        {
            if (e == null) throw new ArgumentNullException(nameof(e));
            return NotValid(e.Message, e.LineNumber, e.BytePositionInLine, firstLine, firstColumn);
        }

        /// <summary>
        /// The same from the exception's parts: the workspace engine runs in its own load context with its own
        /// System.Text.Json, whose JsonException is not this assembly's type, so only text and numbers cross.
        /// </summary>
        public static string NotValid(string message, long? lineNumber, long? bytePositionInLine, long firstLine, long firstColumn)
        {
            string at = "";
            if (lineNumber.HasValue && bytePositionInLine.HasValue)
            {
                long line = firstLine + lineNumber.Value;
                // The library counts from 0, and within the record: on its first line the record may not start the line.
                long column = bytePositionInLine.Value + 1 + (lineNumber.Value == 0 ? Math.Max(0, firstColumn) : 0);
                at = string.Format(CultureInfo.InvariantCulture, " at line {0}, byte {1}", line, column);
            }
            return "not valid JSON" + at + ": " + Reason(message);
        }

        /// <summary>"AuditData is not valid JSON (byte 17): …" for JSON held in a cell or a string of its own.</summary>
        public static string NotValidIn(string what, JsonException e)
        {
            if (e == null) throw new ArgumentNullException(nameof(e));
            string at = "";
            if (e.LineNumber.HasValue && e.BytePositionInLine.HasValue)
                at = e.LineNumber.Value == 0
                    ? string.Format(CultureInfo.InvariantCulture, " (byte {0})", e.BytePositionInLine.Value + 1)
                    : string.Format(CultureInfo.InvariantCulture, " (line {0}, byte {1})", e.LineNumber.Value + 1, e.BytePositionInLine.Value + 1);
            return what + " is not valid JSON" + at + ": " + Reason(e);
        }

        /// <summary>The reason alone, without a position.</summary>
        public static string Reason(JsonException e) => Reason(e?.Message);

        /// <summary>The reason alone, from a System.Text.Json message.</summary>
        public static string Reason(string? message)
        {
            string text = LibraryPosition.Replace(message ?? "", "").Trim();
            foreach (var (pattern, reason) in Reasons)
            {
                var m = pattern.Match(text);
                if (m.Success) return reason(m);
            }
            // Unknown text: its first sentence, which says what was found; the rest speaks to programmers.
            int stop = text.IndexOf(". ", StringComparison.Ordinal);
            text = stop > 0 ? text.Substring(0, stop) : text.TrimEnd('.');
            return text.Length == 0 ? "the JSON cannot be read" : Shown(text, 200);
        }

        /// <summary>
        /// What the file held, as the library quoted it, safe for a console: a broken literal is quoted raw ('tr␛[31m}'),
        /// so control characters are written as 0x1B and a long stretch is cut.
        /// </summary>
        private static string Shown(string found, int max = 40)
        {
            var sb = new System.Text.StringBuilder(Math.Min(found.Length, max + 8));
            foreach (char c in found)
            {
                if (sb.Length >= max) { sb.Append('…'); break; }
                if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) sb.Append("0x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
                else sb.Append(c);
            }
            return sb.ToString();
        }

        private static string Hint(string found)
        {
            switch (found)
            {
                case "'": return " (JSON puts text in double quotes)";
                case "/": return " (JSON has no comments)";
                case "N":
                case "I": return " (NaN and Infinity are not JSON numbers; text needs double quotes)";
                default:
                    return found.Length == 1 && char.IsLetter(found[0]) ? " (text needs double quotes)" : "";
            }
        }
    }
}
