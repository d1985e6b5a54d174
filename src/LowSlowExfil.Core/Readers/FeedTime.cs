using System;

namespace LowSlowExfil.Readers
{
    /// <summary>Wall-clock times of a feed written in a configured time zone, to UTC.</summary>
    internal static class FeedTime
    {
        public static DateTime ToUtc(DateTime wallClock, TimeZoneInfo zone)
        {
            var local = DateTime.SpecifyKind(wallClock, DateTimeKind.Unspecified);
            if (zone == null || zone == TimeZoneInfo.Utc) return DateTime.SpecifyKind(local, DateTimeKind.Utc);
            // A time skipped by a DST change cannot occur; one repeated by it is taken as standard time.
            if (zone.IsInvalidTime(local)) local = local.AddHours(1);
            return DateTime.SpecifyKind(local - zone.GetUtcOffset(local), DateTimeKind.Utc);
        }
    }
}
