using System.Collections;

namespace LowSlowExfil.Tests
{
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
}
