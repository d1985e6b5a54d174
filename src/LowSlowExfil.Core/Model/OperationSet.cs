using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace LowSlowExfil
{
    /// <summary>
    /// The rule's <c>make_set(Operation, 10)</c>: distinct values in ordinal order. It stays a collection in the
    /// pipeline, and its ToString() is the JSON array a Sentinel export writes (<c>["FileDownloaded","SharingSet"]</c>),
    /// which is what Export-Csv writes, never <c>System.String[]</c>. (PowerShell's own [string] cast joins any
    /// collection with spaces, as it does for arrays.)
    /// </summary>
    public sealed class OperationSet : IReadOnlyList<string>, IEquatable<OperationSet>
    {
        private readonly string[] _items;

        public static readonly OperationSet Empty = new OperationSet(Array.Empty<string>());

        public OperationSet(IEnumerable<string> items)
        {
            _items = (items ?? Enumerable.Empty<string>()).Where(s => s != null).Distinct(StringComparer.Ordinal)
                .OrderBy(s => s, StringComparer.Ordinal).ToArray();
        }

        public int Count => _items.Length;
        public string this[int index] => _items[index];
        public bool Contains(string operation) => Array.IndexOf(_items, operation) >= 0;
        public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)_items).GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

        public override string ToString()
        {
            var sb = new StringBuilder("[");
            for (int i = 0; i < _items.Length; i++)
            {
                if (i > 0) sb.Append(',');
                JsonText.AppendString(sb, _items[i]);
            }
            return sb.Append(']').ToString();
        }

        public bool Equals(OperationSet? other) => other != null && _items.SequenceEqual(other._items, StringComparer.Ordinal);
        public override bool Equals(object? obj) => Equals(obj as OperationSet);
        public override int GetHashCode() => _items.Aggregate(17, (h, s) => h * 31 + StringComparer.Ordinal.GetHashCode(s));
    }

    /// <summary>
    /// Events per operation (ordinal order). A dictionary in the pipeline; as text (Export-Csv, string conversion)
    /// a JSON object such as <c>{"FileDownloaded":1,"SharingSet":3}</c>, never the .NET type name.
    /// </summary>
    public sealed class OperationCountMap : SortedDictionary<string, long>
    {
        public OperationCountMap() : base(StringComparer.Ordinal) { }

        public OperationCountMap(IDictionary<string, long> counts) : base(counts ?? new Dictionary<string, long>(), StringComparer.Ordinal) { }

        public override string ToString()
        {
            var sb = new StringBuilder("{");
            bool first = true;
            foreach (var kv in this)
            {
                if (!first) sb.Append(',');
                first = false;
                JsonText.AppendString(sb, kv.Key);
                sb.Append(':').Append(kv.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            return sb.Append('}').ToString();
        }
    }

    internal static class JsonText
    {
        /// <summary>Appends a JSON string literal.</summary>
        public static void AppendString(StringBuilder sb, string s)
        {
            sb.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4"));
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }
    }
}
