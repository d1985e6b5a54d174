using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// The time zone a raw feed was written in, as a person gives it: a zone id ('Europe/Berlin', 'W. Europe Standard
    /// Time') or a fixed offset from UTC ('+02:00', '-05:30', 'UTC+2', 'UTC-03:30', 'Z', 'UTC'), as an NSS feed
    /// configured with an offset rather than a zone is.
    /// </summary>
    public static class FeedTimeZones
    {
        // UTC+2, GMT-03:30, +0530, -5: a sign is required, so a bare number is not taken for an offset.
        private static readonly Regex Offset = new Regex(@"^(?:(?:UTC|GMT)\s*)?(?<sign>[+\-\u2212])(?<h>\d{1,2})(?::?(?<m>\d{2}))?$",
            RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

        private static readonly TimeSpan Widest = TimeSpan.FromHours(14); // the widest offset in use (Kiribati, UTC+14)

        /// <summary>
        /// The zone <paramref name="text"/> names, or null with <paramref name="error"/> saying, for the person who typed
        /// it, what is accepted.
        /// </summary>
        public static TimeZoneInfo? Resolve(string? text, out string? error)
        {
            error = null;
            string t = (text ?? string.Empty).Trim();
            if (t.Length == 0 || t.Equals("Z", StringComparison.OrdinalIgnoreCase) || t.Equals("UTC", StringComparison.OrdinalIgnoreCase) ||
                t.Equals("GMT", StringComparison.OrdinalIgnoreCase))
                return TimeZoneInfo.Utc;
            var m = Offset.Match(t);
            if (m.Success)
            {
                int hours = int.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture);
                int minutes = m.Groups["m"].Success ? int.Parse(m.Groups["m"].Value, CultureInfo.InvariantCulture) : 0;
                var offset = new TimeSpan(hours, minutes, 0);
                if (minutes >= 60 || offset > Widest)
                {
                    error = $"'{t}' is not an offset from UTC: offsets run from -14:00 to +14:00, minutes from 00 to 59.";
                    return null;
                }
                if (m.Groups["sign"].Value != "+") offset = offset.Negate();
                if (offset == TimeSpan.Zero) return TimeZoneInfo.Utc;
                string name = "UTC" + (offset < TimeSpan.Zero ? "-" : "+") + offset.ToString(@"hh\:mm", CultureInfo.InvariantCulture);
                return TimeZoneInfo.CreateCustomTimeZone(name, offset, "(" + name + ")", name);
            }
            try
            {
                return TimeZoneInfo.FindSystemTimeZoneById(t);
            }
            catch (Exception e) when (e is TimeZoneNotFoundException || e is InvalidTimeZoneException)
            {
                error = $"Unknown time zone '{t}'. Give a zone such as 'Europe/Berlin' or 'W. Europe Standard Time' (Tab lists " +
                    "them), or a fixed offset from UTC such as '+02:00', '-05:30' or 'UTC+2'.";
                return null;
            }
        }

        /// <summary>The zone ids this system knows, UTC first, for tab completion.</summary>
        public static IEnumerable<TimeZoneInfo> Known()
        {
            yield return TimeZoneInfo.Utc;
            foreach (var z in TimeZoneInfo.GetSystemTimeZones().OrderBy(z => z.Id, StringComparer.OrdinalIgnoreCase))
                if (!string.Equals(z.Id, TimeZoneInfo.Utc.Id, StringComparison.OrdinalIgnoreCase)) yield return z;
        }
    }
}
