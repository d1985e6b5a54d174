using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using LowSlowExfil.Aggregation;
using LowSlowExfil.Rule;
using LowSlowExfil.SampleData;
using LowSlowExfil.Scoring;
using LowSlowExfil.State;
using Xunit;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// The opt-in features beyond the rule: the robust baseline, peer groups, the domain catalogue and channels,
    /// and the alert state. Tenants are built as in <see cref="ScoringTests"/>: events → ZiaAccumulator /
    /// SharingAccumulator → CandidateScorer.Score. 1 MB = 1048576 bytes; every expected number is worked out in a comment.
    /// </summary>
    internal static class BeyondTheRule
    {
        public const long MB = 1048576;

        // Window (2024-05-31T12:00Z, 2024-06-30T12:00Z]: every June day 1..29 is inside.
        public static readonly DateTime End = new DateTime(2024, 6, 30, 12, 0, 0, DateTimeKind.Utc);

        public static DateTime June(int day, int hour = 10) => new DateTime(2024, 6, day, hour, 0, 0, DateTimeKind.Utc);

        public sealed class Tenant
        {
            public readonly HuntOptions Options;
            public readonly ZiaAccumulator Zia;
            public readonly SharingAccumulator Sharing;

            public Tenant(bool kql = false, IEnumerable<string> domains = null, DomainCatalog catalog = null)
            {
                Options = new HuntOptions(End, 30, domains, kql, catalog);
                Zia = new ZiaAccumulator(Options);
                Sharing = new SharingAccumulator(Options);
            }

            public Tenant Up(string user, DateTime t, long bytes, string host = "dropbox.com")
            {
                Assert.Equal(ProxyDisposition.Counted, Zia.Add(t, "Zscaler", "Allowed", user, host, bytes));
                return this;
            }

            /// <summary>A total of <paramref name="mb"/> MB uploaded in one request on June 5.</summary>
            public Tenant UpMB(string user, long mb, string host = "dropbox.com") => Up(user, June(5), mb * MB, host);

            public Tenant Share(string user, DateTime t, string operation)
            {
                Assert.Equal(SharingDisposition.Counted, Sharing.Add(t, user, operation));
                return this;
            }

            public ScoreResult Score(ScoringOptions options) => CandidateScorer.Score(Zia.BuildProfiles(), Sharing.BuildProfiles(), options);
        }

        public static ExfilCandidate Get(ScoreResult r, string user) => r.All.Single(c => c.UserName == user);

        public static string[] FlaggedUsers(ScoreResult r) => r.Flagged.Select(c => c.UserName).OrderBy(u => u, StringComparer.Ordinal).ToArray();
    }

    // ═══════════════════════════════════════════════════════════════════ robust baseline

    public class BeyondTheRuleRobustBaselineTests
    {
        private const long MB = BeyondTheRule.MB;

        /// <summary>
        /// 30 ordinary users, six each at 6, 8, 10, 12 and 14 MB (sum 6·50 = 300 MB), one at 300 MB ("mid") and one
        /// at 5000 MB ("huge"): 32 users.
        /// </summary>
        private static BeyondTheRule.Tenant MaskingTenant(bool withHuge = true)
        {
            var t = new BeyondTheRule.Tenant();
            int[] typical = { 6, 8, 10, 12, 14 };
            for (int i = 0; i < 30; i++) t.UpMB("u" + i.ToString("00"), typical[i % 5]);
            t.UpMB("mid", 300);
            if (withHuge) t.UpMB("huge", 5000);
            return t;
        }

        [Fact]
        public void MeanStdev_OneHugeUploaderMasksASecond()
        {
            // The rule's baseline over the 32 users:
            //   Σx = 300 + 300 + 5000 = 5600; mean = 5600/32 = 175
            //   squared deviations: typical (6·): 169² + 167² + 165² + 163² + 161² = 28561 + 27889 + 27225 + 26569 + 25921
            //     = 136165, ×6 = 816990; mid: 125² = 15625; huge: 4825² = 23280625; Σ = 24113240
            //   sample variance = 24113240 / 31 = 777846.45; stdev = 881.956
            //   z(huge) = 4825 / 881.956 = 5.4708 → 5.47 (flagged); z(mid) = 125 / 881.956 = 0.1417 → 0.14 (far below 3)
            var r = MaskingTenant().Score(new ScoringOptions());
            Assert.Equal(5.47, BeyondTheRule.Get(r, "huge").Zscore);
            Assert.Equal(0.14, BeyondTheRule.Get(r, "mid").Zscore);
            Assert.Equal(new[] { "huge" }, BeyondTheRule.FlaggedUsers(r));
            Assert.Equal(175.0, r.Summary.BaselineMean, 9);
            Assert.Equal(881.956, r.Summary.BaselineStdev, 3);

            // Without the huge uploader the same 300 MB is an outlier under the rule's baseline (it was masked):
            //   31 users, Σx = 600, mean = 19.3548; Σx² = 6·(36+64+100+144+196) + 300² = 3240 + 90000 = 93240
            //   SS = 93240 − 600²/31 = 93240 − 11612.903 = 81627.097; variance = /30 = 2720.903; stdev = 52.162
            //   z(mid) = (300 − 19.3548) / 52.162 = 5.3802 → 5.38
            var alone = MaskingTenant(withHuge: false).Score(new ScoringOptions());
            Assert.Equal(5.38, BeyondTheRule.Get(alone, "mid").Zscore);
            Assert.Equal(new[] { "mid" }, BeyondTheRule.FlaggedUsers(alone));
        }

        [Fact]
        public void Robust_FindsTheMaskedUploader()
        {
            // Sorted totals: 6 (×6), 8 (×6), 10 (×6), 12 (×6), 14 (×6), 300, 5000 → median = mean of the 16th and 17th = 10.
            // |x − 10|: 0 (×6), 2 (×12), 4 (×12), 290, 4990 → MAD = mean of the 16th and 17th = 2.
            //   z(mid)  = 0.6745 · 290 / 2  =   97.8025  → 97.80 (flagged)
            //   z(huge) = 0.6745 · 4990 / 2 = 1682.8775  → 1682.88 (flagged)
            //   z(6)    = 0.6745 · −4 / 2   =   −1.349   → −1.35;  z(14) = 1.35; z(8) = −0.67; z(12) = 0.67; z(10) = 0
            var r = MaskingTenant().Score(new ScoringOptions { Baseline = BaselineMethod.Robust });
            Assert.Equal(97.80, BeyondTheRule.Get(r, "mid").Zscore);
            Assert.Equal(1682.88, BeyondTheRule.Get(r, "huge").Zscore);
            Assert.Equal(-1.35, BeyondTheRule.Get(r, "u00").Zscore); // u00: 6 MB
            Assert.Equal(-0.67, BeyondTheRule.Get(r, "u01").Zscore); // 8 MB: 0.6745 · −2 / 2 = −0.6745 → −0.67
            Assert.Equal(0.0, BeyondTheRule.Get(r, "u02").Zscore);   // 10 MB
            Assert.Equal(1.35, BeyondTheRule.Get(r, "u04").Zscore);  // 14 MB
            Assert.Equal(new[] { "huge", "mid" }, BeyondTheRule.FlaggedUsers(r));
            Assert.Equal(ExfilReason.ZScore, BeyondTheRule.Get(r, "mid").Reasons);
            // Also at the usual cut-off for modified z-scores, 3.5.
            var r35 = MaskingTenant().Score(new ScoringOptions { Baseline = BaselineMethod.Robust, Thresholds = new FlagThresholds { ZScore = 3.5 } });
            Assert.Equal(new[] { "huge", "mid" }, BeyondTheRule.FlaggedUsers(r35));

            // The context says what each user was compared with.
            var ctx = BeyondTheRule.Get(r, "mid").GetScoreContext();
            Assert.Equal(BaselineMethod.Robust, ctx.Method);
            Assert.Null(ctx.PeerGroup);
            Assert.Equal(32, ctx.BaselineUsers);
            Assert.Equal(10.0, ctx.BaselineCenter);
            Assert.Equal(2.0, ctx.BaselineSpread);
            // The summary keeps the rule's mean and standard deviation whatever the method.
            Assert.Equal(175.0, r.Summary.BaselineMean, 9);
            Assert.Equal(2, r.Summary.Flagged);
            // Order is still Zscore desc.
            Assert.Equal(new[] { "huge", "mid" }, r.All.Take(2).Select(c => c.UserName).ToArray());
        }

        [Fact]
        public void Robust_MadZero_FallsBackToMeanAbsoluteDeviation()
        {
            // 11 users: seven at 10 MB, and 8, 12, 14, 40. Median = 10 (the 6th of 11 sorted values).
            // |x − 10|: 0 (×7), 2, 2, 4, 30 → the 6th sorted is 0 → MAD = 0: more than half upload the same amount.
            // Fallback: mean absolute deviation = (0·7 + 2 + 2 + 4 + 30) / 11 = 38/11 = 3.454545
            //   denominator 1.253314 · 3.454545 = 4.329630
            //   z(40) = 30 / 4.329630 = 6.9290 → 6.93 (flagged); z(14) = 4 / 4.329630 = 0.9239 → 0.92
            //   z(12) = 2 / 4.329630 = 0.4619 → 0.46; z(8) = −0.46; z(10) = 0
            var t = new BeyondTheRule.Tenant();
            for (int i = 0; i < 7; i++) t.UpMB("same" + i, 10);
            t.UpMB("a8", 8).UpMB("b12", 12).UpMB("c14", 14).UpMB("d40", 40);
            var r = t.Score(new ScoringOptions { Baseline = BaselineMethod.Robust });
            Assert.Equal(6.93, BeyondTheRule.Get(r, "d40").Zscore);
            Assert.Equal(0.92, BeyondTheRule.Get(r, "c14").Zscore);
            Assert.Equal(0.46, BeyondTheRule.Get(r, "b12").Zscore);
            Assert.Equal(-0.46, BeyondTheRule.Get(r, "a8").Zscore);
            Assert.Equal(0.0, BeyondTheRule.Get(r, "same0").Zscore);
            Assert.Equal(new[] { "d40" }, BeyondTheRule.FlaggedUsers(r));
            var ctx = BeyondTheRule.Get(r, "d40").GetScoreContext();
            Assert.Equal(10.0, ctx.BaselineCenter);
            Assert.Equal(0.0, ctx.BaselineSpread); // the spread reported is the MAD, 0 here

            var b = Baseline.Of(new double[] { 10, 10, 10, 10, 10, 10, 10, 8, 12, 14, 40 }, BaselineMethod.Robust);
            Assert.Equal(6.93, b.Score(40));
            Assert.Equal(0.0, b.Spread);
        }

        [Fact]
        public void Robust_EveryoneEqual_AllZero()
        {
            // MAD = 0 and mean absolute deviation = 0: no spread at all, so every z is 0 (as the rule when stdev = 0).
            var t = new BeyondTheRule.Tenant();
            for (int i = 0; i < 12; i++) t.UpMB("u" + i.ToString("00"), 7);
            var r = t.Score(new ScoringOptions { Baseline = BaselineMethod.Robust });
            Assert.All(r.All, c => Assert.Equal(0.0, c.Zscore));
            Assert.Empty(r.Flagged);
            Assert.Equal(0.0, Baseline.Of(new double[] { 7, 7, 7 }, BaselineMethod.Robust).Score(1000));
        }

        [Fact]
        public void Robust_SingleUser_ScoresZero()
        {
            // One user: median = the value, MAD = 0, mean absolute deviation = 0 → z = 0.
            var r = new BeyondTheRule.Tenant().UpMB("solo", 5000).Score(new ScoringOptions { Baseline = BaselineMethod.Robust });
            var solo = Assert.Single(r.All);
            Assert.Equal(0.0, solo.Zscore);
            Assert.False(solo.IsFlagged());
            var ctx = solo.GetScoreContext();
            Assert.Equal(1, ctx.BaselineUsers);
            Assert.Equal(5000.0, ctx.BaselineCenter);
            Assert.Equal(0.0, ctx.BaselineSpread);
        }

        [Fact]
        public void Robust_EmptyInput()
        {
            var r = CandidateScorer.Score(Array.Empty<ZiaUploadProfile>(), Array.Empty<O365SharingProfile>(),
                new ScoringOptions { Baseline = BaselineMethod.Robust });
            Assert.Empty(r.All);
            Assert.Empty(r.Flagged);
            Assert.Equal(0, r.Summary.Users);

            var b = Baseline.Of(Array.Empty<double>(), BaselineMethod.Robust);
            Assert.Equal(0, b.Users);
            Assert.Equal(0.0, b.Center);
            Assert.Equal(0.0, b.Spread);
            Assert.Equal(0.0, b.Score(123));
            Assert.Equal(0.0, Baseline.Median(Array.Empty<double>()));
        }

        [Fact]
        public void Median_OddAndEven()
        {
            Assert.Equal(3.0, Baseline.Median(new double[] { 5, 1, 3 }));
            Assert.Equal(2.5, Baseline.Median(new double[] { 4, 1, 3, 2 }));
            Assert.Equal(7.0, Baseline.Median(new double[] { 7 }));
        }

        [Fact]
        public void MeanStdevBaseline_IsTheRules()
        {
            // [1,2,3,4,5]: mean 3, sample stdev 1.5811388300841898 (SPEC §2); z(5) = 2/1.5811 = 1.2649 → 1.26.
            var b = Baseline.Of(new double[] { 1, 2, 3, 4, 5 }, BaselineMethod.MeanStdev);
            Assert.Equal(3.0, b.Center);
            Assert.Equal(1.5811388300841898, b.Spread, 15);
            Assert.Equal(1.26, b.Score(5));
            Assert.Equal(0.0, Baseline.Of(new double[] { 4 }, BaselineMethod.MeanStdev).Score(4));
        }
    }

    // ═══════════════════════════════════════════════════════════════════ peer groups

    public class BeyondTheRulePeerGroupTests
    {
        private const long MB = BeyondTheRule.MB;

        // Weekdays of two weeks in June 2024 (June 3 is a Monday): 10 active days, under the persistence clause's 20.
        private static readonly int[] Weekdays = { 3, 4, 5, 6, 7, 10, 11, 12, 13, 14 };

        /// <summary>
        /// 87 users:
        /// developers dev01..dev12 push to github.com every weekday of two weeks: dev01..06 20 MB/day (200 MB),
        /// dev07..12 40 MB/day (400 MB);
        /// sales sales01..15 upload to dropbox.com: sales01..07 1 MB, sales08..14 3 MB, sales15 30 MB (10 MB on 3 days);
        /// legal legal1..3 and 57 others (other01..57), 1 MB each to drive.google.com, none of them in a ≥ 11 group.
        /// </summary>
        private static BeyondTheRule.Tenant Company()
        {
            var t = new BeyondTheRule.Tenant();
            for (int i = 1; i <= 12; i++)
                foreach (int d in Weekdays) t.Up(Dev(i), BeyondTheRule.June(d), (i <= 6 ? 20 : 40) * MB, "github.com");
            for (int i = 1; i <= 14; i++) t.Up(Sales(i), BeyondTheRule.June(5), (i <= 7 ? 1 : 3) * MB);
            foreach (int d in new[] { 4, 11, 18 }) t.Up(Sales(15), BeyondTheRule.June(d), 10 * MB);
            for (int i = 1; i <= 3; i++) t.Up("legal" + i + "@contoso.com", BeyondTheRule.June(6), 1 * MB, "drive.google.com");
            for (int i = 1; i <= 57; i++) t.Up("other" + i.ToString("00") + "@contoso.com", BeyondTheRule.June(6), 1 * MB, "drive.google.com");
            return t;
        }

        private static string Dev(int i) => "dev" + i.ToString("00") + "@contoso.com";
        private static string Sales(int i) => "sales" + i.ToString("00") + "@contoso.com";

        private static Dictionary<string, string> Map()
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 1; i <= 12; i++) map[Dev(i)] = "Engineering";
            for (int i = 1; i <= 15; i++) map[Sales(i)] = "Sales";
            for (int i = 1; i <= 3; i++) map["legal" + i + "@contoso.com"] = "Legal";
            return map;
        }

        [Fact]
        public void WithoutPeerGroups_TheHeavyDevelopersAreFlaggedAndTheSalesOutlierIsNot()
        {
            // Population of 87: Σx = 6·200 + 6·400 + 7·1 + 7·3 + 30 + 3·1 + 57·1 = 3718; mean = 42.7356
            //   Σx² = 6·40000 + 6·160000 + 7 + 63 + 900 + 60 = 1201030; SS = 1201030 − 3718²/87 = 1042138.92
            //   variance = /86 = 12117.90; stdev = 110.0813
            //   z(400) = 357.2644/110.0813 = 3.2455 → 3.25 (flagged); z(200) = 157.2644/110.0813 = 1.4286 → 1.43
            //   z(sales15, 30 MB) = −12.7356/110.0813 = −0.1157 → −0.12; z(1 MB) = −41.7356/110.0813 = −0.3791 → −0.38
            var r = Company().Score(new ScoringOptions());
            Assert.Equal(3.25, BeyondTheRule.Get(r, Dev(12)).Zscore);
            Assert.Equal(1.43, BeyondTheRule.Get(r, Dev(1)).Zscore);
            Assert.Equal(-0.12, BeyondTheRule.Get(r, Sales(15)).Zscore);
            Assert.Equal(-0.38, BeyondTheRule.Get(r, "other01@contoso.com").Zscore);
            Assert.Equal(Enumerable.Range(7, 6).Select(Dev).ToArray(), BeyondTheRule.FlaggedUsers(r));
            Assert.Equal(42.7356, r.Summary.BaselineMean, 4);
            Assert.Equal(110.0813, r.Summary.BaselineStdev, 4);
        }

        [Fact]
        public void WithPeerGroups_EachUserIsComparedWithTheirDepartment()
        {
            // Engineering (12): mean 300; SS = 12·100² = 120000; variance = 120000/11 = 10909.09; stdev = 104.4466
            //   z(400) = 100/104.4466 = 0.9574 → 0.96: heavy in absolute terms, ordinary among developers.
            // Sales (15): Σx = 7 + 21 + 30 = 58, mean = 3.8667; Σx² = 7 + 63 + 900 = 970; SS = 970 − 58²/15 = 745.7333
            //   variance = /14 = 53.2667; stdev = 7.2984; z(sales15) = 26.1333/7.2984 = 3.5807 → 3.58 (flagged)
            //   z(3 MB) = −0.8667/7.2984 = −0.1187 → −0.12; z(1 MB) = −2.8667/7.2984 = −0.3928 → −0.39
            // Legal (3 < 11) and the 57 users not in the map: the whole population (87 users), z(1 MB) = −0.38 as before.
            var r = Company().Score(new ScoringOptions { PeerGroups = Map() });
            Assert.Equal(0.96, BeyondTheRule.Get(r, Dev(12)).Zscore);
            Assert.Equal(-0.96, BeyondTheRule.Get(r, Dev(1)).Zscore);
            Assert.Equal(3.58, BeyondTheRule.Get(r, Sales(15)).Zscore);
            Assert.Equal(-0.12, BeyondTheRule.Get(r, Sales(8)).Zscore);
            Assert.Equal(-0.39, BeyondTheRule.Get(r, Sales(1)).Zscore);
            Assert.Equal(-0.38, BeyondTheRule.Get(r, "legal1@contoso.com").Zscore);
            Assert.Equal(-0.38, BeyondTheRule.Get(r, "other01@contoso.com").Zscore);
            Assert.Equal(new[] { Sales(15) }, BeyondTheRule.FlaggedUsers(r));
            Assert.Equal(ExfilReason.ZScore, BeyondTheRule.Get(r, Sales(15)).Reasons);

            var sales = BeyondTheRule.Get(r, Sales(15)).GetScoreContext();
            Assert.Equal("Sales", sales.PeerGroup);
            Assert.Equal(BaselineMethod.MeanStdev, sales.Method);
            Assert.Equal(15, sales.BaselineUsers);
            Assert.Equal(3.8667, sales.BaselineCenter, 4);
            Assert.Equal(7.2984, sales.BaselineSpread, 4);

            var dev = BeyondTheRule.Get(r, Dev(12)).GetScoreContext();
            Assert.Equal("Engineering", dev.PeerGroup);
            Assert.Equal(12, dev.BaselineUsers);
            Assert.Equal(300.0, dev.BaselineCenter, 9);
            Assert.Equal(104.4466, dev.BaselineSpread, 4);

            // Too small a group, and no group: the population, and no peer group in the context.
            foreach (var user in new[] { "legal1@contoso.com", "other01@contoso.com" })
            {
                var ctx = BeyondTheRule.Get(r, user).GetScoreContext();
                Assert.Null(ctx.PeerGroup);
                Assert.Equal(87, ctx.BaselineUsers);
                Assert.Equal(42.7356, ctx.BaselineCenter, 4);
                Assert.Equal(110.0813, ctx.BaselineSpread, 4);
            }
            // The summary still describes the whole population.
            Assert.Equal(87, r.Summary.Users);
            Assert.Equal(42.7356, r.Summary.BaselineMean, 4);
            Assert.Equal(1, r.Summary.Flagged);
        }

        [Fact]
        public void GroupsBelowTheMinimumSize_UseThePopulation()
        {
            // Minimum 13: Engineering (12) falls back to the population, Sales (15) stays a group:
            //   the heavy developers are flagged again (z 3.25) and sales15 still is (3.58).
            var r = Company().Score(new ScoringOptions { PeerGroups = Map(), MinimumPeerGroupSize = 13 });
            Assert.Equal(3.25, BeyondTheRule.Get(r, Dev(12)).Zscore);
            Assert.Null(BeyondTheRule.Get(r, Dev(12)).GetScoreContext().PeerGroup);
            Assert.Equal(87, BeyondTheRule.Get(r, Dev(12)).GetScoreContext().BaselineUsers);
            Assert.Equal(3.58, BeyondTheRule.Get(r, Sales(15)).Zscore);
            Assert.Equal(Enumerable.Range(7, 6).Select(Dev).Concat(new[] { Sales(15) }).ToArray(), BeyondTheRule.FlaggedUsers(r));

            // Minimum 16: both fall back, and the result is the rule's.
            var r16 = Company().Score(new ScoringOptions { PeerGroups = Map(), MinimumPeerGroupSize = 16 });
            var plain = Company().Score(new ScoringOptions());
            Assert.Equal(plain.All.Select(c => (c.UserName, c.Zscore, c.Reasons)), r16.All.Select(c => (c.UserName, c.Zscore, c.Reasons)));
            Assert.All(r16.All, c => Assert.Null(c.GetScoreContext().PeerGroup));

            // Minimum 3 makes Legal (3 users at 1 MB) a group of its own: no spread → z = 0.
            var r3 = Company().Score(new ScoringOptions { PeerGroups = Map(), MinimumPeerGroupSize = 3 });
            var legal = BeyondTheRule.Get(r3, "legal1@contoso.com");
            Assert.Equal("Legal", legal.GetScoreContext().PeerGroup);
            Assert.Equal(3, legal.GetScoreContext().BaselineUsers);
            Assert.Equal(0.0, legal.Zscore);
        }

        [Fact]
        public void GroupSizeCountsScoredUsersOnly()
        {
            // 20 map entries for Sales but only the 15 who uploaded count: with a minimum of 16 Sales falls back.
            var map = Map();
            for (int i = 16; i <= 20; i++) map[Sales(i)] = "Sales";
            var r = Company().Score(new ScoringOptions { PeerGroups = map, MinimumPeerGroupSize = 16 });
            Assert.Null(BeyondTheRule.Get(r, Sales(15)).GetScoreContext().PeerGroup);
            Assert.Equal(-0.12, BeyondTheRule.Get(r, Sales(15)).Zscore);
        }

        [Fact]
        public void MapKeysAreCaseInsensitive()
        {
            // The same map with the keys in other cases (as a directory export might write them) and padded group names.
            var mixed = Map().ToDictionary(kv => kv.Key.ToUpperInvariant().Replace("@CONTOSO.COM", "@Contoso.com"), kv => " " + kv.Value + " ");
            var r = Company().Score(new ScoringOptions { PeerGroups = mixed });
            Assert.Equal(3.58, BeyondTheRule.Get(r, Sales(15)).Zscore);
            Assert.Equal("Sales", BeyondTheRule.Get(r, Sales(15)).GetScoreContext().PeerGroup);
            Assert.Equal(new[] { Sales(15) }, BeyondTheRule.FlaggedUsers(r));

            // PeerGroupMap.FromDictionary (what a PowerShell hashtable goes through) lower-cases the keys.
            var table = new Hashtable { ["Sales15@Contoso.COM"] = "Sales", [" dev01@contoso.com "] = "Engineering", ["empty@contoso.com"] = "", [""] = "X" };
            var fromTable = PeerGroupMap.FromDictionary(table);
            Assert.Equal(2, fromTable.Count);
            Assert.Equal("Sales", fromTable[Sales(15)]);
            Assert.Equal("Engineering", fromTable[Dev(1)]);
        }

        [Fact]
        public void EmptyMap_IsTheRule()
        {
            var plain = Company().Score(new ScoringOptions());
            var empty = Company().Score(new ScoringOptions { PeerGroups = new Dictionary<string, string>() });
            Assert.Equal(plain.All.Select(c => (c.UserName, c.Zscore, c.Reasons)), empty.All.Select(c => (c.UserName, c.Zscore, c.Reasons)));
        }

        [Fact]
        public void PeerGroupsWithRobustBaseline()
        {
            // Sales under Robust: sorted 1 (×7), 3 (×7), 30 → median = the 8th = 3; |x − 3|: 2 (×7), 0 (×7), 27
            //   → sorted 0 (×7), 2 (×7), 27 → MAD = the 8th = 2; z(sales15) = 0.6745 · 27 / 2 = 9.10575 → 9.11
            var r = Company().Score(new ScoringOptions { PeerGroups = Map(), Baseline = BaselineMethod.Robust });
            var s15 = BeyondTheRule.Get(r, Sales(15));
            Assert.Equal(9.11, s15.Zscore);
            Assert.Equal("Sales", s15.GetScoreContext().PeerGroup);
            Assert.Equal(BaselineMethod.Robust, s15.GetScoreContext().Method);
            Assert.Equal(3.0, s15.GetScoreContext().BaselineCenter);
            Assert.Equal(2.0, s15.GetScoreContext().BaselineSpread);
        }

        [Fact]
        public void PeerGroupMap_FromCsv()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("groups.csv");
            // BOM, a header with other columns, quoted cells, a blank line, mixed case.
            File.WriteAllText(path, "\uFEFFDisplayName,UserPrincipalName,Department\r\n\"Doe, Jane\",Jane.Doe@Contoso.com,Sales\r\n\r\nBob,bob@contoso.com,\" Engineering \"\r\n",
                new UTF8Encoding(false));
            var map = PeerGroupMap.FromCsv(path);
            Assert.Equal(2, map.Count);
            Assert.Equal("Sales", map["jane.doe@contoso.com"]);
            Assert.Equal("Engineering", map["bob@contoso.com"]);

            string bad = dir.File("bad.csv");
            File.WriteAllText(bad, "Name,Office\nx,y\n");
            var e = Assert.Throws<InvalidDataException>(() => PeerGroupMap.FromCsv(bad));
            Assert.Contains(bad + ":1:", e.Message);

            string ragged = dir.File("ragged.csv");
            File.WriteAllText(ragged, "UserName,Group\na@x.com,A\nb@x.com,B,extra\n");
            e = Assert.Throws<InvalidDataException>(() => PeerGroupMap.FromCsv(ragged));
            Assert.Contains(ragged + ":3:", e.Message);
        }
    }

    // ═══════════════════════════════════════════════════════════════════ defaults are the rule

    public class BeyondTheRuleDefaultsTests
    {
        private static readonly Lazy<SampleTenant> Sample = new Lazy<SampleTenant>(() =>
            SampleTenant.Generate(new SampleTenantOptions { BrowsingEventsPerUserPerDay = 1, OfficeEventsPerUserPerDay = 1 }));

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void DefaultScoringOptions_GiveExactlyTheFlagThresholdsResult(bool kql)
        {
            var tenant = Sample.Value;
            var options = new HuntOptions(endTimeUtc: tenant.EndTime, days: 30, kqlCompatible: kql);
            var zia = new ZiaAccumulator(options);
            foreach (var e in tenant.ProxyEvents()) zia.Add(e.TimeGenerated, e.DeviceVendor, e.DeviceAction, e.SourceUserName, e.DestinationHostName, e.SentBytes);
            var sharing = new SharingAccumulator(options);
            foreach (var e in tenant.SharingEvents()) sharing.Add(e.TimeGenerated, e.UserId, e.Operation);
            var uploads = zia.BuildProfiles();
            var shares = sharing.BuildProfiles();

            var rule = CandidateScorer.Score(uploads, shares, new FlagThresholds());
            var opts = CandidateScorer.Score(uploads, shares, new ScoringOptions());
            var nullOpts = CandidateScorer.Score(uploads, shares, (ScoringOptions)null);

            Assert.True(rule.All.Count > 200);
            Assert.Equal(4, rule.Summary.Flagged); // the designed four in either mode (SampleTenant's table)
            foreach (var other in new[] { opts, nullOpts })
            {
                Assert.Equal(rule.All.Count, other.All.Count);
                for (int i = 0; i < rule.All.Count; i++)
                {
                    var a = rule.All[i];
                    var b = other.All[i];
                    foreach (var p in typeof(ExfilCandidate).GetProperties())
                        Assert.True(Equals(p.GetValue(a), p.GetValue(b)), $"{a.UserName}.{p.Name}: {p.GetValue(a)} vs {p.GetValue(b)}");
                    Assert.Same(a.GetUploadProfile(), b.GetUploadProfile());
                    Assert.Same(a.GetSharingProfile(), b.GetSharingProfile());
                    var ca = a.GetScoreContext();
                    var cb = b.GetScoreContext();
                    Assert.Null(ca.PeerGroup);
                    Assert.Null(cb.PeerGroup);
                    Assert.Equal(BaselineMethod.MeanStdev, cb.Method);
                    Assert.Equal((ca.BaselineUsers, ca.BaselineCenter, ca.BaselineSpread), (cb.BaselineUsers, cb.BaselineCenter, cb.BaselineSpread));
                    Assert.Equal(rule.Summary.BaselineMean, cb.BaselineCenter);
                    Assert.Equal(rule.Summary.BaselineStdev, cb.BaselineSpread);
                }
                foreach (var p in typeof(HuntSummary).GetProperties().Where(p => p.PropertyType != typeof(string[])))
                    Assert.Equal(p.GetValue(rule.Summary), p.GetValue(other.Summary));
            }
            // The property list compared above is the rule's ten columns and the module's three, nothing more.
            Assert.Equal(new[] { "UserName", "ZIA_TotalMBSent", "ZIA_ActiveDays", "ZIA_TotalRequests", "ZIA_UniqueDestCnt", "O365_EventCount",
                "O365_AnonLinks", "O365_Operations", "DistinctChannels", "Zscore", "Reasons", "AlertDisplayName", "AlertDescription" },
                typeof(ExfilCandidate).GetProperties().Select(p => p.Name).ToArray());
        }

        [Fact]
        public void NullThresholdsStillResolveToTheRule()
        {
            // Score(uploads, sharing, null) compiled before ScoringOptions existed; it must still compile and mean the rule.
            var t = new BeyondTheRule.Tenant().UpMB("a", 1).UpMB("b", 2);
            var r = CandidateScorer.Score(t.Zia.BuildProfiles(), null, null);
            Assert.Equal(2, r.All.Count);
            Assert.Equal(BaselineMethod.MeanStdev, r.All[0].GetScoreContext().Method);
        }
    }

    // ═══════════════════════════════════════════════════════════════════ domain catalogue and channels

    public class BeyondTheRuleDomainCatalogTests
    {
        private const long MB = BeyondTheRule.MB;

        [Fact]
        public void EveryRuleDomainHasItsChannel()
        {
            var expected = new Dictionary<string, ExfilChannel>
            {
                ["drive.google.com"] = ExfilChannel.CloudStorage, ["docs.google.com"] = ExfilChannel.CloudStorage,
                ["dropbox.com"] = ExfilChannel.CloudStorage, ["box.com"] = ExfilChannel.CloudStorage,
                ["mega.nz"] = ExfilChannel.CloudStorage, ["mediafire.com"] = ExfilChannel.CloudStorage,
                ["sendspace.com"] = ExfilChannel.CloudStorage, ["wetransfer.com"] = ExfilChannel.CloudStorage,
                ["4shared.com"] = ExfilChannel.CloudStorage, ["anonfiles.com"] = ExfilChannel.CloudStorage,
                ["github.com"] = ExfilChannel.CodeHosting, ["gitlab.com"] = ExfilChannel.CodeHosting,
                ["bitbucket.org"] = ExfilChannel.CodeHosting, ["gist.github.com"] = ExfilChannel.CodeHosting,
                ["web.whatsapp.com"] = ExfilChannel.Messaging, ["telegram.org"] = ExfilChannel.Messaging,
                ["t.me"] = ExfilChannel.Messaging, ["discord.com"] = ExfilChannel.Messaging,
                ["discordapp.com"] = ExfilChannel.Messaging, ["signal.org"] = ExfilChannel.Messaging,
                ["mail.google.com"] = ExfilChannel.Webmail, ["outlook.live.com"] = ExfilChannel.Webmail,
                ["protonmail.com"] = ExfilChannel.Webmail, ["tutanota.com"] = ExfilChannel.Webmail,
            };
            var catalog = DomainCatalog.Default;
            Assert.Equal(24, ExfilRule.DefaultExfilDomains.Count);
            Assert.Equal(ExfilRule.DefaultExfilDomains.OrderBy(d => d), expected.Keys.OrderBy(d => d));
            Assert.Equal(ExfilRule.DefaultExfilDomains, catalog.RuleDomains.ToArray());
            foreach (var d in ExfilRule.DefaultExfilDomains)
            {
                Assert.Equal(expected[d], catalog.ChannelOf(d));
                var entry = catalog.Domains.Single(c => c.Domain == d);
                Assert.True(entry.InRule, d);
                Assert.Equal(expected[d], entry.Channel);
            }
            // The extra hosts are not the rule's, and each has a real channel.
            var extra = catalog.Domains.Where(d => !d.InRule).ToList();
            Assert.NotEmpty(extra);
            Assert.All(extra, d => Assert.NotEqual(ExfilChannel.Unknown, d.Channel));
            Assert.Empty(extra.Select(d => d.Domain).Intersect(ExfilRule.DefaultExfilDomains));
            Assert.Equal(catalog.Domains.Count, catalog.AllDomains.Distinct().Count());
        }

        [Theory]
        [InlineData("DROPBOX.COM:443", ExfilChannel.CloudStorage)]
        [InlineData("www.dropbox.com.", ExfilChannel.CloudStorage)]
        [InlineData("Gist.GitHub.com.", ExfilChannel.CodeHosting)]
        [InlineData("Mail.Google.Com:8443", ExfilChannel.Webmail)]
        [InlineData(" x.t.me ", ExfilChannel.Messaging)]
        [InlineData("mmg.whatsapp.net", ExfilChannel.Messaging)]
        [InlineData("content.dropboxapi.com", ExfilChannel.CloudStorage)]
        [InlineData("evil-dropbox.com.example", ExfilChannel.Unknown)]
        [InlineData("mydropbox.com", ExfilChannel.Unknown)]
        [InlineData("t.media.com", ExfilChannel.Unknown)]
        [InlineData("google.com", ExfilChannel.Unknown)]
        [InlineData("", ExfilChannel.Unknown)]
        [InlineData(null, ExfilChannel.Unknown)]
        public void ChannelOf_NormalisesTheHost(string host, ExfilChannel expected) =>
            Assert.Equal(expected, DomainCatalog.Default.ChannelOf(host));

        [Fact]
        public void ChannelOf_PicksTheLongestMatch()
        {
            using var dir = TestPaths.NewTempFolder();
            // Give gist.github.com a channel of its own, so which match wins shows: github.com stays CodeHosting.
            string path = dir.File("catalog.csv");
            File.WriteAllText(path, "Domain,Channel\ngist.github.com,Messaging\nuploads.dropbox.com,Webmail\n");
            var c = DomainCatalog.Default.ExtendFromFile(path);
            Assert.Equal(ExfilChannel.Messaging, c.ChannelOf("gist.github.com"));
            Assert.Equal(ExfilChannel.Messaging, c.ChannelOf("a.gist.github.com:443"));
            Assert.Equal(ExfilChannel.CodeHosting, c.ChannelOf("github.com"));
            Assert.Equal(ExfilChannel.CodeHosting, c.ChannelOf("api.github.com"));
            Assert.Equal(ExfilChannel.Webmail, c.ChannelOf("x.uploads.dropbox.com"));
            Assert.Equal(ExfilChannel.CloudStorage, c.ChannelOf("www.dropbox.com"));
            // The order of the catalogue does not matter: the shorter domain is listed first in the rule's list
            // (github.com before gist.github.com), and the longer still wins.
            Assert.True(c.Domains.ToList().FindIndex(d => d.Domain == "github.com") < c.Domains.ToList().FindIndex(d => d.Domain == "gist.github.com"));
            // Re-classified, gist.github.com is still one of the rule's 24; uploads.dropbox.com is not.
            Assert.Equal(ExfilRule.DefaultExfilDomains.OrderBy(d => d), c.RuleDomains.OrderBy(d => d));
            Assert.False(c.Domains.Single(d => d.Domain == "uploads.dropbox.com").InRule);
        }

        [Fact]
        public void UploadApiHost_IsMissedByTheRuleButNotByTheCatalogue()
        {
            // content.dropboxapi.com: "dropboxapi" is one term, and dropboxapi.com is not dropbox.com.
            foreach (bool kql in new[] { true, false })
            {
                Assert.False(DestinationMatcher.Create(ExfilRule.DefaultExfilDomains, kql).IsMatch("content.dropboxapi.com"));
                Assert.True(DestinationMatcher.Create(DomainCatalog.Default.AllDomains, kql).IsMatch("content.dropboxapi.com"));
            }

            // Through the accumulator: dropped with the rule's list, counted with the catalogue, as CloudStorage.
            var rule = new ZiaAccumulator(new HuntOptions(BeyondTheRule.End, 30, null, false));
            Assert.Equal(ProxyDisposition.OtherDestination,
                rule.Add(BeyondTheRule.June(3), "Zscaler", "Allowed", "eve@contoso.com", "content.dropboxapi.com", 5 * MB));
            var extended = new BeyondTheRule.Tenant(domains: DomainCatalog.Default.AllDomains);
            extended.Up("eve@contoso.com", BeyondTheRule.June(3), 5 * MB, "content.dropboxapi.com");
            var p = Assert.Single(extended.Zia.BuildProfiles());
            Assert.Equal(5.0, p.ZIA_TotalMBSent);
            var ch = Assert.Single(p.Channels);
            Assert.Equal(ExfilChannel.CloudStorage, ch.Channel);
            Assert.Equal(ExfilChannel.CloudStorage, Assert.Single(p.Destinations).Channel);
        }

        [Fact]
        public void ExtendFromFile_GoodFile()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("catalog.csv");
            File.WriteAllText(path, string.Join("\n",
                "# company additions",
                "",
                "Note,Domain,Channel",
                "our sftp drop,Files.Example.NET:8443,cloudstorage",
                "\"paste site\",\"paste.example.org.\",\"CodeHosting\"",
                "moved,pastebin.com,Messaging",
                "twice,dup.example.com,Webmail",
                "twice,dup.example.com,CloudStorage",
                ""));
            var c = DomainCatalog.Default.ExtendFromFile(path);
            Assert.Equal(ExfilChannel.CloudStorage, c.ChannelOf("files.example.net"));
            Assert.Equal(ExfilChannel.CloudStorage, c.ChannelOf("eu.files.example.net"));
            Assert.Equal(ExfilChannel.CodeHosting, c.ChannelOf("paste.example.org"));
            Assert.Equal(ExfilChannel.Messaging, c.ChannelOf("pastebin.com")); // a built-in entry, replaced
            Assert.Equal(ExfilChannel.CloudStorage, c.ChannelOf("dup.example.com")); // later rows win
            Assert.Single(c.Domains, d => d.Domain == "dup.example.com");
            Assert.Single(c.Domains, d => d.Domain == "pastebin.com");
            Assert.Contains("files.example.net", c.AllDomains);
            Assert.All(c.Domains.Where(d => d.Domain.Contains("example")), d => Assert.False(d.InRule));
            // The rule's 24 are still there and still the rule's; the built-in catalogue is unchanged.
            Assert.Equal(ExfilRule.DefaultExfilDomains, c.RuleDomains.ToArray());
            Assert.Equal(ExfilChannel.CodeHosting, DomainCatalog.Default.ChannelOf("pastebin.com"));
            Assert.Equal(ExfilChannel.Unknown, DomainCatalog.Default.ChannelOf("files.example.net"));
        }

        [Theory]
        [InlineData("Host,Kind\nx.example.com,Webmail\n", 1, "header")]
        [InlineData("# comment\n\nDomain;Channel\nx.example.com;Webmail\n", 3, "header")]
        [InlineData("Domain,Channel\nok.example.com,Webmail\nx.example.com,Carrier pigeon\n", 3, "unknown channel 'Carrier pigeon'")]
        [InlineData("Domain,Channel\nx.example.com,Unknown\n", 2, "unknown channel 'Unknown'")]
        [InlineData("Domain,Channel\nx.example.com,1\n", 2, "unknown channel '1'")]
        [InlineData("Domain,Channel\nx.example.com,7\n", 2, "unknown channel '7'")]
        [InlineData("Domain,Channel\nx.example.com,Webmail\njustonecolumn\n", 3, "expected the columns")]
        [InlineData("Domain,Channel\n\" \",Webmail\n", 2, "empty domain")]
        public void ExtendFromFile_ErrorsNameFileAndLine(string content, int line, string reason)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("bad-catalog.csv");
            File.WriteAllText(path, content);
            var e = Assert.Throws<InvalidDataException>(() => DomainCatalog.Default.ExtendFromFile(path));
            Assert.StartsWith(path + ":" + line + ": ", e.Message);
            Assert.Contains(reason, e.Message);
        }

        [Fact]
        public void ExtendFromFile_MissingFile()
        {
            using var dir = TestPaths.NewTempFolder();
            Assert.Throws<FileNotFoundException>(() => DomainCatalog.Default.ExtendFromFile(dir.File("absent.csv")));
        }

        /// <summary>
        /// One user, four channels:
        /// June 1: dropbox.com 1 MB ×2 requests, github.com 2 MB; June 2: gist.github.com 3 MB, drive.google.com 4 MB;
        /// June 3: mail.google.com 5 MB, t.me 0 bytes (a request that sent nothing).
        /// </summary>
        private static BeyondTheRule.Tenant FourChannels(bool kql = false)
        {
            var t = new BeyondTheRule.Tenant(kql);
            const string u = "multi@contoso.com";
            t.Up(u, BeyondTheRule.June(1, 9), 1 * MB, "dropbox.com").Up(u, BeyondTheRule.June(1, 10), 1 * MB, "dropbox.com")
             .Up(u, BeyondTheRule.June(1, 11), 2 * MB, "github.com")
             .Up(u, BeyondTheRule.June(2, 9), 3 * MB, "gist.github.com").Up(u, BeyondTheRule.June(2, 10), 4 * MB, "drive.google.com")
             .Up(u, BeyondTheRule.June(3, 9), 5 * MB, "mail.google.com").Up(u, BeyondTheRule.June(3, 10), 0, "t.me");
            return t;
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void ProfileChannels_Totals(bool kql)
        {
            // CloudStorage: dropbox.com 1+1 MB (June 1) + drive.google.com 4 MB (June 2) = 6 MB, 3 requests, 2 days, 2 destinations
            // CodeHosting:  github.com 2 MB (June 1) + gist.github.com 3 MB (June 2) = 5 MB, 2 requests, 2 days, 2 destinations
            // Webmail:      mail.google.com 5 MB (June 3) = 5 MB, 1 request, 1 day, 1 destination
            // Messaging:    t.me 0 bytes (June 3), 1 request, 1 day, 1 destination
            // Order: SentBytes desc, then channel (CodeHosting before Webmail at 5 MB each).
            // Totals agree with the rule's columns: 6+5+5+0 = 16 MB, 7 requests, 3 days.
            var p = Assert.Single(FourChannels(kql).Zia.BuildProfiles());
            Assert.Equal(16.0, p.ZIA_TotalMBSent);
            Assert.Equal(7, p.ZIA_TotalRequests);
            Assert.Equal(3, p.ZIA_ActiveDays);
            var rows = p.Channels.Select(c => (c.Channel, c.SentBytes, c.SentMB, c.RequestCount, c.ActiveDays, c.Destinations, c.UserName)).ToArray();
            Assert.Equal(new[]
            {
                (ExfilChannel.CloudStorage, 6 * MB, 6.0, 3L, 2, 2, "multi@contoso.com"),
                (ExfilChannel.CodeHosting, 5 * MB, 5.0, 2L, 2, 2, "multi@contoso.com"),
                (ExfilChannel.Webmail, 5 * MB, 5.0, 1L, 1, 1, "multi@contoso.com"),
                (ExfilChannel.Messaging, 0L, 0.0, 1L, 1, 1, "multi@contoso.com"),
            }, rows);
            Assert.Equal(p.TotalBytesSent, p.Channels.Sum(c => c.SentBytes));
            Assert.Equal(p.ZIA_TotalRequests, p.Channels.Sum(c => c.RequestCount));
            Assert.Equal(p.DistinctDestinations, p.Channels.Sum(c => c.Destinations));
            // Each destination carries its channel.
            Assert.Equal(ExfilChannel.CodeHosting, p.Destinations.Single(d => d.DestinationHostName == "gist.github.com").Channel);
            Assert.Equal(ExfilChannel.Messaging, p.Destinations.Single(d => d.DestinationHostName == "t.me").Channel);
        }

        [Fact]
        public void ProfileChannels_DomainsOutsideTheCatalogueAreUnknown()
        {
            // -ExfilDomain example.org: hunted, but the catalogue has no channel for it.
            var t = new BeyondTheRule.Tenant(domains: new[] { "example.org" });
            t.Up("x@contoso.com", BeyondTheRule.June(4), 7 * MB, "files.example.org");
            var p = Assert.Single(t.Zia.BuildProfiles());
            var ch = Assert.Single(p.Channels);
            Assert.Equal((ExfilChannel.Unknown, 7 * MB, 1L, 1, 1), (ch.Channel, ch.SentBytes, ch.RequestCount, ch.ActiveDays, ch.Destinations));
        }

        [Fact]
        public void DistinctChannels_Categories()
        {
            // multi: channels with bytes: CloudStorage, CodeHosting, Webmail = 3 (Messaging sent 0 bytes), + 1 for sharing = 4.
            //   The rule's count: 16 MB > 5 → 1, + 1 for sharing = 2.
            // single: 8 MB to dropbox.com only, no sharing → Categories 1; rule 1 (8 > 5).
            // small: 1 MB to github.com + 1 MB to mail.google.com, no sharing → Categories 2; rule 0 (2 MB is not > 5).
            // custom: 9 MB to an -ExfilDomain outside the catalogue → Categories 0 (Unknown is not a category); rule 1.
            var t = FourChannels();
            t.Share("multi@contoso.com", BeyondTheRule.June(2), "SharingSet");
            t.Up("single@contoso.com", BeyondTheRule.June(2), 8 * MB, "dropbox.com");
            t.Up("small@contoso.com", BeyondTheRule.June(2), 1 * MB, "github.com").Up("small@contoso.com", BeyondTheRule.June(2), 1 * MB, "mail.google.com");
            var rule = t.Score(new ScoringOptions());
            var cats = t.Score(new ScoringOptions { DistinctChannels = ChannelCounting.Categories });
            Assert.Equal(2, BeyondTheRule.Get(rule, "multi@contoso.com").DistinctChannels);
            Assert.Equal(4, BeyondTheRule.Get(cats, "multi@contoso.com").DistinctChannels);
            Assert.Equal(1, BeyondTheRule.Get(rule, "single@contoso.com").DistinctChannels);
            Assert.Equal(1, BeyondTheRule.Get(cats, "single@contoso.com").DistinctChannels);
            Assert.Equal(0, BeyondTheRule.Get(rule, "small@contoso.com").DistinctChannels);
            Assert.Equal(2, BeyondTheRule.Get(cats, "small@contoso.com").DistinctChannels);
            // Only DistinctChannels changes.
            Assert.Equal(rule.All.Select(c => (c.UserName, c.Zscore, c.Reasons)), cats.All.Select(c => (c.UserName, c.Zscore, c.Reasons)));

            var custom = new BeyondTheRule.Tenant(domains: new[] { "example.org" });
            custom.Up("custom@contoso.com", BeyondTheRule.June(4), 9 * MB, "example.org");
            Assert.Equal(0, Assert.Single(custom.Score(new ScoringOptions { DistinctChannels = ChannelCounting.Categories }).All).DistinctChannels);
            Assert.Equal(1, Assert.Single(custom.Score(new ScoringOptions()).All).DistinctChannels);
        }
    }

    // ═══════════════════════════════════════════════════════════════════ alert state

    public class BeyondTheRuleAlertStateTests
    {
        private static DateTime Day(int month, int day, int hour = 0) => new DateTime(2024, month, day, hour, 0, 0, DateTimeKind.Utc);

        [Fact]
        public void AbsentFile_IsAnEmptyState()
        {
            using var dir = TestPaths.NewTempFolder();
            var s = AlertState.Load(dir.File("state.json"));
            Assert.Equal(0, s.Users);
            Assert.Null(s.QuarantinedTo);
            Assert.Null(s.LoadError);
            Assert.Equal(new[] { Day(6, 1) }, s.NewDays("a", new[] { Day(6, 1, 13) }));
            Assert.False(File.Exists(dir.File("state.json"))); // loading writes nothing
        }

        [Fact]
        public void SuppressAndRaise()
        {
            using var dir = TestPaths.NewTempFolder();
            var s = AlertState.Load(dir.File("state.json"));
            // Run 1: a flagged user active on June 1 and 2 is new: raised, and both days recorded.
            var days = new[] { Day(6, 1), Day(6, 2) };
            Assert.Equal(days, s.NewDays("a@x.com", days));
            s.Record("a@x.com", days);
            Assert.Equal(1, s.Users);

            // Run 2, same data: every day already alerted → nothing new (not raised again).
            Assert.Empty(s.NewDays("a@x.com", days));
            // Times within an alerted day count as that day; duplicates are one day.
            Assert.Empty(s.NewDays("a@x.com", new[] { Day(6, 2, 23), Day(6, 1, 5), Day(6, 1, 6) }));
            // Another user is unaffected; user names are compared exactly (the rule lower-cases them before).
            Assert.Equal(days, s.NewDays("b@x.com", days));
            Assert.Equal(days, s.NewDays("A@x.com", days));

            // Run 3: one more day of uploads → only that day is new → raised, and recorded.
            var more = new[] { Day(6, 1), Day(6, 2), Day(6, 3, 14) };
            Assert.Equal(new[] { Day(6, 3) }, s.NewDays("a@x.com", more));
            s.Record("a@x.com", more);
            Assert.Empty(s.NewDays("a@x.com", more));
            Assert.Equal(1, s.Users);
            // New days are returned in order, day-binned.
            Assert.Equal(new[] { Day(6, 4), Day(6, 9) }, s.NewDays("a@x.com", new[] { Day(6, 9, 8), Day(6, 1), Day(6, 4, 22) }));
        }

        [Fact]
        public void Prune_ForgetsDaysOlderThanTheRetentionBeforeTheWindow()
        {
            using var dir = TestPaths.NewTempFolder();
            var s = AlertState.Load(dir.File("state.json"));
            s.Record("old", new[] { Day(1, 15), Day(3, 31) });
            s.Record("mixed", new[] { Day(3, 31), Day(4, 1), Day(6, 10) });
            // Window start 2024-06-30T12:00 → day 2024-06-30; minus 90 days = 2024-04-01: earlier days are forgotten.
            s.Prune(new DateTime(2024, 6, 30, 12, 0, 0, DateTimeKind.Utc));
            Assert.Equal(1, s.Users); // "old" had only older days and is gone
            Assert.Equal(new[] { Day(3, 31) }, s.NewDays("mixed", new[] { Day(3, 31), Day(4, 1), Day(6, 10) }));
            Assert.Equal(new[] { Day(1, 15), Day(3, 31) }, s.NewDays("old", new[] { Day(1, 15), Day(3, 31) }));
            Assert.Equal(TimeSpan.FromDays(90), AlertState.Retention);
        }

        [Fact]
        public void Prune_WithNoWindow_DoesNotThrow()
        {
            // A hunt with no ZIA users has no window start (default(DateTime)); the cmdlet still prunes and saves.
            using var dir = TestPaths.NewTempFolder();
            var s = AlertState.Load(dir.File("state.json"));
            s.Record("a", new[] { Day(6, 1) });
            s.Prune(default);
            Assert.Equal(1, s.Users);
        }

        [Fact]
        public void SaveAndLoad_RoundTrip()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = Path.Combine(dir.Path, "sub", "folder", "state.json"); // folders are created
            var s = AlertState.Load(path);
            s.Record("b@x.com", new[] { Day(6, 2), Day(6, 1, 7) });
            s.Record("a@x.com", new[] { Day(5, 30) });
            s.Save();

            using (var doc = JsonDocument.Parse(File.ReadAllBytes(path)))
            {
                var root = doc.RootElement;
                Assert.Equal(1, root.GetProperty("version").GetInt32());
                Assert.True(DateTime.TryParse(root.GetProperty("updated").GetString(), out _));
                var users = root.GetProperty("users").EnumerateObject().ToList();
                Assert.Equal(new[] { "a@x.com", "b@x.com" }, users.Select(u => u.Name).ToArray());
                Assert.Equal(new[] { "2024-06-01", "2024-06-02" }, users[1].Value.EnumerateArray().Select(d => d.GetString()).ToArray());
            }
            // Nothing but the state file is left in the folder.
            Assert.Equal(new[] { "state.json" }, Directory.GetFiles(Path.GetDirectoryName(path)).Select(Path.GetFileName).ToArray());

            var back = AlertState.Load(path);
            Assert.Null(back.QuarantinedTo);
            Assert.Equal(2, back.Users);
            Assert.Empty(back.NewDays("b@x.com", new[] { Day(6, 1), Day(6, 2) }));
            Assert.Empty(back.NewDays("a@x.com", new[] { Day(5, 30, 23) }));
            Assert.Equal(new[] { Day(6, 3) }, back.NewDays("b@x.com", new[] { Day(6, 1), Day(6, 3) }));

            // Saving again replaces the file.
            back.Record("c@x.com", new[] { Day(6, 5) });
            back.Save();
            Assert.Equal(3, AlertState.Load(path).Users);
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)));
        }

        [Fact]
        public void CrashMidWrite_StrayTempFiles_LeaveThePreviousStateWhole()
        {
            // A crash (power loss, killed job) during Save leaves at most a temporary file beside the state:
            // ".state.json.<guid>.tmp", possibly half written. The state file itself is only ever replaced by rename.
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("state.json");
            var s = AlertState.Load(path);
            s.Record("a@x.com", new[] { Day(6, 1) });
            s.Save();
            byte[] before = File.ReadAllBytes(path);

            File.WriteAllText(dir.File(".state.json." + Guid.NewGuid().ToString("N") + ".tmp"), "{\n  \"version\": 1,\n  \"users\": {\n    \"a@x.com\": [\"2024-06-0");
            File.WriteAllText(dir.File(".state.json." + Guid.NewGuid().ToString("N") + ".tmp"), "{\"version\":1,\"users\":{\"z@x.com\":[\"2024-06-09\"]}}");

            var loaded = AlertState.Load(path);
            Assert.Null(loaded.QuarantinedTo);
            Assert.Equal(1, loaded.Users);
            Assert.Empty(loaded.NewDays("a@x.com", new[] { Day(6, 1) }));
            Assert.Equal(new[] { Day(6, 9) }, loaded.NewDays("z@x.com", new[] { Day(6, 9) })); // the temp files are never read
            Assert.Equal(before, File.ReadAllBytes(path));

            // The next save still works beside them.
            loaded.Record("b@x.com", new[] { Day(6, 2) });
            loaded.Save();
            Assert.Equal(2, AlertState.Load(path).Users);
        }

        /// <summary>Passes writes through until <paramref name="failAfter"/> bytes, writes part of the next buffer, then fails like a full disk.</summary>
        private sealed class FailingStream : Stream
        {
            private readonly Stream _inner;
            private readonly long _failAfter;

            public FailingStream(Stream inner, long failAfter) { _inner = inner; _failAfter = failAfter; }

            public string TargetName => (_inner as FileStream)?.Name;
            public long Written { get; private set; }

            public override void Write(byte[] buffer, int offset, int count)
            {
                long room = _failAfter - Written;
                if (count > room)
                {
                    _inner.Write(buffer, offset, (int)Math.Max(0, room));
                    _inner.Flush();
                    Written += Math.Max(0, room);
                    throw new IOException("No space left on device (simulated)");
                }
                _inner.Write(buffer, offset, count);
                Written += count;
            }

            public override void Flush() => _inner.Flush();
            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
        }

        [Fact]
        public void FailedWrite_LeavesTheOldFileWholeAndNoTempBehind()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("state.json");
            var s = AlertState.Load(path);
            s.Record("a@x.com", new[] { Day(6, 1), Day(6, 2) });
            s.Save();
            byte[] before = File.ReadAllBytes(path);

            // The next save dies half way through writing: the bytes went to a temporary file beside the state, never to it.
            var next = AlertState.Load(path);
            for (int i = 0; i < 50; i++) next.Record("user" + i + "@x.com", new[] { Day(6, 3) });
            FailingStream failing = null;
            long partialLength = -1;
            next.WrapTempStream = inner =>
            {
                failing = new FailingStream(inner, failAfter: 200);
                return failing;
            };
            var e = Assert.Throws<IOException>(() => next.Save());
            Assert.Contains("simulated", e.Message);
            Assert.NotNull(failing);
            Assert.Equal(200, failing.Written);
            string temp = failing.TargetName;
            Assert.NotNull(temp);
            Assert.NotEqual(Path.GetFullPath(path), Path.GetFullPath(temp));
            Assert.Equal(Path.GetFullPath(dir.Path), Path.GetDirectoryName(Path.GetFullPath(temp))); // same folder, so the rename is atomic
            Assert.StartsWith(".state.json.", Path.GetFileName(temp));
            Assert.EndsWith(".tmp", temp);
            partialLength = failing.Written;
            Assert.True(partialLength > 0);

            // The state file is exactly the old one, the half-written temp is gone, and Load gives the previous state.
            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.False(File.Exists(temp));
            Assert.Equal(new[] { "state.json" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName).ToArray());
            var loaded = AlertState.Load(path);
            Assert.Null(loaded.QuarantinedTo);
            Assert.Equal(1, loaded.Users);
            Assert.Empty(loaded.NewDays("a@x.com", new[] { Day(6, 1), Day(6, 2) }));

            // A save that succeeds afterwards writes everything.
            next.WrapTempStream = null;
            next.Save();
            Assert.Equal(51, AlertState.Load(path).Users);
        }

        [Fact]
        public void FailedRename_LeavesTheOldFileWhole()
        {
            // The state path is a folder: the temp file is written in full, and the final rename fails. Nothing is lost
            // and no temp file is left.
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("state.json");
            Directory.CreateDirectory(path);
            File.WriteAllText(Path.Combine(path, "keep.txt"), "x");
            var s = AlertState.Load(path); // a folder is not a state file: empty state
            Assert.Equal(0, s.Users);
            s.Record("a@x.com", new[] { Day(6, 1) });
            Assert.ThrowsAny<IOException>(() => s.Save());
            Assert.True(Directory.Exists(path));
            Assert.Equal("x", File.ReadAllText(Path.Combine(path, "keep.txt")));
            Assert.Equal(new[] { "state.json" }, Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).ToArray());
        }

        [Theory]
        [InlineData("{not json")]
        [InlineData("")]
        [InlineData("[]")]
        [InlineData("{\"users\":{}}")]
        [InlineData("{\"version\":2,\"users\":{}}")]
        [InlineData("{\"version\":\"1\",\"users\":{}}")]
        [InlineData("{\"version\":1}")]
        [InlineData("{\"version\":1,\"users\":[]}")]
        [InlineData("{\"version\":1,\"users\":{\"a\":\"2024-06-01\"}}")]
        [InlineData("{\"version\":1,\"users\":{\"a\":[\"2024-13-45\"]}}")]
        [InlineData("{\"version\":1,\"users\":{\"a\":[20240601]}}")]
        [InlineData("{\"version\":1,\"users\":{\"a\":[null]}}")]
        [InlineData("{\"version\":1,\"users\":{\"a\":[\"2024-06-01\"]}")] // truncated
        public void UnreadableFile_IsQuarantinedAndTheStateStartsEmpty(string content)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("state.json");
            File.WriteAllText(path, content);
            var s = AlertState.Load(path);
            Assert.Equal(0, s.Users);
            Assert.NotNull(s.LoadError);
            Assert.NotNull(s.QuarantinedTo);
            Assert.StartsWith(path + ".unreadable-", s.QuarantinedTo);
            Assert.False(File.Exists(path));                       // moved aside, not deleted
            Assert.Equal(content, File.ReadAllText(s.QuarantinedTo));
            // Starting empty means earlier alerts are raised again (safer than suppressing them).
            Assert.Equal(new[] { Day(6, 1) }, s.NewDays("a", new[] { Day(6, 1) }));

            // The next save writes a fresh, readable state; the quarantined copy stays for inspection.
            s.Record("a", new[] { Day(6, 1) });
            s.Save();
            var again = AlertState.Load(path);
            Assert.Null(again.QuarantinedTo);
            Assert.Equal(1, again.Users);
            Assert.True(File.Exists(s.QuarantinedTo));
        }

        [Fact]
        public void BinaryGarbage_IsQuarantined()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("state.json");
            File.WriteAllBytes(path, new byte[] { 0xFF, 0xFE, 0x00, 0x01, 0x80, 0x81 });
            var s = AlertState.Load(path);
            Assert.NotNull(s.QuarantinedTo);
            Assert.Equal(0, s.Users);
        }
    }
}
