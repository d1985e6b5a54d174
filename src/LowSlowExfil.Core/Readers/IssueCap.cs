using System;
using System.Collections.Generic;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// The issues of one file as the host sees them: the first <see cref="ReadContext.MaxIssuesPerFile"/> in full, in
    /// file order; past that only counted, by reason, and told as one closing issue. A file of ten million bad lines
    /// then costs the host a screenful and the reader a few counters, not gigabytes of held errors.
    /// </summary>
    internal sealed class IssueCap
    {
        private readonly Action<ReadIssue> _onIssue;
        private readonly int _limit;
        private readonly Dictionary<string, long> _unshown = new Dictionary<string, long>(StringComparer.Ordinal);
        private int _shown;
        private long _unshownTotal;

        public IssueCap(Action<ReadIssue> onIssue, int limit)
        {
            _onIssue = onIssue;
            _limit = Math.Max(0, limit);
        }

        /// <summary>True once the host has been told as many issues as it will be: later ones are only counted.</summary>
        public bool Full => _shown >= _limit;

        public void Report(ReadIssue issue)
        {
            if (issue.Line == 0 || _shown < _limit)
            {
                // A file-level issue (the file cannot be read past some point) is always told.
                if (issue.Line > 0) _shown++;
                _onIssue?.Invoke(issue);
                return;
            }
            Count(Kind(issue.Reason), 1);
        }

        /// <summary>Issues a parallel range found past its own cap: only their number and kind are known.</summary>
        public void CountUnshown(IEnumerable<KeyValuePair<string, long>> byKind)
        {
            foreach (var kv in byKind) Count(kv.Key, kv.Value);
        }

        private void Count(string kind, long n)
        {
            _unshownTotal += n;
            _unshown[kind] = _unshown.TryGetValue(kind, out long c) ? c + n : n;
        }

        /// <summary>After the file: one issue saying how many more records were skipped and why, if any were not shown.</summary>
        public void Finish(string file)
        {
            if (_unshownTotal == 0) return;
            var kinds = new List<KeyValuePair<string, long>>(_unshown);
            kinds.Sort((a, b) => b.Value != a.Value ? b.Value.CompareTo(a.Value) : string.CompareOrdinal(a.Key, b.Key));
            var parts = new List<string>();
            for (int i = 0; i < kinds.Count && i < 3; i++) parts.Add($"{kinds[i].Value:N0} {kinds[i].Key}");
            if (kinds.Count > 3) parts.Add("others");
            _onIssue?.Invoke(new ReadIssue(file, 0, 0,
                $"... and {_unshownTotal:N0} more records could not be read ({string.Join("; ", parts)}); only the first {_limit} are reported one by one")
            { Unshown = _unshownTotal });
        }

        /// <summary>
        /// What a reason says with its quoted values left out ("TimeGenerated '…' is not a timestamp"), so that records
        /// skipped for the same reason count together.
        /// </summary>
        internal static string Kind(string reason)
        {
            if (string.IsNullOrEmpty(reason)) return "";
            var sb = new System.Text.StringBuilder(Math.Min(reason.Length, 120));
            bool quoted = false;
            foreach (char c in reason)
            {
                if (c == '\'')
                {
                    quoted = !quoted;
                    sb.Append(quoted ? "'…" : "'");
                    continue;
                }
                if (quoted) continue;
                // Numbers vary too ("has 3 fields", "opened on line 12").
                if (c >= '0' && c <= '9') { if (sb.Length == 0 || sb[sb.Length - 1] != 'N') sb.Append('N'); continue; }
                sb.Append(c);
                if (sb.Length >= 120) break;
            }
            return sb.ToString();
        }
    }
}
