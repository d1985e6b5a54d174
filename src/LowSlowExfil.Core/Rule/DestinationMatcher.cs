using System;
using System.Collections.Generic;
using System.Linq;
using LowSlowExfil.Kql;

namespace LowSlowExfil.Rule
{
    /// <summary>Decides whether a destination host is one of the exfiltration domains.</summary>
    public abstract class DestinationMatcher
    {
        protected DestinationMatcher(IEnumerable<string> domains)
        {
            if (domains == null) throw new ArgumentNullException(nameof(domains));
            Domains = domains.Where(d => !string.IsNullOrWhiteSpace(d)).Select(d => d.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
            if (Domains.Count == 0) throw new ArgumentException("At least one exfiltration domain is required.", nameof(domains));
        }

        public IReadOnlyList<string> Domains { get; }

        public abstract bool IsMatch(string host);

        public static DestinationMatcher Create(IEnumerable<string> domains, bool kqlCompatible) =>
            kqlCompatible ? new TermMatcher(domains) : (DestinationMatcher)new DomainSuffixMatcher(domains);

        /// <summary>The rule as written: <c>DestinationHostName has_any (ExfilDomains)</c>.</summary>
        public sealed class TermMatcher : DestinationMatcher
        {
            public TermMatcher(IEnumerable<string> domains) : base(domains) { }
            public override bool IsMatch(string host) => KqlTerms.HasAny(host, Domains);
        }

        /// <summary>
        /// The rule's intent: the host, lower-cased, without a trailing dot or <c>:port</c>, equals a listed
        /// domain or is a subdomain of one; and, as the KQL's term-indexed pre-filter
        /// (<c>DestinationHostName has_any (ExfilDomains)</c>) requires, the raw host has one of the domains as a term.
        /// For host names of ASCII letters the second follows from the first; it only tells apart hosts whose
        /// non-ASCII letters lower-case to ASCII ones (the Kelvin sign K, the dotted İ), which the workspace drops
        /// unseen: the file path drops them too, so both read the same.
        /// </summary>
        public sealed class DomainSuffixMatcher : DestinationMatcher
        {
            /// <summary>The most labels a domain may have (a DNS name has at most 127); the KQL counts them in a regex.</summary>
            public const int MaxLabels = 127;

            private readonly HashSet<string> _domains;

            public DomainSuffixMatcher(IEnumerable<string> domains) : base(domains)
            {
                var normalized = new List<string>();
                foreach (string d in Domains)
                {
                    string n = NormalizeHost(d);
                    // Normalised again it must stay the same: the query's list is the normalised one, and a domain
                    // such as "a.." (one trailing dot removed, one left) would mean one thing here and another there.
                    if (n.Length == 0 || NormalizeHost(n) != n)
                        throw new ArgumentException($"'{d}' is not a destination domain the hunt can match: with its letter case, port and trailing dot set aside it is " +
                            (n.Length == 0 ? "empty." : $"'{n}', which still ends in a dot or a port."), nameof(domains));
                    if (LabelCount(n) > MaxLabels)
                        throw new ArgumentException($"'{Shorten(d)}' is not a destination domain the hunt can match: it has {LabelCount(n)} labels, and a DNS name has at most {MaxLabels}.", nameof(domains));
                    if (!normalized.Contains(n)) normalized.Add(n);
                }
                NormalizedDomains = normalized;
                _domains = new HashSet<string>(normalized, StringComparer.Ordinal);
            }

            /// <summary>The domains lower-cased, without a port or a trailing dot, each once, in the order given: what the KQL lists.</summary>
            public IReadOnlyList<string> NormalizedDomains { get; }

            public override bool IsMatch(string host)
            {
                string h = NormalizeHost(host);
                if (h.Length == 0) return false;
                // Walk the suffixes at each dot: a.b.example.com, b.example.com, example.com, com.
                int start = 0;
                while (true)
                {
                    if (_domains.Contains(start == 0 ? h : h.Substring(start))) return KqlTerms.HasAny(host, NormalizedDomains);
                    int dot = h.IndexOf('.', start);
                    if (dot < 0) return false;
                    start = dot + 1;
                }
            }

            /// <summary>The number of dot-separated labels ("t.me" has 2; "a..b" has 3).</summary>
            public static int LabelCount(string domain)
            {
                int n = 1;
                foreach (char c in domain) if (c == '.') n++;
                return n;
            }

            private static string Shorten(string s) => s.Length > 60 ? s.Substring(0, 60) + "…" : s;

            /// <summary>Lower-cases and strips a trailing dot and a <c>:port</c> suffix.</summary>
            public static string NormalizeHost(string host)
            {
                if (string.IsNullOrEmpty(host)) return string.Empty;
                string h = host.Trim();
                int colon = h.LastIndexOf(':');
                if (colon >= 0 && colon < h.Length - 1 && h.IndexOf(':') == colon && IsAllDigits(h, colon + 1))
                    h = h.Substring(0, colon);
                if (h.EndsWith(".", StringComparison.Ordinal)) h = h.Substring(0, h.Length - 1);
                return h.ToLowerInvariant();
            }

            private static bool IsAllDigits(string s, int from)
            {
                for (int i = from; i < s.Length; i++) if (s[i] < '0' || s[i] > '9') return false;
                return true;
            }
        }
    }
}
