using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using LowSlowExfil.Kql;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Scoring
{
    /// <summary>The scored population: every ZIA user, flagged first by the rule's order.</summary>
    public sealed class ScoreResult
    {
        public ScoreResult(IReadOnlyList<ExfilCandidate> all, HuntSummary summary)
        {
            All = all;
            Summary = summary;
        }

        /// <summary>Every scored user, ordered by Zscore desc, ZIA_TotalMBSent desc, then UserName.</summary>
        public IReadOnlyList<ExfilCandidate> All { get; }
        public IEnumerable<ExfilCandidate> Flagged => All.Where(c => c.IsFlagged());
        public HuntSummary Summary { get; }
    }

    /// <summary>Join, baseline, score and flag (SPEC §1.3, §1.5–1.7).</summary>
    public static class CandidateScorer
    {
        public static ScoreResult Score(IEnumerable<ZiaUploadProfile> uploads, IEnumerable<O365SharingProfile> sharing, FlagThresholds thresholds)
        {
            if (uploads == null) throw new ArgumentNullException(nameof(uploads));
            thresholds = thresholds ?? new FlagThresholds();

            // One row per user on each side, as after the rule's summarize.
            var users = uploads.Where(u => u != null).OrderBy(u => u.UserName, StringComparer.Ordinal).ToList();
            var shares = new Dictionary<string, O365SharingProfile>(StringComparer.Ordinal);
            foreach (var s in sharing ?? Enumerable.Empty<O365SharingProfile>())
            {
                if (s == null) continue;
                if (shares.ContainsKey(s.UserName)) throw new ArgumentException($"More than one sharing profile for user '{s.UserName}'.", nameof(sharing));
                shares.Add(s.UserName, s);
            }
            for (int i = 1; i < users.Count; i++)
                if (users[i].UserName == users[i - 1].UserName)
                    throw new ArgumentException($"More than one upload profile for user '{users[i].UserName}'.", nameof(uploads));

            var totals = users.Select(u => u.ZIA_TotalMBSent).ToList();
            double mean = KqlMath.Average(totals);
            double stdev = KqlMath.SampleStdev(totals);

            var first = users.FirstOrDefault();
            var summary = new HuntSummary
            {
                Mode = first?.Mode,
                WindowStart = first?.WindowStart ?? default,
                WindowEnd = first?.WindowEnd ?? default,
                Users = users.Count,
                BaselineMean = mean,
                BaselineStdev = stdev,
            };

            var scored = new List<ExfilCandidate>(users.Count);
            foreach (var u in users)
            {
                shares.TryGetValue(u.UserName, out var s);
                long events = s?.O365_EventCount ?? 0;
                long anon = s?.O365_AnonLinks ?? 0;
                double z = stdev > 0 ? KqlMath.Round2((u.ZIA_TotalMBSent - mean) / stdev) : 0.0;

                var reasons = ExfilReason.None;
                if (z >= thresholds.ZScore) reasons |= ExfilReason.ZScore;
                if (anon >= thresholds.AnonymousLinks && u.ZIA_TotalMBSent > thresholds.AnonymousLinkMinMB) reasons |= ExfilReason.AnonymousLinks;
                if (u.ZIA_ActiveDays >= thresholds.PersistenceDays && u.ZIA_TotalMBSent > thresholds.PersistenceMinMB) reasons |= ExfilReason.Persistence;

                var c = new ExfilCandidate
                {
                    UserName = u.UserName,
                    ZIA_TotalMBSent = u.ZIA_TotalMBSent,
                    ZIA_ActiveDays = u.ZIA_ActiveDays,
                    ZIA_TotalRequests = u.ZIA_TotalRequests,
                    ZIA_UniqueDestCnt = u.ZIA_UniqueDestCnt,
                    O365_EventCount = events,
                    O365_AnonLinks = anon,
                    O365_Operations = s?.O365_Operations ?? OperationSet.Empty,
                    DistinctChannels = (u.ZIA_TotalMBSent > 5 ? 1 : 0) + (events > 0 ? 1 : 0),
                    Zscore = z,
                    Reasons = reasons,
                    Summary = summary,
                    UploadProfile = u,
                    SharingProfile = s,
                };
                c.AlertDisplayName = FormatAlert(ExfilRule.AlertDisplayNameFormat, c);
                c.AlertDescription = FormatAlert(ExfilRule.AlertDescriptionFormat, c);
                scored.Add(c);
            }

            // Zscore desc, ZIA_TotalMBSent desc as the rule; the user name breaks ties so output is deterministic.
            var ordered = scored.OrderByDescending(c => c.Zscore).ThenByDescending(c => c.ZIA_TotalMBSent)
                .ThenBy(c => c.UserName, StringComparer.Ordinal).ToList();
            summary.Flagged = ordered.Count(c => c.IsFlagged());
            return new ScoreResult(ordered, summary);
        }

        /// <summary>Fills the rule's alertDetailsOverride templates; numbers as Sentinel renders them (invariant).</summary>
        /// <remarks>One pass: a value taken from the logs (a user name such as <c>{Zscore}@x.com</c>) is never re-expanded.</remarks>
        public static string FormatAlert(string template, ExfilCandidate c) => AlertPlaceholder.Replace(template, m =>
        {
            switch (m.Groups[1].Value)
            {
                case "UserName": return c.UserName ?? string.Empty;
                case "Zscore": return Real(c.Zscore);
                case "ZIA_TotalMBSent": return Real(c.ZIA_TotalMBSent);
                case "ZIA_ActiveDays": return c.ZIA_ActiveDays.ToString(CultureInfo.InvariantCulture);
                default: return c.O365_AnonLinks.ToString(CultureInfo.InvariantCulture);
            }
        });

        private static readonly Regex AlertPlaceholder =
            new Regex(@"\{(UserName|Zscore|ZIA_TotalMBSent|ZIA_ActiveDays|O365_AnonLinks)\}", RegexOptions.CultureInvariant);

        private static string Real(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
    }
}
