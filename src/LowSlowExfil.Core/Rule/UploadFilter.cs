using System;
using System.Runtime.CompilerServices;
using LowSlowExfil.Aggregation;

namespace LowSlowExfil.Rule
{
    /// <summary>
    /// The rule's proxy filters (SPEC §1.1, ZIA_Daily's where clause) in the rule's order, written once: the
    /// accumulator asks them of an event's strings, the byte scanners of the verdicts they cache per distinct value.
    /// Each predicate is asked only when the event got that far, so a scanner decodes no more of a row than the
    /// rule reads, and a row that fails two filters is told under the first, whoever reads it.
    /// </summary>
    internal sealed class UploadFilter
    {
        /// <summary>A verdict slot not filled yet (a verdict is otherwise 1, yes, or 0, no): the predicate is asked.</summary>
        internal const int Unknown = -1;

        private readonly HuntWindow _window;

        public UploadFilter(HuntOptions options)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            _window = options.Window;
            // An absent value (null from a reader) is judged as an empty one: no vendor, no action, no host.
            VendorVerdict = v => options.IsZscalerVendor(v ?? string.Empty) ? 1 : 0;
            ActionVerdict = a => options.IsBlockedAction(a ?? string.Empty) ? 1 : 0;
            HostVerdict = h => options.Destinations.IsMatch(h ?? string.Empty) ? 1 : 0;
        }

        /// <summary>The vendor, action and host predicates as verdicts (1 yes, 0 no), the shape a per-value cache keeps.</summary>
        internal Func<string?, int> VendorVerdict { get; }
        internal Func<string?, int> ActionVerdict { get; }
        internal Func<string?, int> HostVerdict { get; }

        /// <summary>Where the rule puts an event: counted, or the first filter it fails.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal ProxyDisposition Classify<TEvent>(ref TEvent e) where TEvent : struct, IUploadEvent
        {
            if (!_window.Contains(e.Time)) return ProxyDisposition.OutsideWindow;
            if (e.VendorOk(this) == 0) return ProxyDisposition.OtherVendor;
            if (e.ActionBlocked(this) != 0) return ProxyDisposition.Blocked;
            if (!e.HasUser) return ProxyDisposition.NoUser;
            if (e.HostMatches(this) == 0) return ProxyDisposition.OtherDestination;
            return ProxyDisposition.Counted;
        }
    }
}
