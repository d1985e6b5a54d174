namespace LowSlowExfil.Tests
{
    /// <summary>
    /// Small hand-computed tenants: events → ZiaAccumulator / SharingAccumulator → CandidateScorer.Score
    /// (SPEC §1.1–1.7). Every expected number is worked out in a comment.
    /// </summary>
    public partial class ScoringTests
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
    }
}
