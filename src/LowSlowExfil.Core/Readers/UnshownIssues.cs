using System;
using System.Collections.Generic;

namespace LowSlowExfil.Readers
{
    /// <summary>Issues not told one by one: how many of each kind, with the first of each as an example.</summary>
    internal sealed class UnshownIssues
    {
        private readonly Dictionary<string, Tally> _kinds = new Dictionary<string, Tally>(StringComparer.Ordinal);

        private sealed class Tally
        {
            public long Count;
            public string Example = string.Empty;
        }

        public long Total { get; private set; }

        public void Add(string reason)
        {
            string kind = IssueCap.Kind(reason);
            if (!_kinds.TryGetValue(kind, out var t)) _kinds.Add(kind, t = new Tally { Example = reason });
            t.Count++;
            Total++;
        }

        public void Add(UnshownIssues other)
        {
            foreach (var kv in other._kinds)
            {
                if (!_kinds.TryGetValue(kv.Key, out var t)) _kinds.Add(kv.Key, t = new Tally { Example = kv.Value.Example });
                t.Count += kv.Value.Count;
            }
            Total += other.Total;
        }

        public void Clear()
        {
            _kinds.Clear();
            Total = 0;
        }

        /// <summary>The three commonest kinds: "9,999,900 like 'has 1 fields where the header has 6'; …".</summary>
        public string Describe()
        {
            var kinds = new List<Tally>(_kinds.Values);
            kinds.Sort((a, b) => b.Count != a.Count ? b.Count.CompareTo(a.Count) : string.CompareOrdinal(a.Example, b.Example));
            var parts = new List<string>();
            for (int i = 0; i < kinds.Count && i < 3; i++) parts.Add($"{kinds[i].Count:N0} like \"{(kinds[i].Example.Length <= 120 ? kinds[i].Example : kinds[i].Example.Substring(0, 117) + "...")}\"");
            if (kinds.Count > 3) parts.Add("others");
            return string.Join("; ", parts);
        }
    }
}
