using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
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
        public static ScoreResult Score(IEnumerable<ZiaUploadProfile> uploads, IEnumerable<O365SharingProfile> sharing, FlagThresholds thresholds) =>
            Score(uploads, sharing, new ScoringOptions { Thresholds = thresholds ?? new FlagThresholds() });

        public static ScoreResult Score(IEnumerable<ZiaUploadProfile> uploads, IEnumerable<O365SharingProfile> sharing, ScoringOptions options)
        {
            if (uploads == null) throw new ArgumentNullException(nameof(uploads));
            options = options ?? new ScoringOptions();
            var thresholds = options.Thresholds ?? new FlagThresholds();

            // One row per user on each side, as after the rule's summarize.
            var users = uploads.Where(u => u != null).ToList();
            // Profiles built from events come sorted already.
            if (!IsSortedByName(users)) users = users.OrderBy(u => u.UserName, StringComparer.Ordinal).ToList();
            var shares = new Dictionary<string, O365SharingProfile>(StringComparer.Ordinal);
            foreach (var s in sharing ?? Enumerable.Empty<O365SharingProfile>())
            {
                if (s == null) continue;
                if (string.IsNullOrEmpty(s.UserName)) throw NoUser("A sharing profile", nameof(sharing));
                if (shares.ContainsKey(s.UserName)) throw new ArgumentException($"More than one sharing profile for user '{s.UserName}'.", nameof(sharing));
                shares.Add(s.UserName, s);
            }
            if (users.Any(u => string.IsNullOrEmpty(u.UserName))) throw NoUser("An upload profile", nameof(uploads));
            for (int i = 1; i < users.Count; i++)
                if (users[i].UserName == users[i - 1].UserName)
                    throw new ArgumentException($"More than one upload profile for user '{users[i].UserName}'.", nameof(uploads));

            var totals = users.Select(u => u.ZIA_TotalMBSent).ToList();
            double mean = KqlMath.Average(totals);
            double stdev = KqlMath.SampleStdev(totals);
            var population = Baseline.Of(totals, options.Baseline);
            var groupOf = GroupUsers(users, options);
            var groupBaselines = groupOf.Values.Distinct().ToDictionary(g => g,
                g => Baseline.Of(users.Where(u => groupOf.TryGetValue(u.UserName, out var ug) && ug == g).Select(u => u.ZIA_TotalMBSent).ToList(), options.Baseline),
                StringComparer.Ordinal);

            var first = users.FirstOrDefault();
            var summary = new HuntSummary
            {
                Mode = first?.Mode,
                WindowStart = first?.WindowStart ?? default,
                WindowEnd = first?.WindowEnd ?? default,
                Users = users.Count,
                BaselineMean = mean,
                BaselineStdev = stdev,
                ZScoreThreshold = thresholds.ZScore,
                PopulationTotalsMB = totals.ToArray(),
            };

            var scored = new List<ExfilCandidate>(users.Count);
            foreach (var u in users)
            {
                shares.TryGetValue(u.UserName, out var s);
                string? group = groupOf.TryGetValue(u.UserName, out var g) ? g : null;
                scored.Add(ScoreOne(u, s, group, group != null ? groupBaselines[group] : population, thresholds, options, summary));
            }

            // Zscore desc, ZIA_TotalMBSent desc as the rule; the user name breaks ties so output is deterministic.
            // User names are distinct (checked above), so the order is total and an unstable sort gives the same list.
            scored.Sort(RuleOrder);
            var ordered = scored;
            int flagged = 0;
            foreach (var c in ordered) if (c.IsFlagged()) flagged++;
            summary.Flagged = flagged;
            return new ScoreResult(ordered, summary);
        }

        /// <summary>One user's candidate row against their baseline.</summary>
        // Once per user in a call made once per hunt: compiled optimised at once, so the first hunt of a session does
        // not build its 5,000 rows through unoptimised property setters.
        [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
        private static ExfilCandidate ScoreOne(ZiaUploadProfile u, O365SharingProfile? s, string? group, Baseline baseline, FlagThresholds thresholds,
            ScoringOptions options, HuntSummary summary)
        {
            long events = s?.O365_EventCount ?? 0;
            long anon = s?.O365_AnonLinks ?? 0;
            double z = baseline.Score(u.ZIA_TotalMBSent);

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
                DistinctChannels = options.DistinctChannels == ChannelCounting.Categories
                    ? u.Channels.Count(ch => ch.Channel != ExfilChannel.Unknown && ch.SentBytes > 0) + (events > 0 ? 1 : 0)
                    : (u.ZIA_TotalMBSent > 5 ? 1 : 0) + (events > 0 ? 1 : 0),
                Zscore = z,
                Reasons = reasons,
                Summary = summary,
                UploadProfile = u,
                SharingProfile = s,
                Context = new ScoreContext
                {
                    PeerGroup = group,
                    Method = baseline.Method,
                    BaselineUsers = baseline.Users,
                    BaselineCenter = baseline.Center,
                    BaselineSpread = baseline.Spread,
                },
            };
            c.DeferAlerts();
            return c;
        }

        // Called some 60,000 times by one sort of 5,000 users, in a call that runs once per hunt, so tiering never
        // optimised it before the hunt ended: compiled optimised at once.
        [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
        private static int RuleOrder(ExfilCandidate a, ExfilCandidate b)
        {
            int r = b.Zscore.CompareTo(a.Zscore);
            if (r == 0) r = b.ZIA_TotalMBSent.CompareTo(a.ZIA_TotalMBSent);
            return r != 0 ? r : string.CompareOrdinal(a.UserName, b.UserName);
        }

        private static bool IsSortedByName(List<ZiaUploadProfile> users)
        {
            for (int i = 1; i < users.Count; i++)
                if (string.CompareOrdinal(users[i - 1].UserName, users[i].UserName) > 0) return false;
            return true;
        }

        // A profile built by hand (New-Object, a [pscustomobject] cast) can leave its UserName unset; the logs never make one.
        private static ArgumentException NoUser(string profile, string parameter) =>
            new ArgumentException($"{profile} has no UserName: every profile must name the user it is of (set UserName on a profile built by hand).", parameter);

        /// <summary>
        /// Each user's peer group, for groups with at least the minimum number of scored users; users of smaller
        /// groups, or with no group, are left out (and scored against the whole population).
        /// </summary>
        private static Dictionary<string, string> GroupUsers(IReadOnlyList<ZiaUploadProfile> users, ScoringOptions options)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (options.PeerGroups == null || options.PeerGroups.Count == 0) return result;
            var byUser = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var kv in options.PeerGroups)
                if (!string.IsNullOrWhiteSpace(kv.Key) && !string.IsNullOrWhiteSpace(kv.Value)) byUser[kv.Key.Trim()] = kv.Value.Trim();
            var sizes = users.Select(u => byUser.TryGetValue(u.UserName, out var g) ? g : null).Where(g => g != null)
                .GroupBy(g => g, StringComparer.Ordinal).ToDictionary(x => x.Key, x => x.Count(), StringComparer.Ordinal);
            foreach (var u in users)
                if (byUser.TryGetValue(u.UserName, out var g) && sizes[g] >= options.MinimumPeerGroupSize) result[u.UserName] = g;
            return result;
        }

        /// <summary>Fills the rule's alertDetailsOverride templates; numbers as Sentinel renders them (invariant).</summary>
        /// <remarks>
        /// One pass: a value taken from the logs (a user name such as <c>{Zscore}@x.com</c>) is never re-expanded.
        /// Text in braces that is not one of the five columns stays as written. Run for every user shown, so a
        /// plain scan rather than a regular expression.
        /// </remarks>
        public static string FormatAlert(string template, ExfilCandidate c)
        {
            if (template == null) throw new ArgumentNullException(nameof(template));
            var sb = new StringBuilder(template.Length + 64);
            int i = 0;
            while (i < template.Length)
            {
                int open = template.IndexOf('{', i);
                if (open < 0) break;
                sb.Append(template, i, open - i);
                int close = template.IndexOf('}', open + 1);
                string? value = close < 0 ? null : Placeholder(template.Substring(open + 1, close - open - 1), c);
                if (value == null)
                {
                    sb.Append('{');
                    i = open + 1;
                    continue;
                }
                sb.Append(value);
                i = close + 1;
            }
            return sb.Append(template, i, template.Length - i).ToString();
        }

        private static string? Placeholder(string column, ExfilCandidate c)
        {
            switch (column)
            {
                case "UserName": return c.UserName ?? string.Empty;
                case "Zscore": return Real(c.Zscore);
                case "ZIA_TotalMBSent": return Real(c.ZIA_TotalMBSent);
                case "ZIA_ActiveDays": return c.ZIA_ActiveDays.ToString(CultureInfo.InvariantCulture);
                case "O365_AnonLinks": return c.O365_AnonLinks.ToString(CultureInfo.InvariantCulture);
                default: return null;
            }
        }

        private static string Real(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
    }
}
