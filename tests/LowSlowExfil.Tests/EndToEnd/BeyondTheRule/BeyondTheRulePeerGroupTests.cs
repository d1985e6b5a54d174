using System.Collections;

namespace LowSlowExfil.Tests
{
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
}
