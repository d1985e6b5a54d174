using System;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Allocation-free parsing of the values the hot path reads. Each parser accepts only the common shape and
    /// says no to anything else, which the caller then hands to the general parser: the two agree on every
    /// input the fast one accepts.
    /// </summary>
    internal static class Utf8Parse
    {
        /// <summary>
        /// The Log Analytics export shape "M/d/yyyy, h:mm:ss[.f…] AM|PM" (fraction up to 7 digits), as UTC
        /// ticks shifted by <paramref name="offset"/> (the header's time zone).
        /// </summary>
        /// <param name="days">The last day parsed: rows come in time order, so most share it and skip the calendar.</param>
        [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
        public static bool TryExportTimestamp(ReadOnlySpan<byte> s, TimeSpan offset, ref DayCache days, out DateTime utc)
        {
            utc = default;
            int p = 0;
            if (!Number(s, ref p, 1, 2, out int month) || !Expect(s, ref p, (byte)'/')) return false;
            if (!Number(s, ref p, 1, 2, out int day) || !Expect(s, ref p, (byte)'/')) return false;
            if (!Number(s, ref p, 4, 4, out int year) || !Expect(s, ref p, (byte)',') || !Expect(s, ref p, (byte)' ')) return false;
            if (!Number(s, ref p, 1, 2, out int hour) || !Expect(s, ref p, (byte)':')) return false;
            if (!Number(s, ref p, 2, 2, out int minute) || !Expect(s, ref p, (byte)':')) return false;
            if (!Number(s, ref p, 2, 2, out int second)) return false;
            long fraction = 0;
            if (p < s.Length && s[p] == (byte)'.')
            {
                p++;
                int digits = 0;
                while (p < s.Length && s[p] >= (byte)'0' && s[p] <= (byte)'9' && digits < 7)
                {
                    fraction = fraction * 10 + (s[p] - '0');
                    p++;
                    digits++;
                }
                if (digits == 0) return false;
                for (int d = digits; d < 7; d++) fraction *= 10;
            }
            if (!Expect(s, ref p, (byte)' ') || p + 2 != s.Length || (s[p + 1] != (byte)'M')) return false;
            bool pm;
            if (s[p] == (byte)'P') pm = true;
            else if (s[p] == (byte)'A') pm = false;
            else return false;
            if (hour < 1 || hour > 12 || minute > 59 || second > 59) return false;
            int key = year * 10000 + month * 100 + day;
            if (key != days.Key)
            {
                if (month < 1 || month > 12 || year < 1 || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
                days.Ticks = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Utc).Ticks;
                days.Key = key;
            }
            hour = hour % 12 + (pm ? 12 : 0);
            long ticks = days.Ticks + (hour * 3600L + minute * 60 + second) * TimeSpan.TicksPerSecond + fraction - offset.Ticks;
            if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks) return false;
            utc = new DateTime(ticks, DateTimeKind.Utc);
            return true;
        }

        /// <summary>The last calendar day a timestamp named, as ticks (see <see cref="TryExportTimestamp"/>).</summary>
        public struct DayCache
        {
            internal int Key; // yyyymmdd, 0 = none
            internal long Ticks;
        }

        /// <summary>A plain decimal long: optional '-', 1–18 digits, nothing else.</summary>
        [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
        public static bool TryLong(ReadOnlySpan<byte> s, out long value)
        {
            value = 0;
            int p = 0;
            bool negative = false;
            if (s.Length > 0 && s[0] == (byte)'-')
            {
                negative = true;
                p = 1;
            }
            int digits = s.Length - p;
            if (digits < 1 || digits > 18) return false;
            for (; p < s.Length; p++)
            {
                int d = s[p] - '0';
                if ((uint)d > 9) return false;
                value = value * 10 + d;
            }
            if (negative) value = -value;
            return true;
        }

        // Straight-line for up to 4 digits: inlined six times as a loop, it made TryExportTimestamp take 40–60 ms to
        // compile fully optimised, paid by the first hunt of every session.
        private static bool Number(ReadOnlySpan<byte> s, ref int p, int min, int max, out int value)
        {
            value = 0;
            int n = 0;
            if (Digit(s, p, ref value))
            {
                n = 1;
                if (max > 1 && Digit(s, p + 1, ref value))
                {
                    n = 2;
                    if (max > 2 && Digit(s, p + 2, ref value))
                    {
                        n = 3;
                        if (max > 3 && Digit(s, p + 3, ref value)) n = 4;
                    }
                }
            }
            p += n;
            return n >= min;
        }

        private static bool Digit(ReadOnlySpan<byte> s, int i, ref int value)
        {
            if ((uint)i >= (uint)s.Length) return false;
            int d = s[i] - '0';
            if ((uint)d > 9) return false;
            value = value * 10 + d;
            return true;
        }

        private static bool Expect(ReadOnlySpan<byte> s, ref int p, byte b)
        {
            if (p >= s.Length || s[p] != b) return false;
            p++;
            return true;
        }
    }
}
