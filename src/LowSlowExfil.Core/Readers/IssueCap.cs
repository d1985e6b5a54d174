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
        private readonly Action<ReadIssue>? _onIssue;
        private readonly int _limit;
        private readonly UnshownIssues _unshown = new UnshownIssues();
        private int _shown;

        public IssueCap(Action<ReadIssue>? onIssue, int limit)
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
            _unshown.Add(issue.Reason);
        }

        /// <summary>Issues a parallel range found past its own cap: only their number and kind are known.</summary>
        public void CountUnshown(UnshownIssues more) => _unshown.Add(more);

        /// <summary>After the file: one issue saying how many more records were skipped and why, if any were not shown.</summary>
        public void Finish(string file)
        {
            if (_unshown.Total == 0) return;
            _onIssue?.Invoke(new ReadIssue(file, 0, 0,
                $"... and {_unshown.Total:N0} more records could not be read ({_unshown.Describe()}); only the first {_limit} are reported one by one")
            { Unshown = _unshown.Total });
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
