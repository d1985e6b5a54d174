using System;
using System.Collections.Generic;
using System.Linq;
using LowSlowExfil.Kql;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Scoring
{
    /// <summary>How a user's upload volume is compared with their peers.</summary>
    public enum BaselineMethod
    {
        /// <summary>The rule's: (x − mean) / sample standard deviation.</summary>
        MeanStdev,
        /// <summary>
        /// Iglewicz and Hoaglin's modified z-score, 0.6745 · (x − median) / MAD, which one huge uploader cannot
        /// inflate. When more than half the peers upload the same amount (MAD = 0) it falls back to
        /// (x − median) / (1.253314 · mean absolute deviation).
        /// </summary>
        Robust,
    }

    /// <summary>A population's centre and spread under one method, and the score of a value against it.</summary>
    public sealed class Baseline
    {
        private Baseline(BaselineMethod method, int users, double center, double spread, Func<double, double> score)
        {
            Method = method;
            Users = users;
            Center = center;
            Spread = spread;
            _score = score;
        }

        private readonly Func<double, double> _score;

        public BaselineMethod Method { get; }
        public int Users { get; }
        /// <summary>Mean (MeanStdev) or median (Robust).</summary>
        public double Center { get; }
        /// <summary>Sample standard deviation (MeanStdev) or MAD (Robust).</summary>
        public double Spread { get; }

        /// <summary>The z-score of <paramref name="mb"/>, rounded to two decimals; 0 when the spread is 0.</summary>
        public double Score(double mb) => KqlMath.Round2(_score(mb));

        public static Baseline Of(IReadOnlyList<double> values, BaselineMethod method)
        {
            if (method == BaselineMethod.MeanStdev)
            {
                double mean = KqlMath.Average(values), sd = KqlMath.SampleStdev(values);
                return new Baseline(method, values.Count, mean, sd, x => sd > 0 ? (x - mean) / sd : 0.0);
            }
            double median = Median(values);
            double mad = Median(values.Select(v => Math.Abs(v - median)).ToList());
            if (mad > 0) return new Baseline(method, values.Count, median, mad, x => 0.6745 * (x - median) / mad);
            double meanAd = values.Count == 0 ? 0 : values.Average(v => Math.Abs(v - median));
            return new Baseline(method, values.Count, median, mad, x => meanAd > 0 ? (x - median) / (1.253314 * meanAd) : 0.0);
        }

        public static double Median(IReadOnlyList<double> values)
        {
            if (values.Count == 0) return 0;
            var sorted = values.OrderBy(v => v).ToArray();
            int mid = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
    }

    /// <summary>How DistinctChannels is counted.</summary>
    public enum ChannelCounting
    {
        /// <summary>The rule's: (ZIA_TotalMBSent &gt; 5 ? 1 : 0) + (O365_EventCount &gt; 0 ? 1 : 0).</summary>
        Rule,
        /// <summary>The channel categories uploaded to (cloud storage, code hosting, messaging, webmail) plus 1 for Microsoft 365 sharing.</summary>
        Categories,
    }

    /// <summary>Everything that shapes scoring; the defaults reproduce the rule.</summary>
    public sealed class ScoringOptions
    {
        public FlagThresholds Thresholds { get; set; } = new FlagThresholds();
        public BaselineMethod Baseline { get; set; } = BaselineMethod.MeanStdev;

        /// <summary>User (lower-case) → peer group; users without one are scored against the whole population.</summary>
        public IReadOnlyDictionary<string, string>? PeerGroups { get; set; }

        /// <summary>Groups smaller than this are scored against the whole population (with sample stdev no z reaches 3 below 11 users).</summary>
        public int MinimumPeerGroupSize { get; set; } = 11;

        public ChannelCounting DistinctChannels { get; set; } = ChannelCounting.Rule;

        /// <summary>
        /// The rule's scoring with these thresholds. Also makes <c>Score(uploads, sharing, null)</c> resolve to the
        /// FlagThresholds overload (as it did before this type existed) instead of being ambiguous.
        /// </summary>
        public static implicit operator ScoringOptions(FlagThresholds thresholds) =>
            new ScoringOptions { Thresholds = thresholds ?? new FlagThresholds() };
    }

    /// <summary>What one user was scored against.</summary>
    public sealed class ScoreContext
    {
        /// <summary>The peer group, or null for the whole population.</summary>
        public string? PeerGroup { get; set; }
        public BaselineMethod Method { get; set; }
        public int BaselineUsers { get; set; }
        public double BaselineCenter { get; set; }
        public double BaselineSpread { get; set; }
    }
}
