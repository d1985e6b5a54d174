using System;
using System.Linq;
using System.Text.Json;
using LowSlowExfil.Reporting;
using LowSlowExfil.Scoring;
using Xunit;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// Candidates, profiles and summaries built by hand (a script's New-Object or [pscustomobject] cast, a C# caller)
    /// with strings and collections left null: the scorer, the alert, the ingestion record and the report read a null
    /// collection as empty, and a profile without the user it is of gets an error that says so, never a
    /// NullReferenceException or a bare "Value cannot be null".
    /// </summary>
    public class HandBuiltInputTests
    {
        private static readonly DateTime End = new DateTime(2024, 6, 30, 0, 0, 0, DateTimeKind.Utc);

        private static ZiaUploadProfile Upload(string user, double mb) => new ZiaUploadProfile
        {
            UserName = user,
            ZIA_TotalMBSent = mb,
            ZIA_ActiveDays = 25,
            WindowStart = End.AddDays(-30),
            WindowEnd = End,
        };

        [Fact]
        public void Profiles_NullCollections_ReadAsEmpty()
        {
            var u = new ZiaUploadProfile { DailyUploads = null, Destinations = null, Channels = null };
            Assert.Empty(u.DailyUploads);
            Assert.Empty(u.Destinations);
            Assert.Empty(u.Channels);
            var s = new O365SharingProfile { O365_Operations = null, OperationCounts = null };
            Assert.Empty(s.O365_Operations);
            Assert.Empty(s.OperationCounts);
            var c = new ExfilCandidate { O365_Operations = null };
            Assert.Empty(c.O365_Operations);
            var h = new HuntSummary { PopulationTotalsMB = null, PartialResults = null, NearMisses = null };
            Assert.Empty(h.PopulationTotalsMB);
            Assert.Empty(h.PartialResults);
            Assert.Empty(h.NearMisses);
            Assert.Empty(new HuntProvenance { Inputs = null }.Inputs);
        }

        [Fact]
        public void RowList_NullRows_AreLeftOut()
        {
            var d = new DestinationUpload { UserName = "a@contoso.com", DestinationHostName = "dropbox.com", SentBytes = 5 };
            var rows = new RowList<DestinationUpload>(new[] { null, d, null });
            Assert.Same(d, Assert.Single(rows));
        }

        [Fact]
        public void Score_CategoriesCounting_ProfileWithNullChannels_IsScored()
        {
            var u = Upload("a@contoso.com", 80);
            u.Channels = null;
            var r = CandidateScorer.Score(new[] { u, Upload("b@contoso.com", 1) }, null,
                new ScoringOptions { DistinctChannels = ChannelCounting.Categories });
            Assert.Equal(0, r.All.Single(c => c.UserName == "a@contoso.com").DistinctChannels);
        }

        [Fact]
        public void Score_UploadProfileWithoutUserName_SaysWhatIsMissing()
        {
            var e = Assert.Throws<ArgumentException>(() => CandidateScorer.Score(new[] { Upload(null, 5), Upload("b@contoso.com", 1) }, null, new ScoringOptions()));
            Assert.Contains("upload profile has no UserName", e.Message);
        }

        [Fact]
        public void Score_SharingProfileWithoutUserName_SaysWhatIsMissing()
        {
            var e = Assert.Throws<ArgumentException>(() => CandidateScorer.Score(new[] { Upload("b@contoso.com", 1) },
                new[] { new O365SharingProfile { O365_EventCount = 2 } }, new ScoringOptions()));
            Assert.Contains("sharing profile has no UserName", e.Message);
        }

        /// <summary>A profile whose rows a script built with gaps, scored and then sent everywhere a candidate goes.</summary>
        [Fact]
        public void ScoredFromProfilesWithNullRows_AlertIngestionAndReportAllWork()
        {
            var u = Upload("a@contoso.com", 80);
            u.Destinations = new RowList<DestinationUpload>(new[]
            {
                null,
                new DestinationUpload { UserName = "a@contoso.com", DestinationHostName = null, SentBytes = 9 },
                new DestinationUpload { UserName = "a@contoso.com", DestinationHostName = "dropbox.com", SentBytes = 5 },
            });
            u.DailyUploads = new RowList<ZiaDailyUpload>(new ZiaDailyUpload[] { null, new ZiaDailyUpload { UserName = "a@contoso.com", Day = End.AddDays(-2), DaySentBytes = 14 } });
            u.Channels = new RowList<ChannelUpload>(new ChannelUpload[] { null });
            var sharing = new O365SharingProfile { UserName = "a@contoso.com", O365_EventCount = 3, O365_AnonLinks = 3, O365_Operations = null, OperationCounts = null };
            var all = CandidateScorer.Score(new[] { u, Upload("b@contoso.com", 1) }, new[] { sharing },
                new ScoringOptions { DistinctChannels = ChannelCounting.Categories }).All;

            using (var alert = JsonDocument.Parse(SentinelAlert.ToJsonArray(all)))
            {
                var hosts = alert.RootElement[0].GetProperty("Entities").EnumerateArray()
                    .Where(e => e.GetProperty("Type").GetString() == "host").Select(e => e.GetProperty("FullName").GetString());
                Assert.Equal(new[] { "dropbox.com" }, hosts);
            }
            using (var record = JsonDocument.Parse(IngestionRecord.ToJson(all[0], End, null)))
                Assert.Equal(JsonValueKind.Null, record.RootElement.GetProperty("ModuleVersion").ValueKind);
            string html = HtmlReport.Render(all, new HtmlReportOptions { GeneratedUtc = End });
            Assert.Contains("dropbox.com", html);
        }

        /// <summary>Export-LowSlowExfilReport and Find -ReportPath hand the renderer candidates and a summary a script may have built.</summary>
        [Fact]
        public void Report_HandBuiltCandidatesAndSummary_WithNullsEverywhere_Renders()
        {
            var bare = new ExfilCandidate { UserName = null, O365_Operations = null, Reasons = ExfilReason.ZScore, Zscore = 4 };
            var summary = new HuntSummary
            {
                Mode = null,
                PartialResults = new string[] { null },
                NearMisses = new ExfilCandidate[] { null, new ExfilCandidate() },
                Provenance = new HuntProvenance { Inputs = new HuntInput[] { null, new HuntInput() } },
            };
            string html = HtmlReport.Render(new[] { bare }, new HtmlReportOptions { Summary = summary, GeneratedUtc = End });
            Assert.Contains("id=\"provenance\"", html);
            Assert.Contains("id=\"near-misses\"", html);

            summary.Provenance.Inputs = null;
            Assert.Contains("id=\"provenance\"", HtmlReport.Render(new ExfilCandidate[0], new HtmlReportOptions { Summary = summary, GeneratedUtc = End }));
            Assert.Contains("\"UserName\":null", IngestionRecord.ToJson(bare, End, "1.0.0"));
            Assert.Contains("\"CompromisedEntity\": \"\"", SentinelAlert.ToJson(bare));
        }
    }
}
