using System.Collections;

namespace LowSlowExfil.Tests
{
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
}
