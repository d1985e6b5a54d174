using System;
using LowSlowExfil.Readers;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Aggregation
{
    /// <summary>Both halves of the rule fed from one pass over the files: proxy events and sharing events.</summary>
    public sealed class EventAccumulator : IEventSink
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

        public void AddProxy(DateTime timeUtc, string vendor, string action, string user, string host, long? sentBytes) =>
            Uploads.Add(timeUtc, vendor, action, user, host, sentBytes);

        public void AddSharing(DateTime timeUtc, string userId, string operation) =>
            Sharing.Add(timeUtc, userId, operation);

        /// <summary>Adds another accumulator's state into this one; its state moves here and it is left empty (see <see cref="ZiaAccumulator.Merge"/>).</summary>
        public void Merge(EventAccumulator other)
        {
            Uploads.Merge(other.Uploads);
            Sharing.Merge(other.Sharing);
        }

        /// <summary>One line on what the filters kept and why the rest was left out (for -Verbose).</summary>
        public string DescribeFilters() =>
            $"proxy events: {Uploads.Count(ProxyDisposition.Counted)} counted, {Uploads.Count(ProxyDisposition.OutsideWindow)} outside the window, " +
            $"{Uploads.Count(ProxyDisposition.OtherVendor)} other vendor, {Uploads.Count(ProxyDisposition.Blocked)} blocked, " +
            $"{Uploads.Count(ProxyDisposition.NoUser)} without user, {Uploads.Count(ProxyDisposition.OtherDestination)} to other destinations; " +
            $"sharing events: {Sharing.Count(SharingDisposition.Counted)} counted, {Sharing.Count(SharingDisposition.OutsideWindow)} outside the window, " +
            $"{Sharing.Count(SharingDisposition.NoUser)} without user, {Sharing.Count(SharingDisposition.OtherOperation)} other operations";
    }
}
