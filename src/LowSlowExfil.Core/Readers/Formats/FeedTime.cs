using System;

namespace LowSlowExfil.Readers
{
    /// <summary>Wall-clock times of a feed written in a configured time zone, to UTC.</summary>
    internal static class FeedTime
    {
        /// <summary>
        /// False when the time has no UTC equivalent a DateTime can hold (e.g. 9999-12-31 23:00 in a zone west of UTC,
        /// 0001-01-01 in one east of it): such a record's time is unreadable, it never throws.
        /// </summary>
        public static bool TryToUtc(DateTime wallClock, TimeZoneInfo zone, out DateTime utc)
        {
            var local = DateTime.SpecifyKind(wallClock, DateTimeKind.Unspecified);
            utc = DateTime.SpecifyKind(local, DateTimeKind.Utc);
            if (zone == null || zone == TimeZoneInfo.Utc) return true;
            // A time skipped by a DST change cannot occur; one repeated by it is taken as standard time.
            if (zone.IsInvalidTime(local))
            {
                if (local > DateTime.MaxValue.AddHours(-1)) return false;
                local = local.AddHours(1);
            }
            long ticks = local.Ticks - zone.GetUtcOffset(local).Ticks;
            if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks) return false;
            utc = new DateTime(ticks, DateTimeKind.Utc);
            return true;
        }
    }
}
