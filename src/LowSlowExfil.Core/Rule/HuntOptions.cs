using System;
using System.Collections.Generic;

namespace LowSlowExfil.Rule
{
    /// <summary>What to profile: the window, the destinations, and which semantics (KQL-literal or intent).</summary>
    public sealed class HuntOptions
    {
        public const int DefaultDays = 30;

        public HuntOptions(DateTime? endTimeUtc = null, int days = DefaultDays, IEnumerable<string>? exfilDomains = null, bool kqlCompatible = false,
            DomainCatalog? catalog = null)
        {
            KqlCompatible = kqlCompatible;
            Catalog = catalog ?? DomainCatalog.Default;
            // The rule has no upper bound; without an explicit end time the KQL-compatible mode keeps none either.
            Window = new HuntWindow(endTimeUtc ?? DateTime.UtcNow, days, hasUpperBound: endTimeUtc.HasValue || !kqlCompatible);
            Destinations = DestinationMatcher.Create(exfilDomains ?? ExfilRule.DefaultExfilDomains, kqlCompatible);
        }

        public HuntWindow Window { get; }
        public DestinationMatcher Destinations { get; }
        /// <summary>Channels of destinations (for per-channel totals); it does not decide what is hunted.</summary>
        public DomainCatalog Catalog { get; }
        public bool KqlCompatible { get; }

        public string ModeName => KqlCompatible ? "KqlCompatible" : "Intent";

        /// <summary><c>DeviceVendor == "Zscaler"</c>; case-insensitive in intent mode.</summary>
        public bool IsZscalerVendor(string vendor) =>
            string.Equals(vendor, ExfilRule.Vendor, KqlCompatible ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);

        /// <summary><c>DeviceAction in (blocked list)</c>; the literal list in KQL mode, any case in intent mode.</summary>
        public bool IsBlockedAction(string action)
        {
            if (string.IsNullOrEmpty(action)) return false;
            var list = KqlCompatible ? ExfilRule.BlockedActions : ExfilRule.BlockedActionsIntent;
            var cmp = KqlCompatible ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
            for (int i = 0; i < list.Count; i++)
                if (string.Equals(action, list[i], cmp)) return true;
            return false;
        }

        /// <summary><c>Operation in (...)</c>: case-sensitive in both modes, as in the rule.</summary>
        public static bool IsSharingOperation(string operation)
        {
            if (string.IsNullOrEmpty(operation)) return false;
            var list = ExfilRule.SharingOperations;
            for (int i = 0; i < list.Count; i++)
                if (string.Equals(operation, list[i], StringComparison.Ordinal)) return true;
            return false;
        }

        /// <summary>
        /// <c>countif(Operation has "Anonymous")</c> in KQL mode (never true for real operation names: "has" is a
        /// whole-term match); the anonymous-link operations, any case, in intent mode.
        /// </summary>
        public bool IsAnonymousLink(string operation)
        {
            if (KqlCompatible) return Kql.KqlTerms.Has(operation, "Anonymous");
            var list = ExfilRule.AnonymousLinkOperations;
            for (int i = 0; i < list.Count; i++)
                if (string.Equals(operation, list[i], StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }
    }

    /// <summary>The three flag clauses' thresholds (SPEC §1.6).</summary>
    public sealed class FlagThresholds
    {
        // The rule's values; also the defaults of the cmdlets' threshold parameters.
        public const double DefaultZScore = 3.0, DefaultAnonymousLinkMinMB = 10, DefaultPersistenceMinMB = 50;
        public const long DefaultAnonymousLinks = 3, DefaultPersistenceDays = 20;

        public double ZScore { get; set; } = DefaultZScore;
        public long AnonymousLinks { get; set; } = DefaultAnonymousLinks;
        public double AnonymousLinkMinMB { get; set; } = DefaultAnonymousLinkMinMB;
        public long PersistenceDays { get; set; } = DefaultPersistenceDays;
        public double PersistenceMinMB { get; set; } = DefaultPersistenceMinMB;
    }
}
