using System;
using System.Collections.Generic;

namespace LowSlowExfil.Kql
{
    /// <summary>Numeric functions with the rule's semantics (SPEC §2).</summary>
    public static class KqlMath
    {
        public const double BytesPerMB = 1048576.0;

        /// <summary>
        /// <c>round(x, 2)</c>. Kusto's midpoint rule is undocumented; the module rounds half away from zero.
        /// Byte totals divided by 2^20 are exact doubles and stay exact when scaled by 100 (below ~90 TB),
        /// so midpoints such as 0.125 MB are recognised exactly.
        /// </summary>
        public static double Round2(double value)
        {
            if (double.IsNaN(value) || double.IsInfinity(value)) return value;
            double r = Math.Round(value, 2, MidpointRounding.AwayFromZero);
            return r == 0 ? 0.0 : r; // no negative zero: it would print as "-0"
        }

        /// <summary><c>round(toreal(bytes) / 1048576, 2)</c>.</summary>
        public static double BytesToRoundedMB(long bytes) => Round2(bytes / BytesPerMB);

        /// <summary><c>avg()</c>: arithmetic mean; 0 for no values.</summary>
        public static double Average(IReadOnlyList<double> values)
        {
            if (values.Count == 0) return 0;
            double sum = 0;
            for (int i = 0; i < values.Count; i++) sum += values[i];
            return sum / values.Count;
        }

        /// <summary><c>stdev()</c>: sample standard deviation (n−1); 0 with fewer than two values.</summary>
        public static double SampleStdev(IReadOnlyList<double> values)
        {
            int n = values.Count;
            if (n < 2) return 0;
            double mean = Average(values);
            double squares = 0;
            for (int i = 0; i < n; i++)
            {
                double d = values[i] - mean;
                squares += d * d;
            }
            return Math.Sqrt(squares / (n - 1));
        }

        /// <summary><c>bin(t, 1d)</c> in UTC.</summary>
        public static DateTime BinDay(DateTime utc) => new DateTime(utc.Ticks - utc.Ticks % TimeSpan.TicksPerDay, DateTimeKind.Utc);
    }
}
