using System;
using System.Collections;
using System.Collections.Generic;

namespace LowSlowExfil
{
    /// <summary>
    /// Nested rows on a profile (days, destinations). A collection in the pipeline; as text (Export-Csv,
    /// string conversion) only a count, so a CSV cell never reads <c>System.Object[]</c>.
    /// </summary>
    public sealed class RowList<T> : IReadOnlyList<T>
    {
        public static readonly RowList<T> Empty = new RowList<T>(Array.Empty<T>());
        private readonly T[] _rows;

        public RowList(T[] rows) { _rows = WithoutNulls(rows ?? Array.Empty<T>()); }

        // Rows a script built (an array with gaps) may hold nulls: they carry nothing, and every reader of a row expects one.
        private static T[] WithoutNulls(T[] rows)
        {
            foreach (var r in rows)
                if (r == null) return Array.FindAll(rows, x => x != null);
            return rows;
        }

        public int Count => _rows.Length;
        public T this[int index] => _rows[index];
        public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_rows).GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => _rows.GetEnumerator();
        public override string ToString() => _rows.Length == 1 ? "1 row" : _rows.Length + " rows";
    }
}
