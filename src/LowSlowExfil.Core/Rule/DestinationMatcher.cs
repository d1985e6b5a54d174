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
        /// domain or is a subdomain of one.
        /// </summary>
        public sealed class DomainSuffixMatcher : DestinationMatcher
        {
            private readonly HashSet<string> _domains;

            public DomainSuffixMatcher(IEnumerable<string> domains) : base(domains)
            {
                _domains = new HashSet<string>(Domains.Select(NormalizeHost), StringComparer.Ordinal);
            }

            public override bool IsMatch(string host)
            {
                string h = NormalizeHost(host);
                if (h.Length == 0) return false;
                // Walk the suffixes at each dot: a.b.example.com, b.example.com, example.com, com.
                int start = 0;
                while (true)
                {
                    if (_domains.Contains(start == 0 ? h : h.Substring(start))) return true;
                    int dot = h.IndexOf('.', start);
                    if (dot < 0) return false;
                    start = dot + 1;
                }
            }

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
