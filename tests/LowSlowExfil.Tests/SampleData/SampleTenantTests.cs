namespace LowSlowExfil.Tests
{
    /// <summary>
    /// The sample tenant scored by the real pipeline (accumulators + scorer), checked against the outcomes its actors
    /// were designed for (see the table on <see cref="SampleTenant"/>). Expected numbers are derived from the design:
    /// e.g. lowslow = 24 days × (3 × 1,048,576 + 10,240) bytes = 75,743,232 bytes = 72.234375 MB → 72.23.
    /// </summary>
    public sealed class SampleTenantTests
    {
        private const long MB = 1048576;

        private static readonly Lazy<SampleTenant> Default = new Lazy<SampleTenant>(() => SampleTenant.Generate(new SampleTenantOptions()));
        private static readonly Lazy<Hunt> Kql = new Lazy<Hunt>(() => Hunt.Run(Default.Value, kql: true));
        private static readonly Lazy<Hunt> Intent = new Lazy<Hunt>(() => Hunt.Run(Default.Value, kql: false));

        private static Hunt For(bool kql) => kql ? Kql.Value : Intent.Value;
        private static string User(string role) => Default.Value.Actors[role].ToLowerInvariant();

        private sealed class Hunt
        {
            public ScoreResult Result;
            public IReadOnlyList<ZiaUploadProfile> Uploads;
            public IReadOnlyList<O365SharingProfile> Sharing;

            public static Hunt Run(SampleTenant tenant, bool kql)
            {
                var options = new HuntOptions(endTimeUtc: tenant.EndTime, days: 30, kqlCompatible: kql);
                var zia = new ZiaAccumulator(options);
                foreach (var e in tenant.ProxyEvents())
                    zia.Add(e.TimeGenerated, e.DeviceVendor, e.DeviceAction, e.SourceUserName, e.DestinationHostName, e.SentBytes);
                var sharing = new SharingAccumulator(options);
                foreach (var e in tenant.SharingEvents())
                    sharing.Add(e.TimeGenerated, e.UserId, e.Operation);
                var h = new Hunt { Uploads = zia.BuildProfiles(), Sharing = sharing.BuildProfiles() };
                h.Result = CandidateScorer.Score(h.Uploads, h.Sharing, new FlagThresholds());
                return h;
            }

            public ExfilCandidate Candidate(string user) => Result.All.SingleOrDefault(c => c.UserName == user);
        }

        // ───────────────────────────── flagged sets ─────────────────────────────

        [Fact]
        public void KqlCompatibleMode_FlagsExactlyTheDesignedUsers()
        {
            var expected = new Dictionary<string, ExfilReason>
            {
                [User(SampleActorRoles.Spike)] = ExfilReason.ZScore,
                [User(SampleActorRoles.Blocked)] = ExfilReason.ZScore,     // Block/DENY/Deny survive the case-sensitive !in
                [User(SampleActorRoles.Lookalike)] = ExfilReason.ZScore,   // evil-dropbox.com.example has "dropbox.com"
                [User(SampleActorRoles.LowSlow)] = ExfilReason.Persistence,
            };
            var actual = Kql.Value.Result.Flagged.ToDictionary(c => c.UserName, c => c.Reasons);
            Assert.Equal(expected.OrderBy(kv => kv.Key), actual.OrderBy(kv => kv.Key));
        }

        [Fact]
        public void IntentMode_FlagsExactlyTheDesignedUsers()
        {
            var expected = new Dictionary<string, ExfilReason>
            {
                [User(SampleActorRoles.Spike)] = ExfilReason.ZScore,
                [User(SampleActorRoles.VendorCase)] = ExfilReason.ZScore,   // "zscaler" matches case-insensitively
                [User(SampleActorRoles.LowSlow)] = ExfilReason.Persistence,
                [User(SampleActorRoles.AnonSharer)] = ExfilReason.AnonymousLinks,
            };
            var actual = Intent.Value.Result.Flagged.ToDictionary(c => c.UserName, c => c.Reasons);
            Assert.Equal(expected.OrderBy(kv => kv.Key), actual.OrderBy(kv => kv.Key));
        }

        // ───────────────────────────── per-actor values ─────────────────────────────

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void LowSlow_Has24DaysAnd72_23MB(bool kql)
        {
            var c = For(kql).Candidate(User(SampleActorRoles.LowSlow));
            Assert.NotNull(c);
            Assert.Equal(24, c.ZIA_ActiveDays);
            Assert.Equal(72.23, c.ZIA_TotalMBSent);
            Assert.Equal(24 * (3 * MB + 10_240), c.GetUploadProfile().TotalBytesSent);
            Assert.Equal(72, c.ZIA_TotalRequests);
            Assert.True(c.Zscore < 3.0);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Spike_Is900MBOverTwoDays(bool kql)
        {
            var c = For(kql).Candidate(User(SampleActorRoles.Spike));
            Assert.Equal(900.00, c.ZIA_TotalMBSent);
            Assert.Equal(2, c.ZIA_ActiveDays);
            Assert.Equal(45, c.ZIA_TotalRequests);
            Assert.True(c.Zscore >= 3.0);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void NearMisses_AreNotFlagged(bool kql)
        {
            var h = For(kql);
            foreach (var role in new[]
            {
                SampleActorRoles.NearMissDays, SampleActorRoles.NearMissMB, SampleActorRoles.NearMissAnonCount,
                SampleActorRoles.NearMissAnonMB, SampleActorRoles.NearMissZ, SampleActorRoles.Edges,
                SampleActorRoles.Midpoint, SampleActorRoles.MixedCase,
            })
            {
                var c = h.Candidate(User(role));
                Assert.True(c != null, role + " should be a ZIA user");
                Assert.True(c.Reasons == ExfilReason.None, role + " flagged: " + c.Reasons);
            }

            var days = h.Candidate(User(SampleActorRoles.NearMissDays));
            Assert.Equal(19, days.ZIA_ActiveDays);      // the 3 pre-window days are outside
            Assert.Equal(80.00, days.ZIA_TotalMBSent);

            var mb = h.Candidate(User(SampleActorRoles.NearMissMB));
            Assert.Equal(25, mb.ZIA_ActiveDays);
            Assert.Equal(50 * MB, mb.GetUploadProfile().TotalBytesSent);
            Assert.Equal(50.00, mb.ZIA_TotalMBSent);

            var anonCount = h.Candidate(User(SampleActorRoles.NearMissAnonCount));
            Assert.Equal(40.00, anonCount.ZIA_TotalMBSent);
            Assert.Equal(kql ? 0 : 2, anonCount.O365_AnonLinks);   // the third link is before the window
            Assert.Equal(5, anonCount.O365_EventCount);             // 2 links, 2 SharingSet, 1 FileDownloaded

            var anonMb = h.Candidate(User(SampleActorRoles.NearMissAnonMB));
            Assert.Equal(10 * MB, anonMb.GetUploadProfile().TotalBytesSent);
            Assert.Equal(10.00, anonMb.ZIA_TotalMBSent);
            Assert.Equal(kql ? 0 : 3, anonMb.O365_AnonLinks);

            var z = h.Candidate(User(SampleActorRoles.NearMissZ));
            Assert.Equal(6, z.ZIA_ActiveDays);
            if (kql)
                Assert.InRange(z.Zscore, 2.0, 2.89);   // blocked and lookalike widen the KQL population's spread
            else
                Assert.InRange(z.Zscore, 2.90, 2.99);
        }

        [Fact]
        public void NearMissZ_IsSolvedNearTheHandEstimate()
        {
            // Hand estimate: Intent population ≈ 213 users, Σ ≈ 2,393 MB + x, Σx² ≈ 990,000 + x²; z(x) = 2.95 near x ≈ 215.
            double mb = Default.Value.NearMissZBytes / (double)MB;
            Assert.InRange(mb, 190, 240);
            Assert.Equal(Math.Round(mb, 2), Intent.Value.Candidate(User(SampleActorRoles.NearMissZ)).ZIA_TotalMBSent);
        }

        [Fact]
        public void AnonSharer_FlaggedOnlyInIntentMode()
        {
            foreach (bool kql in new[] { true, false })
            {
                var c = For(kql).Candidate(User(SampleActorRoles.AnonSharer));
                Assert.Equal(15.00, c.ZIA_TotalMBSent);
                Assert.Equal(5, c.ZIA_ActiveDays);
                Assert.Equal(7, c.O365_EventCount);      // 4 AnonymousLinkCreated + 3 SharingSet; FileAccessed/PageViewed ignored
                Assert.Equal(kql ? 0 : 4, c.O365_AnonLinks);
                Assert.Equal(2, c.DistinctChannels);
                Assert.Equal(kql ? ExfilReason.None : ExfilReason.AnonymousLinks, c.Reasons);
            }
        }

        [Fact]
        public void Lookalike_Blocked_VendorCase_DependOnTheMode()
        {
            var kql = Kql.Value;
            var intent = Intent.Value;

            var lookK = kql.Candidate(User(SampleActorRoles.Lookalike));
            Assert.Equal(401.50, lookK.ZIA_TotalMBSent);          // 400 MB evil-dropbox.com.example + 1.5 MB www.dropbox.com
            Assert.Equal(3, lookK.ZIA_ActiveDays);
            var lookI = intent.Candidate(User(SampleActorRoles.Lookalike));
            Assert.Equal(1.50, lookI.ZIA_TotalMBSent);            // only www.dropbox.com is a dropbox.com domain
            Assert.Equal(1, lookI.ZIA_ActiveDays);
            Assert.Equal(ExfilReason.None, lookI.Reasons);

            var blockedK = kql.Candidate(User(SampleActorRoles.Blocked));
            Assert.Equal(500.00, blockedK.ZIA_TotalMBSent);
            Assert.Equal(3, blockedK.ZIA_ActiveDays);
            Assert.Null(intent.Candidate(User(SampleActorRoles.Blocked)));

            Assert.Null(kql.Candidate(User(SampleActorRoles.VendorCase)));
            var vendorI = intent.Candidate(User(SampleActorRoles.VendorCase));
            Assert.Equal(400.00, vendorI.ZIA_TotalMBSent);
            Assert.Equal(2, vendorI.ZIA_ActiveDays);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Edges_CountOnlyTheEventsInsideTheWindow(bool kql)
        {
            var h = For(kql);
            var c = h.Candidate(User(SampleActorRoles.Edges));
            // 1 MB at EndTime−30d (out), 2 MB at +1 ms (in), 4 MB at EndTime (in), 8 MB at EndTime+1 s (out).
            Assert.Equal(6 * MB, c.GetUploadProfile().TotalBytesSent);
            Assert.Equal(6.00, c.ZIA_TotalMBSent);
            Assert.Equal(2, c.ZIA_ActiveDays);
            Assert.Equal(2, c.ZIA_TotalRequests);
            // Sharing at the same instants: FileCopied (out), SharingSet (in), FileDownloaded (in), AnonymousLinkCreated (out).
            Assert.Equal(2, c.O365_EventCount);
            Assert.Equal(new[] { "FileDownloaded", "SharingSet" }, c.O365_Operations.ToArray());
            Assert.Equal(0, c.O365_AnonLinks);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Midpoint_RoundsHalfAwayFromZero(bool kql)
        {
            var c = For(kql).Candidate(User(SampleActorRoles.Midpoint));
            Assert.Equal(12 * MB + 131072, c.GetUploadProfile().TotalBytesSent);
            Assert.Equal(12.13, c.ZIA_TotalMBSent);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void MixedCase_IsOneLowerCaseUser(bool kql)
        {
            var h = For(kql);
            Assert.Equal("Jane.Doe@Contoso.com", Default.Value.Actors[SampleActorRoles.MixedCase]);
            Assert.DoesNotContain(h.Result.All, c => c.UserName != c.UserName.ToLowerInvariant());
            var c = h.Candidate("jane.doe@contoso.com");
            Assert.Equal(6.50, c.ZIA_TotalMBSent);     // 2 + 1.5 (same day, two spellings) + 3
            Assert.Equal(2, c.ZIA_ActiveDays);
            Assert.Equal(3, c.ZIA_TotalRequests);
            Assert.Equal(2, c.O365_EventCount);        // SharingSet as Jane.Doe@Contoso.com, FileDownloaded as jane.doe@contoso.com
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void O365Only_IsNeverACandidate(bool kql)
        {
            var h = For(kql);
            string user = User(SampleActorRoles.O365Only);
            Assert.Null(h.Candidate(user));
            var s = h.Sharing.Single(p => p.UserName == user);
            Assert.Equal(10, s.O365_EventCount);       // 5 links, 2 SharingSet, 3 FileDownloaded (PageViewed ignored)
            Assert.Equal(kql ? 0 : 5, s.O365_AnonLinks);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void DesignModel_AgreesWithTheRule(bool kql)
        {
            // The generator's by-construction model of what counts (used to solve nearmiss-z) versus the accumulators.
            var designed = Default.Value.DesignedUploadBytes(kql);
            var actual = For(kql).Uploads.ToDictionary(p => p.UserName, p => p.TotalBytesSent);
            Assert.Equal(designed.OrderBy(kv => kv.Key, StringComparer.Ordinal), actual.OrderBy(kv => kv.Key, StringComparer.Ordinal));
            Assert.InRange(actual.Count, 180, 215);   // ~200 background users (a few without uploads in the window) + 12 or 13 actors
        }

        [Fact]
        public void BrowsingHostsNeverMatch_UploadHostsAlwaysMatch()
        {
            foreach (bool kql in new[] { true, false })
            {
                var m = DestinationMatcher.Create(ExfilRule.DefaultExfilDomains, kql);
                foreach (var h in SampleTenant.BrowsingHosts) Assert.False(m.IsMatch(h), h);
                foreach (var h in SampleTenant.BackgroundUploadHosts) Assert.True(m.IsMatch(h), h);
            }
        }

        [Fact]
        public void Tenant_HasTheNoiseTheRuleMustFilter()
        {
            var kql = new ZiaAccumulator(new HuntOptions(Default.Value.EndTime, 30, kqlCompatible: true));
            var intent = new ZiaAccumulator(new HuntOptions(Default.Value.EndTime, 30, kqlCompatible: false));
            foreach (var e in Default.Value.ProxyEvents())
            {
                kql.Add(e.TimeGenerated, e.DeviceVendor, e.DeviceAction, e.SourceUserName, e.DestinationHostName, e.SentBytes);
                intent.Add(e.TimeGenerated, e.DeviceVendor, e.DeviceAction, e.SourceUserName, e.DestinationHostName, e.SentBytes);
            }
            foreach (var acc in new[] { kql, intent })
            {
                Assert.True(acc.Count(ProxyDisposition.OutsideWindow) > 1000);
                Assert.True(acc.Count(ProxyDisposition.OtherVendor) > 100);
                Assert.True(acc.Count(ProxyDisposition.Blocked) > 50);
                Assert.True(acc.Count(ProxyDisposition.NoUser) > 100);
                Assert.True(acc.Count(ProxyDisposition.OtherDestination) > 20_000);
            }
            Assert.Equal(20, intent.Count(ProxyDisposition.Blocked) - kql.Count(ProxyDisposition.Blocked));   // blocked's Block/DENY/Deny rows
            Assert.Equal(20, kql.Count(ProxyDisposition.OtherVendor) - intent.Count(ProxyDisposition.OtherVendor)); // vendorcase's rows
        }

        // ───────────────────────────── determinism and streams ─────────────────────────────

        [Fact]
        public void SameSeed_SameEvents_DifferentSeed_DifferentEvents()
        {
            var small = new SampleTenantOptions { BackgroundUsers = 30 };
            var a = SampleTenant.Generate(small);
            var b = SampleTenant.Generate(new SampleTenantOptions { BackgroundUsers = 30 });
            var c = SampleTenant.Generate(new SampleTenantOptions { BackgroundUsers = 30, Seed = 43 });

            var pa = a.ProxyEvents().Select(e => e.ToString()).ToList();
            Assert.Equal(pa, b.ProxyEvents().Select(e => e.ToString()));
            Assert.Equal(pa, a.ProxyEvents().Select(e => e.ToString()));   // enumerating twice
            var sa = a.SharingEvents().Select(e => e.ToString()).ToList();
            Assert.Equal(sa, b.SharingEvents().Select(e => e.ToString()));
            Assert.Equal(sa, a.SharingEvents().Select(e => e.ToString()));
            Assert.Equal(a.NearMissZBytes, b.NearMissZBytes);

            Assert.NotEqual(pa, c.ProxyEvents().Select(e => e.ToString()));
            Assert.NotEqual(sa, c.SharingEvents().Select(e => e.ToString()));
        }

        [Fact]
        public void Streams_AreTimeOrdered_WithUniqueIds_AndSpanTheDays()
        {
            var t = Default.Value;
            DateTime prev = DateTime.MinValue;
            var ids = new HashSet<long>();
            int n = 0;
            foreach (var e in t.ProxyEvents())
            {
                Assert.True(e.TimeGenerated >= prev);
                Assert.Equal(DateTimeKind.Utc, e.TimeGenerated.Kind);
                prev = e.TimeGenerated;
                Assert.True(ids.Add(e.ExternalId));
                n++;
            }
            Assert.InRange(n, 30_000, 200_000);
            Assert.Equal(t.EndTime.AddSeconds(1), prev);   // the edges actor's last event

            prev = DateTime.MinValue;
            var guids = new HashSet<string>();
            foreach (var e in t.SharingEvents())
            {
                Assert.True(e.TimeGenerated >= prev);
                prev = e.TimeGenerated;
                Assert.True(Guid.TryParse(e.Id, out _));
                Assert.True(guids.Add(e.Id));
            }
            Assert.True(guids.Count > 5_000);
            Assert.Equal(new DateTime(2026, 9, 27, 0, 0, 0, DateTimeKind.Utc), t.Start);
        }

        // ───────────────────────────── exports ─────────────────────────────

        [Fact]
        public void WriteExports_WritesFourFilesInLogAnalyticsShape()
        {
            var tenant = SampleTenant.Generate(new SampleTenantOptions { BackgroundUsers = 10, BrowsingEventsPerUserPerDay = 2, OfficeEventsPerUserPerDay = 1 });
            using (var tmp = TestPaths.NewTempFolder())
            {
                var paths = SampleExportWriter.WriteExports(tenant, tmp.Path);
                Assert.Equal(4, paths.Count);
                foreach (var p in paths) Assert.True(new FileInfo(p).Length > 0, p);

                var csl = paths.Single(p => p.EndsWith("CommonSecurityLog.csv"));
                var oa = paths.Single(p => p.EndsWith("OfficeActivity.csv"));
                foreach (var p in new[] { csl, oa })
                {
                    Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, File.ReadAllBytes(p).Take(3).ToArray());
                }
                string cslHeader = File.ReadLines(csl).First().TrimStart('\uFEFF');
                Assert.StartsWith("TenantId,TimeGenerated [UTC],DeviceVendor,DeviceProduct,", cslHeader);
                Assert.Contains(",DestinationHostName,", cslHeader);
                Assert.Contains(",SentBytes,", cslHeader);
                Assert.Contains(",SourceUserName,", cslHeader);
                string oaHeader = File.ReadLines(oa).First().TrimStart('\uFEFF');
                Assert.StartsWith("TenantId,Application,UserDomain,UserAgent,RecordType,TimeGenerated [UTC],Operation,", oaHeader);
                Assert.Contains(",UserId,UserId_,ClientIP,ClientIP_,", oaHeader);

                // RFC 4180: every record has the header's field count, multi-line cells included.
                var proxy = tenant.ProxyEvents().ToList();
                var cslRows = ParseCsv(File.ReadAllText(csl, Encoding.UTF8).TrimStart('\uFEFF'));
                Assert.Equal(proxy.Count + 1, cslRows.Count);
                Assert.All(cslRows, r => Assert.Equal(cslRows[0].Count, r.Count));
                Assert.Contains(cslRows, r => r.Any(cell => cell.Contains('\n')));
                int time = cslRows[0].IndexOf("TimeGenerated [UTC]"), user = cslRows[0].IndexOf("SourceUserName"), sent = cslRows[0].IndexOf("SentBytes");
                Assert.Equal(proxy[0].TimeGenerated.ToString("M/d/yyyy, h:mm:ss.fff tt", System.Globalization.CultureInfo.InvariantCulture), cslRows[1][time]);
                Assert.Equal(proxy[5].SourceUserName, cslRows[6][user]);
                Assert.Equal(proxy[5].SentBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), cslRows[6][sent]);

                var sharing = tenant.SharingEvents().ToList();
                var oaRows = ParseCsv(File.ReadAllText(oa, Encoding.UTF8).TrimStart('\uFEFF'));
                Assert.Equal(sharing.Count + 1, oaRows.Count);
                Assert.All(oaRows, r => Assert.Equal(oaRows[0].Count, r.Count));
                Assert.Contains(oaRows, r => r.Any(cell => cell.Contains('\n')));
                int uid = oaRows[0].IndexOf("UserId"), uid_ = oaRows[0].IndexOf("UserId_");
                Assert.All(oaRows.Skip(1), r => Assert.Equal(r[uid], r[uid_]));

                using (var doc = JsonDocument.Parse(File.ReadAllBytes(paths.Single(p => p.EndsWith("CommonSecurityLog.json")))))
                {
                    Assert.Equal(proxy.Count, doc.RootElement.GetArrayLength());
                    var first = doc.RootElement[0];
                    Assert.Matches(@"^\d{1,2}/\d{1,2}/\d{4}, \d{1,2}:\d{2}:\d{2}\.\d{3} (AM|PM)$", first.GetProperty("TimeGenerated").GetString());
                    Assert.Equal(JsonValueKind.Number, first.GetProperty("SentBytes").ValueKind);
                    Assert.False(first.TryGetProperty("_ResourceId", out _));   // empty values are omitted
                }
                using (var doc = JsonDocument.Parse(File.ReadAllBytes(paths.Single(p => p.EndsWith("OfficeActivity.json")))))
                {
                    Assert.Equal(sharing.Count, doc.RootElement.GetArrayLength());
                    Assert.Equal(sharing[0].Operation, doc.RootElement[0].GetProperty("Operation").GetString());
                }
            }
        }

        /// <summary>A strict RFC 4180 reader (LF or CRLF record ends) for the test.</summary>
        private static List<List<string>> ParseCsv(string text)
        {
            var rows = new List<List<string>>();
            var row = new List<string>();
            var cell = new StringBuilder();
            int i = 0;
            bool any = false;
            while (i < text.Length)
            {
                char c = text[i];
                if (c == '"' && cell.Length == 0)
                {
                    i++;
                    while (true)
                    {
                        if (i >= text.Length) throw new FormatException("unterminated quote");
                        if (text[i] == '"')
                        {
                            if (i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i += 2; continue; }
                            i++;
                            break;
                        }
                        cell.Append(text[i++]);
                    }
                    any = true;
                    continue;
                }
                if (c == ',') { row.Add(cell.ToString()); cell.Clear(); any = true; i++; continue; }
                if (c == '\r' || c == '\n')
                {
                    if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                    i++;
                    row.Add(cell.ToString()); cell.Clear();
                    rows.Add(row); row = new List<string>(); any = false;
                    continue;
                }
                if (c == '"') throw new FormatException("quote inside an unquoted cell at " + i);
                cell.Append(c); any = true; i++;
            }
            if (any) { row.Add(cell.ToString()); rows.Add(row); }
            return rows;
        }
    }
}
