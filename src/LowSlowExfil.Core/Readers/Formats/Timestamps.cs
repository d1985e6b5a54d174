using System;
using System.Globalization;

namespace LowSlowExfil.Readers
{
    /// <summary>Parses the timestamp shapes found in exports, always to UTC.</summary>
    public static class Timestamps
    {
        // Log Analytics portal export ("4/28/2021, 3:05:26.000 PM"), Purview / Search-UnifiedAuditLog
        // ("9/20/2023 4:05:03 AM"), ISO 8601 with or without zone (no zone means UTC, as in the
        // Management Activity API's "2015-06-29T20:03:19").
        private static readonly string[] Formats =
        {
            "M/d/yyyy, h:mm:ss.FFFFFFF tt",
            "M/d/yyyy, h:mm:ss tt",
            "M/d/yyyy h:mm:ss.FFFFFFF tt",
            "M/d/yyyy h:mm:ss tt",
            "M/d/yyyy, H:mm:ss.FFFFFFF",
            "M/d/yyyy H:mm:ss.FFFFFFF",
            "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
            "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
            "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
            "yyyy-MM-dd HH:mm:ss.FFFFFFF",
        };

        /// <summary>Parses <paramref name="text"/> as UTC (or by its own offset), then shifts by <paramref name="offset"/>
        /// when the source states one (e.g. a <c>[UTC+02:00]</c> column header).</summary>
        public static bool TryParse(string? text, TimeSpan offset, out DateTime utc)
        {
            utc = default;
            if (text == null || string.IsNullOrWhiteSpace(text)) return false;
            if (!DateTime.TryParseExact(text.Trim(), Formats, CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal | DateTimeStyles.AllowWhiteSpaces, out var t))
                return false;
            // A column header's offset can push a time off either end of DateTime's range: then it is no timestamp.
            long ticks = t.Ticks - offset.Ticks;
            if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks) return false;
            utc = new DateTime(ticks, DateTimeKind.Utc);
            return true;
        }

        public static bool TryParse(string? text, out DateTime utc) => TryParse(text, TimeSpan.Zero, out utc);
    }
}
