namespace LowSlowExfil.Tests
{
    /// <summary>Part of <see cref="ScoringTests"/> (its tenant builder is in ScoringTests.cs).</summary>
    public partial class ScoringTests
    {
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

        [Fact]
        public void AlertText_MadeOnFirstRead_IsTheTextOfTheScoredColumns_ForEveryUser()
        {
            // The scorer leaves the texts to be made when read (most users are never shown): every user, flagged or
            // not (-IncludeAll shows them all), reads the text of the values it was scored with, as when the texts
            // were made eagerly. Expected texts are written out here, not made by FormatAlert.
            var t = new Tenant(false).UpDaily("per@x.com", 21, 3 * MB).Share("anon@x.com", June(2), "AnonymousLinkCreated");
            for (int i = 0; i < 12; i++) t.Up($"u{i:00}@x.com", June(1 + i), (i + 1) * MB / 3);
            t.Up("big@x.com", June(3), 900 * MB).Up("anon@x.com", June(3), 12 * MB);
            var all = t.Score().All;
            Assert.Contains(all, c => c.IsFlagged());
            Assert.Contains(all, c => !c.IsFlagged());
            string Real(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
            foreach (var c in all)
            {
                Assert.Equal($"Low & Slow Exfil Candidate - {c.UserName} (z={Real(c.Zscore)}, {Real(c.ZIA_TotalMBSent)} MB over {c.ZIA_ActiveDays} days)", c.AlertDisplayName);
                Assert.Equal($"User {c.UserName} uploaded {Real(c.ZIA_TotalMBSent)} MB to non-corporate destinations across {c.ZIA_ActiveDays} active days (z-score: {Real(c.Zscore)}). Anonymous links created: {c.O365_AnonLinks}.", c.AlertDescription);
            }
        }

        [Fact]
        public void AlertText_MadeOnFirstRead_KeepsTheScoredValues_WhenAColumnChangesBeforeTheRead()
        {
            // Made eagerly, a text kept the values of the scoring whatever a script changed later; made lazily it
            // must too: changing a quoted column first makes the pending texts.
            var t = new Tenant(false).UpDaily("bob@x.com", 21, 3 * MB).Up("amy@x.com", June(1), 1 * MB);
            var all = t.Score().All;
            var bob = all.Single(c => c.UserName == "bob@x.com");
            bob.Zscore = 99; bob.UserName = "changed"; bob.ZIA_TotalMBSent = 1; bob.ZIA_ActiveDays = 2; bob.O365_AnonLinks = 7;
            Assert.Equal("Low & Slow Exfil Candidate - bob@x.com (z=0.71, 63 MB over 21 days)", bob.AlertDisplayName);
            Assert.Equal("User bob@x.com uploaded 63 MB to non-corporate destinations across 21 active days (z-score: 0.71). Anonymous links created: 0.", bob.AlertDescription);
            // A text set by hand is kept, and the other is still the scored one.
            var amy = all.Single(c => c.UserName == "amy@x.com");
            amy.AlertDisplayName = "mine";
            amy.ZIA_ActiveDays = 30;
            Assert.Equal("mine", amy.AlertDisplayName);
            Assert.Equal("User amy@x.com uploaded 1 MB to non-corporate destinations across 1 active days (z-score: -0.71). Anonymous links created: 0.", amy.AlertDescription);
            // A candidate built by hand has no text until one is set, as before.
            Assert.Null(new ExfilCandidate { UserName = "x" }.AlertDescription);
        }

        [Fact]
        public void AlertText_MadeOnFirstRead_IsTheSame_FromManyThreads()
        {
            var t = new Tenant(false);
            for (int i = 0; i < 200; i++) t.Up($"u{i:000}@x.com", June(1 + i % 28), (i + 1) * MB / 7);
            var all = t.Score().All;
            var texts = new string[all.Count * 8];
            System.Threading.Tasks.Parallel.For(0, texts.Length, i => texts[i] = all[i % all.Count].AlertDescription + "|" + all[i % all.Count].AlertDisplayName);
            for (int i = 0; i < texts.Length; i++)
            {
                var c = all[i % all.Count];
                Assert.Equal(CandidateScorer.FormatAlert(ExfilRule.AlertDescriptionFormat, c) + "|" + CandidateScorer.FormatAlert(ExfilRule.AlertDisplayNameFormat, c), texts[i]);
            }
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
    }
}
