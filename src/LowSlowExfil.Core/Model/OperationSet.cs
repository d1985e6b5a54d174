using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace LowSlowExfil
{
    /// <summary>
    /// The rule's <c>make_set(Operation, 10)</c>: distinct values in ordinal order. It stays a collection in the
    /// pipeline, and its ToString() is the JSON array a Sentinel export writes (<c>["SharingSet","FileDownloaded"]</c>),
    /// which is what Export-Csv and string conversion see, never <c>System.String[]</c>.
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

        public bool Equals(OperationSet other) => other != null && _items.SequenceEqual(other._items, StringComparer.Ordinal);
        public override bool Equals(object obj) => Equals(obj as OperationSet);
        public override int GetHashCode() => _items.Aggregate(17, (h, s) => h * 31 + StringComparer.Ordinal.GetHashCode(s));
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
