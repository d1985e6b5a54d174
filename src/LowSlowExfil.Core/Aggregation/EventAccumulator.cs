using System;
using LowSlowExfil.Readers;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Aggregation
{
    /// <summary>Both halves of the rule fed from one pass over the files: proxy events and sharing events.</summary>
    public sealed class EventAccumulator : IEventSink, IJudgedSink
    {
        public EventAccumulator(HuntOptions options)
        {
            Options = options ?? throw new ArgumentNullException(nameof(options));
            Uploads = new ZiaAccumulator(options);
            Sharing = new SharingAccumulator(options);
        }

        public HuntOptions Options { get; }
        public ZiaAccumulator Uploads { get; }
        public SharingAccumulator Sharing { get; }

        public void AddProxy(DateTime timeUtc, string? vendor, string? action, string? user, string? host, long? sentBytes) =>
            Uploads.Add(timeUtc, vendor, action, user, host, sentBytes);

        public void AddSharing(DateTime timeUtc, string? userId, string operation, string? recordId = null) =>
            Sharing.Add(timeUtc, userId, operation, recordId);

        /// <summary>Adds another accumulator's state into this one; its state moves here and it is left empty (see <see cref="ZiaAccumulator.Merge"/>).</summary>
        public void Merge(EventAccumulator other)
        {
            Uploads.Merge(other.Uploads);
            Sharing.Merge(other.Sharing);
        }

        /// <summary>
        /// When events were read but none fell in the hunt window: where the data lies and the flags that would hunt it
        /// (a sample tenant or an old export hunted with a window ending now). Null otherwise.
        /// </summary>
        public string? DescribeEmptyWindow()
        {
            long counted = Uploads.Count(ProxyDisposition.Counted) + Sharing.Count(SharingDisposition.Counted);
            long outside = Uploads.Count(ProxyDisposition.OutsideWindow) + Sharing.Count(SharingDisposition.OutsideWindow);
            if (counted > 0 || outside == 0) return null;
            DateTime first = Min(Uploads.EarliestEvent, Sharing.EarliestEvent), last = Max(Uploads.LatestEvent, Sharing.LatestEvent);
            var w = Options.Window;
            // A window ending at the midnight after the last event, long enough to reach back to the first (at most the
            // 3650 days -Days takes).
            DateTime end = last.Date == last ? last : last.Date.AddDays(1);
            int days = (int)Math.Min(3650, Math.Max(w.Days, Math.Ceiling((end - first).TotalDays + 1e-9)));
            string fmt(DateTime t) => t.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
            return $"{outside:N0} event(s) were read, but none fell in the hunt window {w}: the data spans {fmt(first)} to {fmt(last)}. " +
                $"Hunt it with -EndTime {end:yyyy-MM-dd}{(days != w.Days ? $" -Days {days}" : "")}.";
        }

        // Only called when an event was read (outside > 0), so at least one side is set.
        private static DateTime Min(DateTime? a, DateTime? b) => a == null ? b!.Value : b == null ? a.Value : a.Value < b.Value ? a.Value : b.Value;
        private static DateTime Max(DateTime? a, DateTime? b) => a == null ? b!.Value : b == null ? a.Value : a.Value > b.Value ? a.Value : b.Value;

        /// <summary>One line on what the filters kept and why the rest was left out (for -Verbose).</summary>
        public string DescribeFilters() =>
            $"proxy events: {Uploads.Count(ProxyDisposition.Counted)} counted, {Uploads.Count(ProxyDisposition.OutsideWindow)} outside the window, " +
            $"{Uploads.Count(ProxyDisposition.OtherVendor)} other vendor, {Uploads.Count(ProxyDisposition.Blocked)} blocked, " +
            $"{Uploads.Count(ProxyDisposition.NoUser)} without user, {Uploads.Count(ProxyDisposition.OtherDestination)} to other destinations; " +
            $"sharing events: {Sharing.Count(SharingDisposition.Counted)} counted, {Sharing.Count(SharingDisposition.OutsideWindow)} outside the window, " +
            $"{Sharing.Count(SharingDisposition.NoUser)} without user, {Sharing.Count(SharingDisposition.OtherOperation)} other operations" +
            (Sharing.Count(SharingDisposition.Duplicate) > 0 ? $", {Sharing.Count(SharingDisposition.Duplicate)} duplicates of audit records already counted (the same record Id in more than one export)" : "");
    }
}
