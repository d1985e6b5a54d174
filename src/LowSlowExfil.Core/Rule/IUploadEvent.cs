using System;

namespace LowSlowExfil.Rule
{
    /// <summary>
    /// One proxy event as <see cref="UploadFilter.Classify"/> reads it: its time, and each verdict (1 yes, 0 no) from
    /// the reader's own cache or asked of the filter's predicates. A struct per reader, so the filter's generic
    /// Classify compiles to direct calls for each (no interface dispatch per row).
    /// </summary>
    internal interface IUploadEvent
    {
        DateTime Time { get; }
        /// <summary>Whether the vendor is Zscaler's.</summary>
        int VendorOk(UploadFilter filter);
        /// <summary>Whether the proxy blocked the request.</summary>
        int ActionBlocked(UploadFilter filter);
        /// <summary>Whether the event names a user (an empty name is none).</summary>
        bool HasUser { get; }
        /// <summary>Whether the destination is one the rule watches.</summary>
        int HostMatches(UploadFilter filter);
    }
}
