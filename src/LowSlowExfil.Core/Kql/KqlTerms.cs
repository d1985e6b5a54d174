using System;
using System.Collections.Generic;

namespace LowSlowExfil.Kql
{
    /// <summary>
    /// Kusto's <c>has</c> / <c>has_any</c>: whole-term, ASCII-case-insensitive matching (SPEC §2).
    /// A term character is ASCII [0-9A-Za-z]; everything else separates terms.
    /// </summary>
    public static class KqlTerms
    {
        public static bool IsTermChar(char c) =>
            (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

        /// <summary><c>left has right</c>.</summary>
        public static bool Has(string left, string right)
        {
            if (string.IsNullOrEmpty(left) || string.IsNullOrEmpty(right) || right.Length > left.Length)
                return false;
            bool firstIsTerm = IsTermChar(right[0]);
            bool lastIsTerm = IsTermChar(right[right.Length - 1]);
            int last = left.Length - right.Length;
            for (int i = 0; i <= last; i++)
            {
                if (!EqualsAsciiIgnoreCaseAt(left, i, right)) continue;
                bool startOk = i == 0 || !firstIsTerm || !IsTermChar(left[i - 1]);
                int end = i + right.Length;
                bool endOk = end == left.Length || !lastIsTerm || !IsTermChar(left[end]);
                if (startOk && endOk) return true;
            }
            return false;
        }

        /// <summary><c>left has_any (terms)</c>.</summary>
        public static bool HasAny(string left, IReadOnlyList<string> terms)
        {
            for (int i = 0; i < terms.Count; i++)
                if (Has(left, terms[i])) return true;
            return false;
        }

        private static bool EqualsAsciiIgnoreCaseAt(string s, int offset, string value)
        {
            for (int j = 0; j < value.Length; j++)
                if (AsciiLower(s[offset + j]) != AsciiLower(value[j])) return false;
            return true;
        }

        private static char AsciiLower(char c) => c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
}
