using System.Security.Cryptography;
using LowSlowExfil.Reporting;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// The report is byte-for-byte what it was when HtmlReport was one file with its CSS and JavaScript in C# strings
    /// (issue 18 split it into a renderer, charts and embedded .css/.js resources): each page below is pinned by the
    /// SHA-256 of its UTF-8 bytes, taken from the code before the split. A change to the report's output that is
    /// meant must update these hashes on purpose.
    /// </summary>
    public sealed class ReportGoldenTests
    {
        private static readonly DateTime Generated = new DateTime(2026, 11, 1, 6, 30, 0, DateTimeKind.Utc);

        /// <summary>The sample tenant (40 ordinary users, ending 2026-11-01) hunted in <paramref name="kql"/> mode.</summary>
        private static ScoreResult SampleHunt(bool kql)
        {
            var tenant = SampleTenant.Generate(new SampleTenantOptions { BackgroundUsers = 40, EndTime = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc) });
            var options = new HuntOptions(endTimeUtc: tenant.EndTime, days: 30, kqlCompatible: kql);
            var zia = new ZiaAccumulator(options);
            foreach (var e in tenant.ProxyEvents())
                zia.Add(e.TimeGenerated, e.DeviceVendor, e.DeviceAction, e.SourceUserName, e.DestinationHostName, e.SentBytes);
            var sharing = new SharingAccumulator(options);
            foreach (var e in tenant.SharingEvents())
                sharing.Add(e.TimeGenerated, e.UserId, e.Operation);
            return CandidateScorer.Score(zia.BuildProfiles(), sharing.BuildProfiles(), new FlagThresholds());
        }

        private static HuntProvenance Provenance() => new HuntProvenance
        {
            ModuleVersion = "0.1.0",
            Command = "Find-LowSlowExfil -Path '/logs/<script>alert(1)</script>' -Report 'a&b.html'",
            Source = "files",
            Inputs = new[]
            {
                new HuntInput { File = "/logs/CommonSecurityLog.csv", Format = "CommonSecurityLogCsv", Records = 123456, Skipped = 7 },
                new HuntInput { File = "/logs/<img src=x onerror=alert(2)>.csv", Format = "OfficeActivityCsv", Records = 0, Failed = true, Notice = "not a \"CSV\" & <b>bold</b>" },
            },
        };

        private static string Hash(Func<string> render)
        {
            // Written as the cmdlet writes it: UTF-8 without a byte order mark, through a TextWriter.
            using (var sha = SHA256.Create())
                return Convert.ToHexString(sha.ComputeHash(new UTF8Encoding(false).GetBytes(render())));
        }

        private static string Write(IEnumerable<ExfilCandidate> candidates, HtmlReportOptions options)
        {
            var sw = new StringWriter(CultureInfo.InvariantCulture);
            HtmlReport.Write(sw, candidates, options);
            return sw.ToString();
        }

        public static IEnumerable<object[]> Pages() => new[]
        {
            new object[] { "sample-intent-all" }, new object[] { "sample-kql-flagged" }, new object[] { "sample-limit-3" },
            new object[] { "sample-partial-provenance" }, new object[] { "nobody-flagged" }, new object[] { "no-summary-titled" },
        };

        private static string Render(string page)
        {
            switch (page)
            {
                case "sample-intent-all":
                {
                    var r = SampleHunt(kql: false);
                    return Write(r.All, new HtmlReportOptions { Summary = r.Summary, GeneratedUtc = Generated });
                }
                case "sample-kql-flagged":
                {
                    var r = SampleHunt(kql: true);
                    return Write(r.Flagged, new HtmlReportOptions { Summary = r.Summary, GeneratedUtc = Generated });
                }
                case "sample-limit-3":
                {
                    var r = SampleHunt(kql: false);
                    return Write(r.All, new HtmlReportOptions { Summary = r.Summary, GeneratedUtc = Generated, DetailLimit = 3 });
                }
                case "sample-partial-provenance":
                {
                    var r = SampleHunt(kql: false);
                    r.Summary.PartialResults = new[] { "ZIA daily: the service returned partial results <b>(limit)</b>" };
                    r.Summary.Provenance = Provenance();
                    return Write(r.Flagged, new HtmlReportOptions { Summary = r.Summary, GeneratedUtc = Generated, Title = "Case 42 <\"hunt\"> & co" });
                }
                case "nobody-flagged":
                {
                    var summary = new HuntSummary
                    {
                        Mode = "Intent", WindowStart = new DateTime(2026, 10, 2, 0, 0, 0, DateTimeKind.Utc), WindowEnd = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc),
                        Users = 3, BaselineMean = 1.5, BaselineStdev = 0.5, PopulationTotalsMB = new[] { 1.0, 1.5, 2.0 },
                        NearMisses = new[] { new ExfilCandidate { UserName = "<b>near</b>@x.com", Zscore = 2.9, ZIA_TotalMBSent = 40 } },
                        Provenance = Provenance(),
                    };
                    return Write(new ExfilCandidate[0], new HtmlReportOptions { Summary = summary, GeneratedUtc = Generated });
                }
                case "no-summary-titled":
                {
                    var r = SampleHunt(kql: true);
                    return HtmlReport.Render(r.All.Take(5), new HtmlReportOptions { Title = "Tenant <x> 'quoted'", GeneratedUtc = Generated });
                }
                default: throw new ArgumentOutOfRangeException(nameof(page), page, null);
            }
        }

        private static readonly Dictionary<string, string> Expected = new Dictionary<string, string>
        {
            ["sample-intent-all"] = "07765CFB9E17FD0D4176F423C4C354616420670775FE7DCAE0FF665D750380F8",
            ["sample-kql-flagged"] = "BD6227A903B8CEA9B218B4AAA4347BC22C53FF3462E81C88D286AC5DFC6FEB5B",
            ["sample-limit-3"] = "288B41B356B6B13AECB81171BE692452028992C6A57729FC6E90E85E1900EE60",
            ["sample-partial-provenance"] = "C1B426B8A8852364AAB2FFCFFAF32793139318AEF03DD82D73F5B0DC5116B535",
            ["nobody-flagged"] = "FB403A52864021EBCF93B313C03E3FE5D7B433B172E925973546F3FE3A8FAF7B",
            ["no-summary-titled"] = "0828B688F033B267A0DDFE68A81DD7083704000183BC5A34C8D0C2738373087E",
        };

        [Theory]
        [MemberData(nameof(Pages))]
        public void Report_IsByteIdentical_ToTheRenderingBeforeTheSplit(string page)
        {
            Assert.Equal(Expected[page], Hash(() => Render(page)));
        }
    }
}
