using System;
using System.Globalization;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Reporting
{
    /// <summary>How the report writes numbers, times and names: invariant culture, for people.</summary>
    internal static class ReportFormat
    {
        internal static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

        internal static double CutOff(HuntSummary s) => s.BaselineMean + s.ZScoreThreshold * s.BaselineStdev;

        internal static string SectionId(int i) => "candidate-" + (i + 1).ToString(Inv);

        internal static string ModeText(string? mode) =>
            mode == null || mode.Length == 0 ? "—" : mode;

        internal static string ChannelText(ExfilChannel ch)
        {
            switch (ch)
            {
                case ExfilChannel.CloudStorage: return "Cloud storage";
                case ExfilChannel.CodeHosting: return "Code hosting";
                case ExfilChannel.Messaging: return "Messaging";
                case ExfilChannel.Webmail: return "Webmail";
                default: return "Other";
            }
        }

        internal static string Stamp(DateTime t) =>
            t == default || t == DateTime.MinValue || t == DateTime.MaxValue ? "—" : HuntWindow.ToUtc(t).ToString("yyyy-MM-dd HH:mm 'UTC'", Inv);

        /// <summary>A number for people: thousands separated, at most two decimals.</summary>
        internal static string N(double v)
        {
            if (double.IsNaN(v) || double.IsInfinity(v)) return "—";
            if (v != 0 && Math.Abs(v) < 0.01) return v.ToString("0.###", Inv);
            return v.ToString("#,0.##", Inv);
        }

        internal static string N0(double v) => v.ToString("0", Inv);

        /// <summary>"1 request", "45 requests".</summary>
        internal static string Count(long n, string noun) => N(n) + " " + noun + (n == 1 ? "" : "s");

        /// <summary>An SVG coordinate.</summary>
        internal static string F(double v) => v.ToString("0.##", Inv);

        internal static double NiceCeiling(double v)
        {
            if (v <= 0) return 1;
            double p = Math.Pow(10, Math.Floor(Math.Log10(v)));
            foreach (double m in new[] { 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 })
                if (m * p >= v - 1e-12) return m * p;
            return 10 * p;
        }
    }
}
