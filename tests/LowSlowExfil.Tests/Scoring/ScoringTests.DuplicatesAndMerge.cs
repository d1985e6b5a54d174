namespace LowSlowExfil.Tests
{
    /// <summary>Part of <see cref="ScoringTests"/> (its tenant builder is in ScoringTests.cs).</summary>
    public partial class ScoringTests
    {
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
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        public void ZiaProfiles_RowsMadeOnFirstRead_AreThoseOfTheAccumulatorWhenBuilt(int change)
        {
            // Scoring needs only a profile's totals, so its days, destinations and channels are made when first read.
            // They must read as if made when BuildProfiles ran, whatever the accumulator took in after: more events,
            // aggregates, another accumulator merged in, or its state moved into another.
            var options = new HuntOptions(End, 30, null, false);
            var acc = new ZiaAccumulator(options);
            var reference = new ZiaAccumulator(options);
            foreach (var e in ProxyEvents())
            {
                acc.Add(e.t, e.vendor, e.action, e.user, e.host, e.bytes);
                reference.Add(e.t, e.vendor, e.action, e.user, e.host, e.bytes);
            }
            string expected = DescribeWithChannels(reference.BuildProfiles());
            var profiles = acc.BuildProfiles();
            Assert.NotEmpty(profiles);
            var more = new ZiaAccumulator(options);
            foreach (var e in ProxyEvents()) more.Add(e.t.AddDays(1), e.vendor, e.action, e.user, "t.me", 7 * MB);
            switch (change)
            {
                case 0:
                    foreach (var p in profiles) acc.Add(June(20), "Zscaler", "Allowed", p.UserName, "box.com", 3 * MB);
                    break;
                case 1:
                    foreach (var p in profiles) acc.AddAggregate(p.UserName, June(2), "wetransfer.com", 5 * MB, 4, June(2), June(2));
                    break;
                case 2:
                    acc.Merge(more);
                    break;
                case 3:
                    // acc's users move whole into 'more', which goes on counting on their (shared) day tables.
                    more.Merge(acc);
                    foreach (var p in profiles) more.Add(p.FirstSeen, "Zscaler", "Allowed", p.UserName, "dropbox.com", 1 * MB);
                    break;
            }
            Assert.Equal(expected, DescribeWithChannels(profiles));
            // And a profile built now reads the changed state.
            Assert.NotEqual(expected, DescribeWithChannels(change == 3 ? more.BuildProfiles() : acc.BuildProfiles()));
        }

        [Fact]
        public void ZiaProfiles_RowsMadeOnFirstRead_AreOneSetFromManyThreads()
        {
            var acc = new ZiaAccumulator(new HuntOptions(End, 30, null, false));
            foreach (var e in ProxyEvents()) acc.Add(e.t, e.vendor, e.action, e.user, e.host, e.bytes);
            var profile = acc.BuildProfiles().OrderByDescending(p => p.ZIA_ActiveDays).First();
            var seen = new object[64];
            System.Threading.Tasks.Parallel.For(0, seen.Length, i => seen[i] = i % 3 == 0 ? profile.DailyUploads : i % 3 == 1 ? (object)profile.Destinations : profile.Channels);
            for (int i = 3; i < seen.Length; i++) Assert.Same(seen[i % 3], seen[i]);
        }

        private static string DescribeWithChannels(IEnumerable<ZiaUploadProfile> profiles) => Describe(profiles) + string.Join("\n",
            profiles.SelectMany(p => p.Channels).Select(c => FormattableString.Invariant($"{c.UserName}|{c.Channel}|{c.SentBytes}|{c.RequestCount}|{c.ActiveDays}|{c.Destinations}")));

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
