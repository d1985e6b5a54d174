using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using LowSlowExfil.Aggregation;
using LowSlowExfil.Rule;
using LowSlowExfil.Scoring;
using Xunit;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// Small hand-computed tenants: events → ZiaAccumulator / SharingAccumulator → CandidateScorer.Score
    /// (SPEC §1.1–1.7). Every expected number is worked out in a comment.
    /// </summary>
    public class ScoringTests
    {
        private const long MB = 1048576; // 2^20 bytes

        // Window (2024-05-31T12:00Z, 2024-06-30T12:00Z]: every June day 1..29 at any hour is inside.
        private static readonly DateTime End = new DateTime(2024, 6, 30, 12, 0, 0, DateTimeKind.Utc);

        private static DateTime June(int day, int hour = 10, int minute = 0, int second = 0) =>
            new DateTime(2024, 6, day, hour, minute, second, DateTimeKind.Utc);

        private sealed class Tenant
        {
            public readonly HuntOptions Options;
            public readonly ZiaAccumulator Zia;
            public readonly SharingAccumulator Sharing;

            public Tenant(bool kql)
            {
                Options = new HuntOptions(End, 30, null, kql);
                Zia = new ZiaAccumulator(Options);
                Sharing = new SharingAccumulator(Options);
            }

            public Tenant Up(string user, DateTime t, long? bytes, string host = "dropbox.com")
            {
                Assert.Equal(ProxyDisposition.Counted, Zia.Add(t, "Zscaler", "Allowed", user, host, bytes));
                return this;
            }

            /// <summary>One upload of <paramref name="bytesPerDay"/> on each of June 1..<paramref name="days"/>.</summary>
            public Tenant UpDaily(string user, int days, long bytesPerDay)
            {
                for (int d = 1; d <= days; d++) Up(user, June(d), bytesPerDay);
                return this;
            }

            public Tenant Share(string user, DateTime t, string operation, int times = 1)
            {
                for (int i = 0; i < times; i++)
                    Assert.Equal(SharingDisposition.Counted, Sharing.Add(t, user, operation));
                return this;
            }

            public ScoreResult Score(FlagThresholds thresholds = null) =>
                CandidateScorer.Score(Zia.BuildProfiles(), Sharing.BuildProfiles(), thresholds);
        }

        private static ExfilCandidate Get(ScoreResult r, string user) => r.All.Single(c => c.UserName == user);

        // ------------------------------------------------------------------ z-score clause

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void ZScore_TenUsers_EvenAnExtremeOutlierStaysBelow3(bool kql)
        {
            // 9 users at 0 MB and one at X MB. With n users, n−1 at 0 and one at X:
            //   mean = X/n; squared deviations = (X(n−1)/n)² + (n−1)(X/n)² = X²(n−1)/n
            //   sample variance = X²(n−1)/n / (n−1) = X²/n → stdev = X/√n
            //   z(outlier) = (X(n−1)/n) / (X/√n) = (n−1)/√n, independent of X: the largest z any user can have.
            // n = 10: 9/√10 = 9/3.16228 = 2.84605 → 2.85 < 3; the others: −(X/n)/(X/√n) = −1/√10 = −0.31623 → −0.32
            var t = new Tenant(kql);
            for (int i = 1; i <= 9; i++) t.Up("u" + i, June(5), 0);
            t.Up("big", June(5), 100000 * MB); // 100000 MB
            var r = t.Score();

            var big = Get(r, "big");
            Assert.Equal(100000.0, big.ZIA_TotalMBSent);
            Assert.Equal(2.85, big.Zscore);
            Assert.True(big.Zscore < 3.0);
            Assert.Equal(ExfilReason.None, big.Reasons);
            Assert.All(r.All.Where(c => c.UserName != "big"), c => Assert.Equal(-0.32, c.Zscore));
            Assert.Empty(r.Flagged);
            Assert.Equal(0, r.Summary.Flagged);
            Assert.Equal(10, r.Summary.Users);
            Assert.Equal("big", r.All[0].UserName);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void ZScore_ElevenUsers_OutlierReaches3(bool kql)
        {
            // n = 11, ten at 0 MB and one at 100000 MB (see above):
            //   z(outlier) = 10/√11 = 10/3.31662 = 3.01511 → 3.02 ≥ 3 → flagged
            //   z(others)  = −1/√11 = −0.30151 → −0.30
            //   mean = 100000/11 = 9090.90909; stdev = 100000/√11 = 30151.13446
            var t = new Tenant(kql);
            for (int i = 1; i <= 10; i++) t.Up("u" + i.ToString("00"), June(5), 0);
            t.Up("big", June(5), 100000 * MB);
            var r = t.Score();

            var big = Get(r, "big");
            Assert.Equal(3.02, big.Zscore);
            Assert.Equal(ExfilReason.ZScore, big.Reasons);
            Assert.All(r.All.Where(c => c.UserName != "big"), c => { Assert.Equal(-0.30, c.Zscore); Assert.False(c.IsFlagged()); });
            Assert.Equal(new[] { "big" }, r.Flagged.Select(c => c.UserName).ToArray());
            Assert.Equal(1, r.Summary.Flagged);
            Assert.Equal(11, r.Summary.Users);
            Assert.Equal(9090.90909, r.Summary.BaselineMean, 5);
            Assert.Equal(30151.13446, r.Summary.BaselineStdev, 5);
        }

        [Fact]
        public void ZScore_ElevenUsers_NonZeroBaseline()
        {
            // z is shift-invariant: ten at 1 MB and one at 101 MB.
            //   mean = (10·1 + 101)/11 = 111/11 = 10.0909; deviations 90.9091 and −9.0909 (×10)
            //   Σsq = 8264.4628 + 10·82.6446 = 9090.9091; /10 = 909.0909; √ = 30.1511
            //   z = 90.9091/30.1511 = 3.01511 → 3.02
            var t = new Tenant(false);
            for (int i = 1; i <= 10; i++) t.Up("u" + i.ToString("00"), June(5), 1 * MB);
            t.Up("big", June(5), 101 * MB);
            Assert.Equal(3.02, Get(t.Score(), "big").Zscore);
        }

        [Fact]
        public void ZScore_ThresholdThroughFlagThresholds()
        {
            // The 10-user tenant: z(big) = 2.85 (see above). A 2.8 threshold flags it, 2.9 does not.
            var t = new Tenant(false);
            for (int i = 1; i <= 9; i++) t.Up("u" + i, June(5), 0);
            t.Up("big", June(5), 100000 * MB);

            var r = t.Score(new FlagThresholds { ZScore = 2.8 });
            Assert.Equal(ExfilReason.ZScore, Get(r, "big").Reasons);
            Assert.Equal(1, r.Summary.Flagged);

            r = t.Score(new FlagThresholds { ZScore = 2.85 }); // ≥ is inclusive
            Assert.Equal(ExfilReason.ZScore, Get(r, "big").Reasons);

            r = t.Score(new FlagThresholds { ZScore = 2.9 });
            Assert.Equal(ExfilReason.None, Get(r, "big").Reasons);
        }

        // ------------------------------------------------------------------ anonymous-link clause

        /// <summary>
        /// Four ZIA users (≤ 10, so no z can reach 3), one upload day each (no persistence):
        ///   a: 11 MB, 3 anonymous-link events → clause holds (3 ≥ 3 and 11 &gt; 10)
        ///   b: 11 MB, 2 anonymous-link events → 2 &lt; 3
        ///   c: 10 MB exactly, 3 anonymous-link events → 10 &gt; 10 is false
        ///   d: 10 MB + 5243 bytes = 10.0050001 MB → 10.01, 3 events → clause holds
        /// Each also has one SharingSet event (counted, not anonymous).
        /// </summary>
        private static Tenant AnonTenant(bool kql)
        {
            var t = new Tenant(kql);
            t.Up("a", June(2), 11 * MB).Up("b", June(2), 11 * MB).Up("c", June(2), 10 * MB).Up("d", June(2), 10 * MB + 5243);
            t.Share("a", June(3), "AnonymousLinkCreated", 2).Share("a", June(4), "AnonymousLinkUsed").Share("a", June(4), "SharingSet");
            t.Share("b", June(3), "AnonymousLinkCreated").Share("b", June(3), "AnonymousLinkUsed").Share("b", June(4), "SharingSet");
            t.Share("c", June(3), "AnonymousLinkCreated", 3).Share("c", June(4), "SharingSet");
            t.Share("d", June(3), "AnonymousLinkUsed", 3).Share("d", June(4), "SharingSet");
            return t;
        }

        [Fact]
        public void AnonymousLinks_IntentMode_Fires()
        {
            var r = AnonTenant(kql: false).Score();
            Assert.Equal(3, Get(r, "a").O365_AnonLinks);
            Assert.Equal(2, Get(r, "b").O365_AnonLinks);
            Assert.Equal(3, Get(r, "c").O365_AnonLinks);
            Assert.Equal(3, Get(r, "d").O365_AnonLinks);
            Assert.Equal(4, Get(r, "a").O365_EventCount); // 2 + 1 + 1
            Assert.Equal(10.01, Get(r, "d").ZIA_TotalMBSent);

            Assert.Equal(ExfilReason.AnonymousLinks, Get(r, "a").Reasons);
            Assert.Equal(ExfilReason.None, Get(r, "b").Reasons);
            Assert.Equal(ExfilReason.None, Get(r, "c").Reasons);
            Assert.Equal(ExfilReason.AnonymousLinks, Get(r, "d").Reasons);
            Assert.Equal(new[] { "a", "d" }, r.Flagged.Select(c => c.UserName).OrderBy(n => n, StringComparer.Ordinal).ToArray());
        }

        [Fact]
        public void AnonymousLinks_KqlMode_NeverFires()
        {
            // countif(Operation has "Anonymous") is 0 for AnonymousLinkCreated/Used ("has" is a whole-term match).
            var r = AnonTenant(kql: true).Score();
            Assert.All(r.All, c => Assert.Equal(0, c.O365_AnonLinks));
            Assert.Equal(4, Get(r, "a").O365_EventCount); // the events still count
            Assert.Empty(r.Flagged);

            // Even with the thresholds at their loosest, the anonymous clause cannot fire in KQL mode.
            r = AnonTenant(kql: true).Score(new FlagThresholds { AnonymousLinks = 1, AnonymousLinkMinMB = 0 });
            Assert.Empty(r.Flagged);
        }

        [Fact]
        public void AnonymousLinks_ThresholdsThroughFlagThresholds()
        {
            // AnonymousLinks = 2 lets b in (2 ≥ 2, 11 > 10); AnonymousLinkMinMB = 9.99 lets c in (10 > 9.99).
            var r = AnonTenant(false).Score(new FlagThresholds { AnonymousLinks = 2 });
            Assert.Equal(ExfilReason.AnonymousLinks, Get(r, "b").Reasons);
            Assert.Equal(ExfilReason.None, Get(r, "c").Reasons);

            r = AnonTenant(false).Score(new FlagThresholds { AnonymousLinkMinMB = 9.99 });
            Assert.Equal(ExfilReason.None, Get(r, "b").Reasons);
            Assert.Equal(ExfilReason.AnonymousLinks, Get(r, "c").Reasons);

            // Raising the MB floor to 11 drops a (11 > 11 false) but keeps nobody else either.
            r = AnonTenant(false).Score(new FlagThresholds { AnonymousLinkMinMB = 11 });
            Assert.Empty(r.Flagged);
        }

        // ------------------------------------------------------------------ persistence clause

        /// <summary>
        /// Five users (≤ 10: no z reaches 3), no sharing:
        ///   p20:  20 days × 3 MB = 60 MB       → 20 ≥ 20 and 60 &gt; 50 → flagged
        ///   p19:  19 days × 3 MB = 57 MB       → 19 &lt; 20
        ///   e50:  20 days × 2.5 MB = 50 MB     → 50 &gt; 50 false
        ///   e50b: 20 × 2.5 MB + 1 byte         → 50.00000095 → 50.0 (rounded before the test) → not flagged
        ///   e51:  20 × 2.5 MB + 5243 bytes     → 50.0050001 → 50.01 → flagged
        /// </summary>
        private static Tenant PersistenceTenant(bool kql)
        {
            var t = new Tenant(kql);
            const long twoAndAHalfMB = 2621440; // 2.5 · 1048576
            t.UpDaily("p20", 20, 3 * MB);
            t.UpDaily("p19", 19, 3 * MB);
            t.UpDaily("e50", 20, twoAndAHalfMB);
            t.UpDaily("e50b", 20, twoAndAHalfMB).Up("e50b", June(20, 11), 1);
            t.UpDaily("e51", 20, twoAndAHalfMB).Up("e51", June(20, 11), 5243);
            return t;
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Persistence_Boundaries(bool kql)
        {
            var r = PersistenceTenant(kql).Score();
            Assert.Equal(60.0, Get(r, "p20").ZIA_TotalMBSent);
            Assert.Equal(20, Get(r, "p20").ZIA_ActiveDays);
            Assert.Equal(57.0, Get(r, "p19").ZIA_TotalMBSent);
            Assert.Equal(19, Get(r, "p19").ZIA_ActiveDays);
            Assert.Equal(50.0, Get(r, "e50").ZIA_TotalMBSent);
            Assert.Equal(50.0, Get(r, "e50b").ZIA_TotalMBSent);
            Assert.Equal(20, Get(r, "e50b").ZIA_ActiveDays);   // the extra upload is on day 20: still 20 days
            Assert.Equal(21, Get(r, "e50b").ZIA_TotalRequests); // 20 + 1
            Assert.Equal(50.01, Get(r, "e51").ZIA_TotalMBSent);

            Assert.Equal(ExfilReason.Persistence, Get(r, "p20").Reasons);
            Assert.Equal(ExfilReason.None, Get(r, "p19").Reasons);
            Assert.Equal(ExfilReason.None, Get(r, "e50").Reasons);
            Assert.Equal(ExfilReason.None, Get(r, "e50b").Reasons);
            Assert.Equal(ExfilReason.Persistence, Get(r, "e51").Reasons);
            Assert.All(r.All, c => Assert.True(c.Zscore < 3.0));
        }

        [Fact]
        public void Persistence_ThresholdsThroughFlagThresholds()
        {
            // PersistenceDays = 19: p19 (19 days, 57 MB > 50) joins.
            var r = PersistenceTenant(false).Score(new FlagThresholds { PersistenceDays = 19 });
            Assert.Equal(ExfilReason.Persistence, Get(r, "p19").Reasons);
            Assert.Equal(ExfilReason.None, Get(r, "e50").Reasons);

            // PersistenceMinMB = 49.99: e50 and e50b (50.0 > 49.99) join; p19 still has too few days.
            r = PersistenceTenant(false).Score(new FlagThresholds { PersistenceMinMB = 49.99 });
            Assert.Equal(ExfilReason.Persistence, Get(r, "e50").Reasons);
            Assert.Equal(ExfilReason.Persistence, Get(r, "e50b").Reasons);
            Assert.Equal(ExfilReason.None, Get(r, "p19").Reasons);

            // PersistenceMinMB = 60: p20 (60 > 60 false) drops out.
            r = PersistenceTenant(false).Score(new FlagThresholds { PersistenceMinMB = 60 });
            Assert.Empty(r.Flagged);
        }

        [Fact]
        public void SeveralClauses_CombineAsFlags()
        {
            // One user: 20 days × 3 MB = 60 MB, 3 AnonymousLinkCreated → persistence and anonymous links (intent).
            var t = new Tenant(false).UpDaily("x", 20, 3 * MB).Share("x", June(1), "AnonymousLinkCreated", 3);
            Assert.Equal(ExfilReason.AnonymousLinks | ExfilReason.Persistence, Get(t.Score(), "x").Reasons);
        }

        // ------------------------------------------------------------------ join

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void LeftOuterJoin(bool kql)
        {
            var t = new Tenant(kql)
                .Up("alice@x.com", June(1), 1 * MB)
                .Up("bob@x.com", June(1), 2 * MB)
                .Share("alice@x.com", June(2, 9), "FileDownloaded")
                .Share("alice@x.com", June(4, 9), "SharingSet")
                .Share("carol@x.com", June(2), "SharingSet", 5); // O365 only
            var r = t.Score();

            Assert.Equal(new[] { "alice@x.com", "bob@x.com" }, r.All.Select(c => c.UserName).OrderBy(n => n, StringComparer.Ordinal).ToArray());
            Assert.DoesNotContain(r.All, c => c.UserName == "carol@x.com");
            Assert.Equal(2, r.Summary.Users);

            var alice = Get(r, "alice@x.com");
            Assert.Equal(2, alice.O365_EventCount);
            Assert.Equal(new[] { "FileDownloaded", "SharingSet" }, alice.O365_Operations.ToArray());
            Assert.NotNull(alice.GetSharingProfile());
            Assert.Equal(June(4, 9), alice.GetSharingProfile().O365_LastEvent);
            Assert.Equal(June(2, 9), alice.GetSharingProfile().O365_FirstEvent);

            var bob = Get(r, "bob@x.com");
            Assert.Equal(0, bob.O365_EventCount);
            Assert.Equal(0, bob.O365_AnonLinks);
            Assert.NotNull(bob.O365_Operations);
            Assert.Empty(bob.O365_Operations);
            Assert.Equal("[]", bob.O365_Operations.ToString());
            Assert.Null(bob.GetSharingProfile());
            Assert.NotNull(bob.GetUploadProfile());
        }

        // ------------------------------------------------------------------ DistinctChannels

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void DistinctChannels(bool kql)
        {
            // (ZIA_TotalMBSent > 5 ? 1 : 0) + (O365_EventCount > 0 ? 1 : 0), on the rounded MB:
            //   a: 5 MB exactly + sharing          → 0 + 1 = 1
            //   b: 5 MB + 5243 B = 5.01, no sharing → 1 + 0 = 1
            //   c: 6 MB + sharing                  → 1 + 1 = 2
            //   d: 1 MB, no sharing                → 0
            //   e: 5 MB + 1 B → 5.0, no sharing    → 0
            var t = new Tenant(kql)
                .Up("a", June(1), 5 * MB).Up("b", June(1), 5 * MB + 5243).Up("c", June(1), 6 * MB)
                .Up("d", June(1), 1 * MB).Up("e", June(1), 5 * MB + 1)
                .Share("a", June(1), "FileCopied").Share("c", June(1), "FileCopied");
            var r = t.Score();
            Assert.Equal(1, Get(r, "a").DistinctChannels);
            Assert.Equal(1, Get(r, "b").DistinctChannels);
            Assert.Equal(2, Get(r, "c").DistinctChannels);
            Assert.Equal(0, Get(r, "d").DistinctChannels);
            Assert.Equal(0, Get(r, "e").DistinctChannels);
        }

        // ------------------------------------------------------------------ ordering

        [Fact]
        public void Ordering_ZscoreDesc_ThenMBDesc_ThenUserName()
        {
            // MB: top 1000, low 0, abe 500, ann 500.01, zoe 500.01 (500 MB + 10486 B = 500.0100002 → 500.01)
            //   mean = 2500.02/5 = 500.004
            //   deviations: top 499.996, low −500.004, abe −0.004, ann/zoe 0.006
            //   Σsq = 249996.000016 + 250004.000016 + 0.000016 + 2·0.000036 = 500000.00012
            //   stdev = √(500000.00012/4) = √125000.00003 = 353.5534
            //   z: top 499.996/353.5534 = 1.41420 → 1.41; low −1.41422 → −1.41;
            //      abe −0.0000113 → 0 (not −0); ann/zoe 0.0000170 → 0
            // Order: top (1.41); then z = 0 by MB desc: ann, zoe (500.01, by name), abe (500); then low (−1.41).
            var t = new Tenant(false)
                .Up("zoe", June(1), 500 * MB + 10486).Up("low", June(1), 0).Up("abe", June(1), 500 * MB)
                .Up("top", June(1), 1000 * MB).Up("ann", June(1), 500 * MB + 10486);
            var r = t.Score();

            Assert.Equal(new[] { "top", "ann", "zoe", "abe", "low" }, r.All.Select(c => c.UserName).ToArray());
            Assert.Equal(new[] { 1.41, 0.0, 0.0, 0.0, -1.41 }, r.All.Select(c => c.Zscore).ToArray());
            Assert.Equal(new[] { 1000.0, 500.01, 500.01, 500.0, 0.0 }, r.All.Select(c => c.ZIA_TotalMBSent).ToArray());
            Assert.False(double.IsNegative(Get(r, "abe").Zscore));
            Assert.Equal(500.004, r.Summary.BaselineMean, 9);
            Assert.Equal(353.5534, r.Summary.BaselineStdev, 4);
        }

        [Fact]
        public void Ordering_FlaggedKeepsTheOrder()
        {
            // 11 users: big 100000 MB (1 day); p1 60 MB (20 days × 3 MB); p2 80 MB (20 days × 4 MB); z1..z8 at 0 MB.
            //   mean = (100000 + 60 + 80)/11 = 100140/11 = 9103.6364
            //   deviations: big 90896.3636, p1 −9043.6364, p2 −9023.6364, zeros −9103.6364 (×8)
            //   Σsq = 8262148922.3 + 81787358.7 + 81426013.2 + 8·82876195.0 = 9088371854.5
            //   stdev = √(9088371854.5/10) = √908837185.45 = 30146.93
            //   z: big 90896.36/30146.93 = 3.0151 → 3.02 (ZScore); p1 −9043.64/30146.93 = −0.29999 → −0.30;
            //      p2 −9023.64/30146.93 = −0.29932 → −0.30; zeros −9103.64/30146.93 = −0.30198 → −0.30
            // p1 and p2 are flagged by persistence (20 days, 60 and 80 MB > 50).
            // Flagged order: big (3.02), then p2 and p1 tie at −0.30 → MB desc: p2 (80), p1 (60).
            var t = new Tenant(false).Up("big", June(1), 100000 * MB).UpDaily("p1", 20, 3 * MB).UpDaily("p2", 20, 4 * MB);
            for (int i = 1; i <= 8; i++) t.Up("z" + i, June(1), 0);
            var r = t.Score();
            Assert.Equal(3.02, Get(r, "big").Zscore);
            Assert.Equal(-0.30, Get(r, "p1").Zscore);
            Assert.Equal(-0.30, Get(r, "p2").Zscore);
            Assert.Equal(-0.30, Get(r, "z1").Zscore);
            Assert.Equal(new[] { "big", "p2", "p1" }, r.Flagged.Select(c => c.UserName).ToArray());
            Assert.Equal(new[] { ExfilReason.ZScore, ExfilReason.Persistence, ExfilReason.Persistence }, r.Flagged.Select(c => c.Reasons).ToArray());
            Assert.Equal(3, r.Summary.Flagged);
            // All: big, p2, p1 (−0.30 with the most MB), then z1..z8 (−0.30, 0 MB) by name.
            Assert.Equal(new[] { "big", "p2", "p1", "z1", "z2", "z3", "z4", "z5", "z6", "z7", "z8" }, r.All.Select(c => c.UserName).ToArray());
        }

        // ------------------------------------------------------------------ degenerate populations

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Empty_NoUsers_NoCandidates(bool kql)
        {
            var t = new Tenant(kql);
            var r = t.Score();
            Assert.Empty(r.All);
            Assert.Empty(r.Flagged);
            Assert.Equal(0, r.Summary.Users);
            Assert.Equal(0, r.Summary.Flagged);
            Assert.Equal(0.0, r.Summary.BaselineMean);
            Assert.Equal(0.0, r.Summary.BaselineStdev);

            r = CandidateScorer.Score(Array.Empty<ZiaUploadProfile>(), null, null);
            Assert.Empty(r.All);

            // Sharing without any proxy user still yields nothing (the left side drives the join).
            t.Share("only365@x.com", June(1), "AnonymousLinkCreated", 5);
            Assert.Empty(t.Score().All);
        }

        [Fact]
        public void Score_NullUploads_Throws()
        {
            Assert.Throws<ArgumentNullException>(() => CandidateScorer.Score(null, null, null));
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void SingleUser_StdevZero_ZscoreZero(bool kql)
        {
            // One user: stdev of one value is 0 → Zscore = 0.0 however large the upload.
            var r = new Tenant(kql).Up("solo", June(1), 100000 * MB).Score();
            var solo = Assert.Single(r.All);
            Assert.Equal(0.0, solo.Zscore);
            Assert.False(double.IsNegative(solo.Zscore));
            Assert.Equal(0.0, r.Summary.BaselineStdev);
            Assert.Equal(100000.0, r.Summary.BaselineMean);
            Assert.False(solo.IsFlagged());
        }

        [Fact]
        public void AllUsersEqual_StdevZero_ZscoreZero()
        {
            var r = new Tenant(false).Up("a", June(1), 7 * MB).Up("b", June(2), 7 * MB).Up("c", June(3), 7 * MB).Score();
            Assert.All(r.All, c => Assert.Equal(0.0, c.Zscore));
            // Equal z and MB → by user name.
            Assert.Equal(new[] { "a", "b", "c" }, r.All.Select(c => c.UserName).ToArray());
        }

        // ------------------------------------------------------------------ user names

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void UserNames_AreLowerCasedAndMerged(bool kql)
        {
            // Jane@X.com (June 1, 1 MB, dropbox.com) + jane@x.com (June 1, 2 MB, box.com) + JANE@X.COM (June 2, 1 MB)
            //   → one user jane@x.com: 4 MB, 2 days, 3 requests, UniqueDestCnt = 2 (June 1) + 1 (June 2) = 3
            var t = new Tenant(kql)
                .Up("Jane@X.com", June(1), 1 * MB)
                .Up("jane@x.com", June(1, 11), 2 * MB, "box.com")
                .Up("JANE@X.COM", June(2), 1 * MB)
                .Share("Jane@X.Com", June(3), "SharingSet")
                .Share("jane@x.com", June(3), "FileDownloaded");
            var r = t.Score();
            var jane = Assert.Single(r.All);
            Assert.Equal("jane@x.com", jane.UserName);
            Assert.Equal(4.0, jane.ZIA_TotalMBSent);
            Assert.Equal(2, jane.ZIA_ActiveDays);
            Assert.Equal(3, jane.ZIA_TotalRequests);
            Assert.Equal(3, jane.ZIA_UniqueDestCnt);
            Assert.Equal(2, jane.O365_EventCount); // both sharing spellings joined to the same user
        }

        // ------------------------------------------------------------------ destinations and days

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void UniqueDestCnt_IsSumOfDailyDistinct_DistinctDestinationsIsTrueDistinct(bool kql)
        {
            // June 1: dropbox.com, box.com (2) · June 2: dropbox.com, box.com, dropbox.com again (2) · June 3: dropbox.com (1)
            //   ZIA_UniqueDestCnt = 2 + 2 + 1 = 5; DistinctDestinations = |{dropbox.com, box.com}| = 2
            var t = new Tenant(kql)
                .Up("u", June(1), 1).Up("u", June(1), 1, "box.com")
                .Up("u", June(2), 1).Up("u", June(2), 1, "box.com").Up("u", June(2, 11), 1)
                .Up("u", June(3), 1);
            var r = t.Score();
            var u = Get(r, "u");
            Assert.Equal(5, u.ZIA_UniqueDestCnt);
            Assert.Equal(6, u.ZIA_TotalRequests);
            Assert.Equal(3, u.ZIA_ActiveDays);
            Assert.Equal(2, u.GetUploadProfile().DistinctDestinations);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void DailyUploads_And_Destinations(bool kql)
        {
            // June 1 10:00    dropbox.com 1 MB       (1048576)
            // June 1 23:59:59 box.com     3 MB       (3145728)
            // June 1 08:00    dropbox.com 0.5 MB     (524288)
            // June 3 00:00:00 dropbox.com 2 MB       (2097152)
            // June 3 12:00    mega.nz     no SentBytes (null → 0)
            // Days: June 1: 1048576 + 3145728 + 524288 = 4718592 B (4.5 MB), 3 requests, 2 hosts
            //       June 3: 2097152 B, 2 requests, 2 hosts
            // Totals: 6815744 B = 6.5 MB, 2 days, 5 requests, UniqueDestCnt 2 + 2 = 4, 3 distinct hosts
            // Hosts (SentBytes desc, then name): dropbox.com 1048576 + 524288 + 2097152 = 3670016 (3.5 MB, 3 req, 2 days),
            //       box.com 3145728 (3 MB, 1 req, 1 day), mega.nz 0 (1 req, 1 day)
            var t = new Tenant(kql)
                .Up("u", June(1, 10), 1 * MB)
                .Up("u", June(1, 23, 59, 59), 3 * MB, "box.com")
                .Up("u", June(1, 8), 524288)
                .Up("u", June(3, 0), 2 * MB)
                .Up("u", June(3, 12), null, "mega.nz");
            var p = Get(t.Score(), "u").GetUploadProfile();

            Assert.Equal(6815744, p.TotalBytesSent);
            Assert.Equal(6.5, p.ZIA_TotalMBSent);
            Assert.Equal(2, p.ZIA_ActiveDays);
            Assert.Equal(5, p.ZIA_TotalRequests);
            Assert.Equal(4, p.ZIA_UniqueDestCnt);
            Assert.Equal(3, p.DistinctDestinations);
            Assert.Equal(June(1, 8), p.FirstSeen);
            Assert.Equal(June(3, 12), p.LastSeen);
            Assert.Equal(new DateTime(2024, 5, 31, 12, 0, 0, DateTimeKind.Utc), p.WindowStart);
            Assert.Equal(End, p.WindowEnd);
            Assert.Equal(kql ? "KqlCompatible" : "Intent", p.Mode);

            Assert.Equal(2, p.DailyUploads.Count);
            var d1 = p.DailyUploads[0];
            Assert.Equal("u", d1.UserName);
            Assert.Equal(new DateTime(2024, 6, 1, 0, 0, 0, DateTimeKind.Utc), d1.Day);
            Assert.Equal(DateTimeKind.Utc, d1.Day.Kind);
            Assert.Equal(4718592, d1.DaySentBytes);
            Assert.Equal(3, d1.DayRequestCount);
            Assert.Equal(2, d1.DayDestinCount);
            var d3 = p.DailyUploads[1];
            Assert.Equal(new DateTime(2024, 6, 3, 0, 0, 0, DateTimeKind.Utc), d3.Day);
            Assert.Equal(2097152, d3.DaySentBytes);
            Assert.Equal(2, d3.DayRequestCount);
            Assert.Equal(2, d3.DayDestinCount);
            Assert.Equal("2 rows", p.DailyUploads.ToString());

            Assert.Equal(new[] { "dropbox.com", "box.com", "mega.nz" }, p.Destinations.Select(d => d.DestinationHostName).ToArray());
            Assert.Equal(new[] { 3670016L, 3145728L, 0L }, p.Destinations.Select(d => d.SentBytes).ToArray());
            Assert.Equal(new[] { 3.5, 3.0, 0.0 }, p.Destinations.Select(d => d.SentMB).ToArray());
            Assert.Equal(new[] { 3L, 1L, 1L }, p.Destinations.Select(d => d.RequestCount).ToArray());
            Assert.Equal(new[] { 2, 1, 1 }, p.Destinations.Select(d => d.ActiveDays).ToArray());
            Assert.All(p.Destinations, d => Assert.Equal("u", d.UserName));
        }

        // ------------------------------------------------------------------ alert text

        [Fact]
        public void AlertText_MatchesTheRuleTemplates()
        {
            var c = new ExfilCandidate { UserName = "bob@x.com", Zscore = 3.5, ZIA_TotalMBSent = 120.5, ZIA_ActiveDays = 21, O365_AnonLinks = 4 };
            Assert.Equal("Low & Slow Exfil Candidate - bob@x.com (z=3.5, 120.5 MB over 21 days)",
                CandidateScorer.FormatAlert(ExfilRule.AlertDisplayNameFormat, c));
            Assert.Equal("User bob@x.com uploaded 120.5 MB to non-corporate destinations across 21 active days (z-score: 3.5). Anonymous links created: 4.",
                CandidateScorer.FormatAlert(ExfilRule.AlertDescriptionFormat, c));
        }

        [Fact]
        public void AlertText_Templates_AreTheRules()
        {
            // The rule's alertDetailsOverride with {{Column}} written as {Column}.
            Assert.Equal("Low & Slow Exfil Candidate - {UserName} (z={Zscore}, {ZIA_TotalMBSent} MB over {ZIA_ActiveDays} days)",
                ExfilRule.AlertDisplayNameFormat);
            Assert.Equal("User {UserName} uploaded {ZIA_TotalMBSent} MB to non-corporate destinations across {ZIA_ActiveDays} active days (z-score: {Zscore}). Anonymous links created: {O365_AnonLinks}.",
                ExfilRule.AlertDescriptionFormat);
        }

        [Fact]
        public void AlertText_NumbersAreInvariant()
        {
            var saved = CultureInfo.CurrentCulture;
            try
            {
                CultureInfo.CurrentCulture = new CultureInfo("de-DE"); // decimal comma must not leak in
                var c = new ExfilCandidate { UserName = "u", Zscore = -1.41, ZIA_TotalMBSent = 1234567.89, ZIA_ActiveDays = 1 };
                Assert.Equal("Low & Slow Exfil Candidate - u (z=-1.41, 1234567.89 MB over 1 days)",
                    CandidateScorer.FormatAlert(ExfilRule.AlertDisplayNameFormat, c));
                c = new ExfilCandidate { UserName = "u", Zscore = 3.0, ZIA_TotalMBSent = 60.0, ZIA_ActiveDays = 20 };
                Assert.Equal("Low & Slow Exfil Candidate - u (z=3, 60 MB over 20 days)",
                    CandidateScorer.FormatAlert(ExfilRule.AlertDisplayNameFormat, c));
            }
            finally { CultureInfo.CurrentCulture = saved; }
        }

        [Theory]
        [InlineData("{Unknown} {UserName}", "{Unknown} bob")]
        [InlineData("{{UserName}}", "{bob}")]
        [InlineData("{User{UserName}", "{Userbob")]
        [InlineData("days: {ZIA_ActiveDays", "days: {ZIA_ActiveDays")]
        [InlineData("{O365_AnonLinks}{ZIA_ActiveDays}", "421")]
        [InlineData("no placeholders", "no placeholders")]
        [InlineData("", "")]
        public void AlertText_OnlyTheFiveColumnsAreReplaced(string template, string expected)
        {
            var c = new ExfilCandidate { UserName = "bob", ZIA_ActiveDays = 21, O365_AnonLinks = 4 };
            Assert.Equal(expected, CandidateScorer.FormatAlert(template, c));
        }

        [Fact]
        public void AlertText_ValuesAreNotReExpanded()
        {
            // A user name comes from the logs; a placeholder inside it is text, not a template field.
            var c = new ExfilCandidate { UserName = "{Zscore}{ZIA_TotalMBSent}@x.com", Zscore = 3.5, ZIA_TotalMBSent = 120.5, ZIA_ActiveDays = 21 };
            Assert.Equal("Low & Slow Exfil Candidate - {Zscore}{ZIA_TotalMBSent}@x.com (z=3.5, 120.5 MB over 21 days)",
                CandidateScorer.FormatAlert(ExfilRule.AlertDisplayNameFormat, c));
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void AlertText_EndToEnd(bool kql)
        {
            // bob: 20 days × 5 MB + June 21 20.5 MB (21495808 B) = 100 + 20.5 = 120.5 MB over 21 days → persistence.
            // Alone, so stdev = 0 and z = 0 (rendered "0").
            var t = new Tenant(kql).UpDaily("Bob@X.com", 20, 5 * MB).Up("bob@x.com", June(21), 21495808);
            var bob = Assert.Single(t.Score().Flagged);
            Assert.Equal(ExfilReason.Persistence, bob.Reasons);
            Assert.Equal("Low & Slow Exfil Candidate - bob@x.com (z=0, 120.5 MB over 21 days)", bob.AlertDisplayName);
            Assert.Equal("User bob@x.com uploaded 120.5 MB to non-corporate destinations across 21 active days (z-score: 0). Anonymous links created: 0.",
                bob.AlertDescription);
        }

        // ------------------------------------------------------------------ duplicates

        [Fact]
        public void DuplicateUploadProfiles_Throw()
        {
            var a1 = new ZiaUploadProfile { UserName = "a", ZIA_TotalMBSent = 1 };
            var a2 = new ZiaUploadProfile { UserName = "a", ZIA_TotalMBSent = 2 };
            var b = new ZiaUploadProfile { UserName = "b", ZIA_TotalMBSent = 3 };
            Assert.Throws<ArgumentException>(() => CandidateScorer.Score(new[] { a1, b, a2 }, null, null));
        }

        [Fact]
        public void DuplicateSharingProfiles_Throw()
        {
            var a = new ZiaUploadProfile { UserName = "a", ZIA_TotalMBSent = 1 };
            var s1 = new O365SharingProfile { UserName = "a", O365_EventCount = 1 };
            var s2 = new O365SharingProfile { UserName = "a", O365_EventCount = 2 };
            Assert.Throws<ArgumentException>(() => CandidateScorer.Score(new[] { a }, new[] { s1, s2 }, null));
        }

        [Fact]
        public void DuplicateProfilesFromAccumulators_Throw()
        {
            var t = new Tenant(false).Up("a", June(1), 1).Up("b", June(1), 1);
            var twice = t.Zia.BuildProfiles().Concat(t.Zia.BuildProfiles()).ToList();
            Assert.Throws<ArgumentException>(() => CandidateScorer.Score(twice, null, null));
        }

        // ------------------------------------------------------------------ merge

        private static IEnumerable<(DateTime t, string vendor, string action, string user, string host, long? bytes)> ProxyEvents()
        {
            // A mix of counted and filtered events over several users, days and hosts.
            var users = new[] { "a@x.com", "A@X.com", "b@x.com", "c@x.com", "" };
            var hosts = new[] { "dropbox.com", "box.com", "www.dropbox.com", "t.me", "example.org", "evil-dropbox.com.example" };
            var actions = new[] { "Allowed", "Block", "blocked", "deny" };
            int k = 0;
            for (int day = 1; day <= 12; day++)
                for (int i = 0; i < 7; i++, k++)
                    yield return (June(day, i * 3, k % 60),
                        k % 23 == 0 ? "zscaler" : "Zscaler",
                        actions[k % 11 == 0 ? 2 : k % 13 == 0 ? 1 : 0],
                        users[k % users.Length],
                        hosts[k % hosts.Length],
                        k % 17 == 0 ? (long?)null : 1000L * k + 7);
            yield return (End.AddDays(-30), "Zscaler", "Allowed", "a@x.com", "dropbox.com", 5); // on the strict lower bound
        }

        private static IEnumerable<(DateTime t, string user, string op)> SharingEvents()
        {
            var users = new[] { "a@x.com", "B@x.com", "b@x.com", "d@x.com", null };
            var ops = new[] { "FileDownloaded", "AnonymousLinkCreated", "SharingSet", "AnonymousLinkUsed", "FileUploaded", "sharingset" };
            int k = 0;
            for (int day = 1; day <= 8; day++)
                for (int i = 0; i < 5; i++, k++)
                    yield return (June(day, i * 4), users[k % users.Length], ops[k % ops.Length]);
        }

        private static string Describe(IEnumerable<ZiaUploadProfile> profiles)
        {
            var sb = new StringBuilder();
            foreach (var p in profiles)
            {
                sb.Append(FormattableString.Invariant($"{p.UserName}|{p.ZIA_TotalMBSent:R}|{p.ZIA_ActiveDays}|{p.ZIA_TotalRequests}|{p.ZIA_UniqueDestCnt}|{p.TotalBytesSent}|{p.DistinctDestinations}|{p.FirstSeen:O}|{p.LastSeen:O}|{p.WindowStart:O}|{p.WindowEnd:O}|{p.Mode}\n"));
                foreach (var d in p.DailyUploads)
                    sb.Append(FormattableString.Invariant($"  day {d.UserName}|{d.Day:O}|{d.DaySentBytes}|{d.DayRequestCount}|{d.DayDestinCount}\n"));
                foreach (var d in p.Destinations)
                    sb.Append(FormattableString.Invariant($"  dest {d.UserName}|{d.DestinationHostName}|{d.SentBytes}|{d.RequestCount}|{d.ActiveDays}\n"));
            }
            return sb.ToString();
        }

        private static string Describe(IEnumerable<O365SharingProfile> profiles)
        {
            var sb = new StringBuilder();
            foreach (var p in profiles)
            {
                sb.Append(FormattableString.Invariant($"{p.UserName}|{p.O365_EventCount}|{p.O365_AnonLinks}|{p.O365_Operations}|{p.O365_FirstEvent:O}|{p.O365_LastEvent:O}|{p.WindowStart:O}|{p.WindowEnd:O}|{p.Mode}\n"));
                foreach (var kv in p.OperationCounts) sb.Append(FormattableString.Invariant($"  {kv.Key}={kv.Value}\n"));
            }
            return sb.ToString();
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void ZiaMerge_EqualsOneAccumulator(bool kql)
        {
            var options = new HuntOptions(End, 30, null, kql);
            var all = new ZiaAccumulator(options);
            var left = new ZiaAccumulator(options);
            var right = new ZiaAccumulator(options);
            int i = 0;
            foreach (var e in ProxyEvents())
            {
                all.Add(e.t, e.vendor, e.action, e.user, e.host, e.bytes);
                (i++ % 3 == 0 ? left : right).Add(e.t, e.vendor, e.action, e.user, e.host, e.bytes);
            }
            left.Merge(right);

            var expected = all.BuildProfiles();
            Assert.NotEmpty(expected);
            Assert.Equal(Describe(expected), Describe(left.BuildProfiles()));
            foreach (ProxyDisposition d in Enum.GetValues(typeof(ProxyDisposition)))
                Assert.Equal(all.Count(d), left.Count(d));
            Assert.True(all.Count(ProxyDisposition.OutsideWindow) >= 1);

            // The other side's state moved: it is left empty, so it shares nothing the merged side goes on changing.
            Assert.Empty(right.BuildProfiles());
            foreach (ProxyDisposition d in Enum.GetValues(typeof(ProxyDisposition)))
                Assert.Equal(0, right.Count(d));
            right.Add(June(20), "Zscaler", "Allowed", "C@X.COM", "dropbox.com", 5);
            Assert.Equal(Describe(expected), Describe(left.BuildProfiles()));
            Assert.Throws<ArgumentException>(() => left.Merge(left));

            // After a merge the accumulator keeps accepting events, for users it learned from the other side too.
            all.Add(June(20), "Zscaler", "Allowed", "C@X.COM", "dropbox.com", 99);
            left.Add(June(20), "Zscaler", "Allowed", "C@X.COM", "dropbox.com", 99);
            Assert.Equal(Describe(all.BuildProfiles()), Describe(left.BuildProfiles()));

            // And the scores agree.
            var s1 = CandidateScorer.Score(all.BuildProfiles(), null, null);
            var s2 = CandidateScorer.Score(left.BuildProfiles(), null, null);
            Assert.Equal(s1.All.Select(c => (c.UserName, c.Zscore, c.ZIA_TotalMBSent)), s2.All.Select(c => (c.UserName, c.Zscore, c.ZIA_TotalMBSent)));
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void SharingMerge_EqualsOneAccumulator(bool kql)
        {
            var options = new HuntOptions(End, 30, null, kql);
            var all = new SharingAccumulator(options);
            var left = new SharingAccumulator(options);
            var right = new SharingAccumulator(options);
            int i = 0;
            foreach (var e in SharingEvents())
            {
                all.Add(e.t, e.user, e.op);
                (i++ % 2 == 0 ? left : right).Add(e.t, e.user, e.op);
            }
            left.Merge(right);

            var expected = all.BuildProfiles();
            Assert.NotEmpty(expected);
            Assert.Equal(Describe(expected), Describe(left.BuildProfiles()));
            foreach (SharingDisposition d in Enum.GetValues(typeof(SharingDisposition)))
                Assert.Equal(all.Count(d), left.Count(d));
            // As on the upload side: the other side's state moved, and it is left empty.
            Assert.Empty(right.BuildProfiles());
            foreach (SharingDisposition d in Enum.GetValues(typeof(SharingDisposition)))
                Assert.Equal(0, right.Count(d));
            Assert.Throws<ArgumentException>(() => left.Merge(left));
        }

        [Fact]
        public void Merge_SmallHandComputedCase()
        {
            // left: a June 1 dropbox.com 1 MB; right: A June 1 box.com 2 MB, a June 2 dropbox.com 1 MB
            // merged a: 4 MB, 2 days, 3 requests, UniqueDestCnt 2 + 1 = 3, DistinctDestinations 2
            var o = new HuntOptions(End, 30);
            var left = new ZiaAccumulator(o);
            var right = new ZiaAccumulator(o);
            left.Add(June(1), "Zscaler", "Allowed", "a", "dropbox.com", 1 * MB);
            right.Add(June(1, 12), "Zscaler", "Allowed", "A", "box.com", 2 * MB);
            right.Add(June(2), "Zscaler", "Allowed", "a", "dropbox.com", 1 * MB);
            left.Merge(right);
            var p = Assert.Single(left.BuildProfiles());
            Assert.Equal("a", p.UserName);
            Assert.Equal(4.0, p.ZIA_TotalMBSent);
            Assert.Equal(2, p.ZIA_ActiveDays);
            Assert.Equal(3, p.ZIA_TotalRequests);
            Assert.Equal(3, p.ZIA_UniqueDestCnt);
            Assert.Equal(2, p.DistinctDestinations);
            Assert.Equal(3, left.Count(ProxyDisposition.Counted));
        }
    }
}
