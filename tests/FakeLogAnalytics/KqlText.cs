using System;
using System.Collections.Generic;
using System.Text;

namespace FakeLogAnalytics
{
    /// <summary>A KQL string literal found in query text: where it is, its source text and its decoded value.</summary>
    public sealed class KqlStringLiteral
    {
        public KqlStringLiteral(int index, int start, int length, string raw, string value)
        {
            Index = index;
            Start = start;
            Length = length;
            Raw = raw;
            Value = value;
        }

        public int Index { get; }
        public int Start { get; }
        public int Length { get; }
        public string Raw { get; }
        public string Value { get; }
    }

    /// <summary>
    /// Enough of KQL's lexical rules to tell literals from query structure: "…" and '…' with backslash escapes,
    /// verbatim @"…" and @'…' (a doubled quote inside), and // comments to the end of the line.
    /// </summary>
    public static class KqlText
    {
        /// <summary>Every string literal of the query, in order.</summary>
        public static List<KqlStringLiteral> Literals(string query)
        {
            Scan(query, out var literals);
            return literals;
        }

        /// <summary>
        /// The query with each string literal replaced by <c>$N</c> (N its index in <see cref="Literals"/>) and
        /// comments removed: what is left is the query's structure.
        /// </summary>
        public static string Mask(string query) => Scan(query, out _);

        /// <summary>The stages of the masked query: lines starting with '|' (pipes inside literals do not count).</summary>
        public static List<string> Stages(string query)
        {
            var list = new List<string>();
            foreach (string line in Mask(query).Split('\n'))
                if (line.TrimStart().StartsWith("|", StringComparison.Ordinal)) list.Add(line.Trim());
            return list;
        }

        private static string Scan(string q, out List<KqlStringLiteral> literals)
        {
            literals = new List<KqlStringLiteral>();
            var masked = new StringBuilder(q.Length);
            int i = 0;
            while (i < q.Length)
            {
                char c = q[i];
                if (c == '/' && i + 1 < q.Length && q[i + 1] == '/')
                {
                    while (i < q.Length && q[i] != '\n') i++;
                    continue;
                }
                bool verbatim = c == '@' && i + 1 < q.Length && (q[i + 1] == '"' || q[i + 1] == '\'');
                if (c == '"' || c == '\'' || verbatim)
                {
                    int start = i;
                    char quote = verbatim ? q[i + 1] : c;
                    i += verbatim ? 2 : 1;
                    var value = new StringBuilder();
                    bool closed = false;
                    while (i < q.Length)
                    {
                        char d = q[i];
                        if (verbatim)
                        {
                            if (d == quote)
                            {
                                if (i + 1 < q.Length && q[i + 1] == quote) { value.Append(quote); i += 2; continue; }
                                i++;
                                closed = true;
                                break;
                            }
                            value.Append(d);
                            i++;
                            continue;
                        }
                        if (d == '\\' && i + 1 < q.Length)
                        {
                            char e = q[i + 1];
                            switch (e)
                            {
                                case 'n': value.Append('\n'); break;
                                case 'r': value.Append('\r'); break;
                                case 't': value.Append('\t'); break;
                                case '\\': value.Append('\\'); break;
                                case '"': value.Append('"'); break;
                                case '\'': value.Append('\''); break;
                                default: value.Append('\\').Append(e); break;
                            }
                            i += 2;
                            continue;
                        }
                        if (d == '\n' || d == '\r') break;   // a plain literal never spans lines
                        if (d == quote)
                        {
                            i++;
                            closed = true;
                            break;
                        }
                        value.Append(d);
                        i++;
                    }
                    if (!closed) throw new FormatException($"Unterminated string literal at position {start}.");
                    masked.Append('$').Append(literals.Count);
                    literals.Add(new KqlStringLiteral(literals.Count, start, i - start, q.Substring(start, i - start), value.ToString()));
                    continue;
                }
                masked.Append(c);
                i++;
            }
            return masked.ToString();
        }
    }
}
