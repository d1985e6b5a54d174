using System.Collections;
using System.Reflection;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// One canonical text for a hunt's results, shared by every test that holds two paths to the same answer (files
    /// against events, workspace against files): each value in invariant culture (doubles round-trip, times ISO 8601,
    /// strings JSON-quoted), each object's public properties by name, each map by key (ordinal), sequences in their
    /// order. Two files kept their own copies before and drifted (one sorted map keys, the other not).
    /// </summary>
    internal static class ResultDump
    {
        /// <summary>One value, canonically.</summary>
        public static string Of(object o)
        {
            switch (o)
            {
                case null: return "null";
                case string s: return JsonSerializer.Serialize(s);
                case double d: return d.ToString("R", CultureInfo.InvariantCulture);
                case DateTime t: return t.ToString("O", CultureInfo.InvariantCulture);
                case Enum en: return en.ToString();
                case IFormattable f when o.GetType().IsPrimitive: return f.ToString(null, CultureInfo.InvariantCulture);
                case IDictionary dict:
                    return Map(dict.Keys.Cast<object>().Select(k => new KeyValuePair<object, object>(k, dict[k])));
                case IEnumerable seq when KeyValueType(o.GetType()) is Type kv:
                {
                    // A read-only map (IReadOnlyDictionary and the like): its pairs, by key.
                    var key = kv.GetProperty("Key");
                    var value = kv.GetProperty("Value");
                    return Map(seq.Cast<object>().Select(p => new KeyValuePair<object, object>(key.GetValue(p), value.GetValue(p))));
                }
                case IEnumerable seq:
                {
                    var sb = new StringBuilder("[");
                    foreach (var x in seq) sb.Append(Of(x)).Append(',');
                    return sb.Append(']').ToString();
                }
                default:
                {
                    var sb = new StringBuilder(o.GetType().Name).Append('{');
                    foreach (var p in o.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                                 .Where(p => p.GetIndexParameters().Length == 0).OrderBy(p => p.Name, StringComparer.Ordinal))
                        sb.Append(p.Name).Append('=').Append(Of(p.GetValue(o))).Append(';');
                    return sb.Append('}').ToString();
                }
            }
        }

        /// <summary>A hunt as lines: its summary, then each candidate with its upload and sharing profiles.</summary>
        public static List<string> Lines(ScoreResult r)
        {
            var lines = new List<string> { "summary " + Of(r.Summary) };
            foreach (var c in r.All)
            {
                lines.Add(Of(c));
                lines.Add("  upload " + Of(c.GetUploadProfile()));
                lines.Add("  sharing " + Of(c.GetSharingProfile()));
            }
            return lines;
        }

        /// <summary>Two dumps line by line, failing at the first line that differs (a whole-text diff is unreadable).</summary>
        public static void AssertSame(IReadOnlyList<string> expected, IReadOnlyList<string> actual, string what, int atLeast)
        {
            Assert.True(expected.Count > atLeast, what + ": baseline too small");
            for (int i = 0; i < Math.Min(expected.Count, actual.Count); i++)
                if (expected[i] != actual[i]) Assert.Fail($"{what}: line {i} differs\n expected: {expected[i]}\n actual:   {actual[i]}");
            Assert.Equal(expected.Count, actual.Count);
        }

        private static string Map(IEnumerable<KeyValuePair<object, object>> pairs)
        {
            var sb = new StringBuilder("{");
            foreach (var kv in pairs.OrderBy(kv => Convert.ToString(kv.Key, CultureInfo.InvariantCulture), StringComparer.Ordinal))
                sb.Append(Of(kv.Key)).Append(':').Append(Of(kv.Value)).Append(',');
            return sb.Append('}').ToString();
        }

        private static Type KeyValueType(Type t)
        {
            foreach (var i in t.GetInterfaces().Append(t))
                if (i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))
                {
                    var e = i.GetGenericArguments()[0];
                    if (e.IsGenericType && e.GetGenericTypeDefinition() == typeof(KeyValuePair<,>)) return e;
                }
            return null;
        }
    }
}
