using System.Collections;

namespace LowSlowExfil.Tests
{
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
}
