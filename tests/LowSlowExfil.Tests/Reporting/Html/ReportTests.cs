using System.Security.Cryptography;
using System.Xml;
using System.Xml.Linq;
using LowSlowExfil.Reporting;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// HtmlReport (the self-contained HTML report) and SentinelAlert (alert JSON) on a small hand-made tenant.
    /// Window (2024-05-31T00:00Z, 2024-06-30T00:00Z]: the 30 UTC days 2024-05-31 … 2024-06-29.
    /// </summary>
    public class ReportTests
    {
        private const long MB = 1048576;
        private static readonly DateTime End = new DateTime(2024, 6, 30, 0, 0, 0, DateTimeKind.Utc);

        /// <summary>A user name built to break out of text, attributes and scripts (the rule lower-cases it).</summary>
        private const string Hostile = "<script>alert(1)</script>\"o'neil&amp;<img src=x onerror=alert(2)>@evil.example";

        private static DateTime June(int day, int hour = 10) => new DateTime(2024, 6, day, hour, 0, 0, DateTimeKind.Utc);

        /// <summary>
        /// 10 quiet users (1 MB on June 3), "big" (2000 MB on June 10 and 11: Zscore ≥ 3 with 13 users),
        /// the hostile user (3 MB a day on June 1–22: 66 MB over 22 days, Persistence) and "anon" (12 MB and
        /// 3 anonymous links: AnonymousLinks).
        /// </summary>
        private static ScoreResult Hunt(FlagThresholds thresholds = null)
        {
            var options = new HuntOptions(End, 30, null, false);
            var zia = new ZiaAccumulator(options);
            var sharing = new SharingAccumulator(options);
            for (int i = 1; i <= 10; i++) zia.Add(June(3), "Zscaler", "Allowed", "quiet" + i.ToString("00", CultureInfo.InvariantCulture) + "@contoso.com", "dropbox.com", MB);
            zia.Add(June(10), "Zscaler", "Allowed", "big@contoso.com", "www.dropbox.com", 1200 * MB);
            zia.Add(June(11), "Zscaler", "Allowed", "big@contoso.com", "github.com", 800 * MB);
            for (int d = 1; d <= 22; d++) zia.Add(June(d), "Zscaler", "Allowed", Hostile, d % 2 == 0 ? "drive.google.com" : "t.me", 3 * MB);
            zia.Add(June(20), "Zscaler", "Allowed", "anon@contoso.com", "wetransfer.com", 12 * MB);
            for (int k = 0; k < 3; k++) sharing.Add(June(21, 9 + k), "anon@contoso.com", "AnonymousLinkCreated");
            sharing.Add(June(21, 15), "anon@contoso.com", "SharingSet");
            sharing.Add(June(5), Hostile, "FileDownloaded");
            return CandidateScorer.Score(zia.BuildProfiles(), sharing.BuildProfiles(), thresholds ?? new FlagThresholds());
        }

        private static readonly Lazy<ScoreResult> Result = new Lazy<ScoreResult>(() => Hunt());
        private static List<ExfilCandidate> Flagged => Result.Value.Flagged.ToList();
        private static string HostileLower => Hostile.ToLowerInvariant();

        private static string Render(IEnumerable<ExfilCandidate> candidates, string title = null) =>
            HtmlReport.Render(candidates, new HtmlReportOptions { Title = title, GeneratedUtc = new DateTime(2024, 7, 1, 8, 0, 0, DateTimeKind.Utc) });

        /// <summary>The report parsed as XML: the writer emits well-formed markup, so any XML parser can check it.</summary>
        private static XDocument Parse(string html)
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null };
            using (var reader = XmlReader.Create(new StringReader(html), settings))
                return XDocument.Load(reader);
        }

        private static IEnumerable<XElement> ByClass(XDocument doc, string element, string cls) =>
            doc.Descendants(element).Where(e => ((string)e.Attribute("class") ?? "").Split(' ').Contains(cls));

        // ------------------------------------------------------------------ the scenario itself

        [Fact]
        public void Scenario_FlagsTheThreeActors()
        {
            var r = Result.Value;
            Assert.Equal(13, r.Summary.Users);
            Assert.Equal(new[] { "big@contoso.com", HostileLower, "anon@contoso.com" }.OrderBy(x => x, StringComparer.Ordinal),
                Flagged.Select(c => c.UserName).OrderBy(x => x, StringComparer.Ordinal));
            Assert.Equal(ExfilReason.ZScore, Flagged.Single(c => c.UserName == "big@contoso.com").Reasons);
            Assert.Equal(ExfilReason.Persistence, Flagged.Single(c => c.UserName == HostileLower).Reasons);
            Assert.Equal(ExfilReason.AnonymousLinks, Flagged.Single(c => c.UserName == "anon@contoso.com").Reasons);
        }

        [Fact]
        public void Summary_HoldsEveryScoredUsersTotal_AndTheThreshold()
        {
            var s = Result.Value.Summary;
            Assert.Equal(s.Users, s.PopulationTotalsMB.Length);
            Assert.Equal(Result.Value.All.Select(c => c.ZIA_TotalMBSent).OrderBy(x => x), s.PopulationTotalsMB.OrderBy(x => x));
            Assert.Equal(3.0, s.ZScoreThreshold);
            Assert.Equal(2.5, Hunt(new FlagThresholds { ZScore = 2.5 }).Summary.ZScoreThreshold);
        }

        // ------------------------------------------------------------------ HTML: self-contained and well-formed

        [Fact]
        public void Html_IsWellFormed_WithOneInlineScript()
        {
            string html = Render(Flagged);
            Assert.StartsWith("<!DOCTYPE html>", html);
            var doc = Parse(html);
            Assert.Equal("html", doc.Root.Name.LocalName);
            Assert.Single(doc.Descendants("head"));
            Assert.Single(doc.Descendants("body"));
            var script = Assert.Single(doc.Descendants("script"));
            Assert.Null(script.Attribute("src"));
            Assert.Single(Regex.Matches(html, "<script", RegexOptions.IgnoreCase));
        }

        [Fact]
        public void Html_LoadsNothingFromTheNetwork()
        {
            string html = Render(Flagged);
            var doc = Parse(html);
            Assert.DoesNotContain("http:", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("https:", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("//cdn", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
            foreach (var name in new[] { "link", "img", "iframe", "object", "embed", "video", "audio", "source", "image", "use" })
                Assert.DoesNotContain(doc.Descendants(), e => e.Name.LocalName == name);
            foreach (var a in doc.Descendants().Attributes().Where(a => a.Name.LocalName == "src" || a.Name.LocalName == "href" || a.Name.LocalName == "xlink:href"))
            {
                Assert.Equal("href", a.Name.LocalName);
                Assert.StartsWith("#", a.Value); // only links within the page
            }
        }

        [Fact]
        public void Html_ContentSecurityPolicy_AllowsOnlyItsOwnScript()
        {
            string html = Render(Flagged);
            var doc = Parse(html);
            var csp = doc.Descendants("meta").Single(m => (string)m.Attribute("http-equiv") == "Content-Security-Policy");
            string policy = (string)csp.Attribute("content");
            Assert.Contains("default-src 'none'", policy);
            string script = doc.Descendants("script").Single().Value;
            string hash;
            using (var sha = SHA256.Create()) hash = Convert.ToBase64String(sha.ComputeHash(Encoding.UTF8.GetBytes(script)));
            Assert.Contains("script-src 'sha256-" + hash + "'", policy);
            Assert.Contains(HtmlReport.ScriptMarkerAttribute, script);
        }

        [Fact]
        public void Html_Header_ShowsWindowModePopulationAndBaseline()
        {
            var doc = Parse(Render(Flagged));
            string Fact(string key) => doc.Descendants("div").Single(d => (string)d.Attribute("data-fact") == key).Element("dd").Value;
            var s = Result.Value.Summary;
            Assert.Equal("2024-05-31 00:00 UTC → 2024-06-30 00:00 UTC (30 days)", Fact("window"));
            Assert.Equal(s.Mode, Fact("mode"));
            Assert.Equal("13", Fact("population"));
            Assert.Equal("3", Fact("flagged"));
            Assert.Equal(s.BaselineMean.ToString("#,0.##", CultureInfo.InvariantCulture) + " MB", Fact("mean"));
            Assert.Equal(s.BaselineStdev.ToString("#,0.##", CultureInfo.InvariantCulture) + " MB", Fact("stdev"));
            Assert.Equal((s.BaselineMean + 3 * s.BaselineStdev).ToString("#,0.##", CultureInfo.InvariantCulture) + " MB", Fact("cutoff"));
        }

        // ------------------------------------------------------------------ HTML: escaping

        [Fact]
        public void Html_HostileUserName_IsEscapedEverywhere()
        {
            string html = Render(Flagged, title: "<b>Hunt</b> \"q\" 'a'");
            // Nothing from the logs opens a tag: the only script is the report's own, and no img element exists.
            Assert.Single(Regex.Matches(html, "<script", RegexOptions.IgnoreCase));
            Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<b>Hunt", html);
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;o&#39;neil&amp;amp;&lt;img src=x onerror=alert(2)&gt;@evil.example", html);

            // Parsed back, text and attributes hold the name exactly: in the table, the section, the chart titles.
            var doc = Parse(html);
            Assert.Equal("<b>Hunt</b> \"q\" 'a'", doc.Descendants("title").First().Value);
            var section = doc.Descendants("section").Single(e => (string)e.Attribute("data-user") == HostileLower);
            Assert.Contains(section.Descendants("span"), e => e.Value == HostileLower);
            var daily = section.Descendants("svg").Single();
            Assert.Contains(HostileLower, daily.Element("title").Value);
            Assert.Contains(doc.Descendants("td"), td => (string)td.Attribute("class") == "user" && td.Value == HostileLower);
            Assert.Contains(doc.Descendants("g"), g => (string)g.Attribute("data-user") == HostileLower && g.Element("title").Value.StartsWith(HostileLower, StringComparison.Ordinal));
        }

        [Theory]
        [InlineData("a<b", "a&lt;b")]
        [InlineData("\"'&>", "&quot;&#39;&amp;&gt;")]
        [InlineData("x\u0000y\u0007z", "x\uFFFDy\uFFFDz")]
        [InlineData("ok \U0001F600", "ok \U0001F600")]
        public void Escape_CoversMarkupAndInvalidCharacters(string input, string expected) =>
            Assert.Equal(expected, HtmlReport.Escape(input));

        [Fact]
        public void Escape_ReplacesLoneSurrogates()
        {
            // Built here: a lone surrogate does not survive the test runner's serialisation of InlineData.
            string input = "bad" + (char)0xD800 + "pair" + (char)0xDC00;
            Assert.Equal("bad\uFFFDpair\uFFFD", HtmlReport.Escape(input));
        }

        // ------------------------------------------------------------------ HTML: sections and charts

        [Fact]
        public void Html_OneSectionPerCandidate_InOrder()
        {
            var candidates = Flagged;
            var doc = Parse(Render(candidates));
            var sections = ByClass(doc, "section", "candidate").ToList();
            Assert.Equal(candidates.Count, sections.Count);
            Assert.Equal(candidates.Select(c => c.UserName), sections.Select(s => (string)s.Attribute("data-user")));
            Assert.Equal(sections.Count, sections.Select(s => (string)s.Attribute("id")).Distinct().Count());
            // The table links to each section; each section carries the alert texts.
            var rows = doc.Descendants("table").Single(t => (string)t.Attribute("id") == "candidate-table").Element("tbody").Elements("tr").ToList();
            Assert.Equal(candidates.Count, rows.Count);
            for (int i = 0; i < candidates.Count; i++)
            {
                Assert.Equal("#" + (string)sections[i].Attribute("id"), (string)rows[i].Descendants("a").Single().Attribute("href"));
                Assert.Contains(sections[i].Descendants("div"), d => d.Value == candidates[i].AlertDisplayName);
                Assert.Contains(sections[i].Descendants("p"), p => p.Value == candidates[i].AlertDescription);
            }
        }

        [Fact]
        public void Html_CandidateTable_HasTheRulesTenColumnsAndReasons()
        {
            var doc = Parse(Render(Flagged));
            var heads = doc.Descendants("table").Single(t => (string)t.Attribute("id") == "candidate-table").Descendants("th").Select(th => th.Value).ToList();
            Assert.Equal(new[] { "#", "UserName", "ZIA_TotalMBSent", "ZIA_ActiveDays", "ZIA_TotalRequests", "ZIA_UniqueDestCnt", "O365_EventCount",
                "O365_AnonLinks", "O365_Operations", "DistinctChannels", "Zscore", "Reasons" }, heads);
        }

        [Fact]
        public void Html_DailyChart_HasEveryDayOfTheWindow_ZeroDaysIncluded()
        {
            var candidates = Flagged;
            var doc = Parse(Render(candidates));
            var expected = Enumerable.Range(0, 30).Select(i => new DateTime(2024, 5, 31).AddDays(i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).ToList();
            foreach (var c in candidates)
            {
                var section = doc.Descendants("section").Single(e => (string)e.Attribute("data-user") == c.UserName);
                var days = section.Descendants("g").Where(g => (string)g.Attribute("class") == "day").ToList();
                Assert.Equal(expected, days.Select(g => (string)g.Attribute("data-day")));
                var uploads = c.GetUploadProfile().DailyUploads.ToDictionary(d => d.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                foreach (var g in days)
                {
                    double mb = double.Parse((string)g.Attribute("data-mb"), CultureInfo.InvariantCulture);
                    if (uploads.TryGetValue((string)g.Attribute("data-day"), out var d))
                    {
                        Assert.Equal(Math.Round(d.DaySentBytes / (double)MB, 2), mb);
                        Assert.Contains(g.Elements("rect"), r => (string)r.Attribute("class") == "bar");
                    }
                    else
                    {
                        Assert.Equal(0, mb);
                        Assert.Contains(g.Elements("rect"), r => (string)r.Attribute("class") == "zero");
                        Assert.EndsWith("no uploads", g.Element("title").Value);
                    }
                }
            }
            // big uploaded on 2 of the 30 days: 28 zero days shown.
            var big = doc.Descendants("section").Single(e => (string)e.Attribute("data-user") == "big@contoso.com");
            Assert.Equal(28, big.Descendants("rect").Count(r => (string)r.Attribute("class") == "zero"));
        }

        [Fact]
        public void Html_DestinationsChannelsAndSharing_ArePerCandidate()
        {
            var doc = Parse(Render(Flagged));
            var big = doc.Descendants("section").Single(e => (string)e.Attribute("data-user") == "big@contoso.com");
            Assert.Equal(new[] { "www.dropbox.com", "github.com" }, big.Descendants("td").Where(td => (string)td.Attribute("class") == "host").Select(td => td.Value));
            var channels = big.Descendants("table").Single(t => (string)t.Attribute("class") == "chan").Element("tbody").Elements("tr").Select(tr => tr.Elements("td").First().Value);
            Assert.Equal(new[] { "Cloud storage", "Code hosting" }, channels);
            var anon = doc.Descendants("section").Single(e => (string)e.Attribute("data-user") == "anon@contoso.com");
            var ops = anon.Descendants("table").Single(t => (string)t.Attribute("class") == "ops").Element("tbody").Elements("tr")
                .Select(tr => tr.Elements("td").First().Value + "=" + tr.Elements("td").Last().Value);
            Assert.Equal(new[] { "AnonymousLinkCreated=3", "SharingSet=1" }, ops);
        }

        [Fact]
        public void Html_Distribution_HasEveryUser_TheCutOff_AndTheCandidates()
        {
            var doc = Parse(Render(Flagged));
            var svg = doc.Descendants("svg").Single(e => (string)e.Attribute("class") == "histogram");
            Assert.Equal("13", (string)svg.Attribute("data-users"));
            // 1 MB … 2000 MB spans more than two decades: a log scale.
            Assert.Equal("log", (string)svg.Attribute("data-scale"));
            // Bars count every user once.
            int users = svg.Descendants("rect").Where(r => ((string)r.Attribute("class")).StartsWith("hbar", StringComparison.Ordinal))
                .Sum(r => int.Parse(r.Element("title").Value.Split(' ')[0], CultureInfo.InvariantCulture));
            Assert.Equal(13, users);
            var s = Result.Value.Summary;
            var cut = svg.Descendants("line").Single(l => (string)l.Attribute("class") == "cut");
            Assert.Contains((s.BaselineMean + 3 * s.BaselineStdev).ToString("#,0.##", CultureInfo.InvariantCulture) + " MB", cut.Element("title").Value);
            Assert.Equal(Flagged.Select(c => c.UserName).OrderBy(x => x, StringComparer.Ordinal),
                svg.Descendants("g").Where(g => (string)g.Attribute("class") == "cand").Select(g => (string)g.Attribute("data-user")).OrderBy(x => x, StringComparer.Ordinal));
        }

        [Fact]
        public void Html_IncludeAll_RendersUnflaggedUsersToo()
        {
            var all = Result.Value.All.ToList();
            var doc = Parse(Render(all));
            var sections = ByClass(doc, "section", "candidate").ToList();
            Assert.Equal(13, sections.Count);
            Assert.Equal(10, sections.Count(s => ((string)s.Attribute("class")).Contains("unflagged")));
            var quiet = sections.First(s => (string)s.Attribute("data-user") == "quiet01@contoso.com");
            Assert.Contains(quiet.Descendants("li"), li => li.Value.Contains("-IncludeAll"));
            // Only the flagged are marked on the distribution.
            Assert.Equal(3, doc.Descendants("g").Count(g => (string)g.Attribute("class") == "cand"));
        }

        [Fact]
        public void Html_NoCandidates_SaysSo()
        {
            string html = Render(Enumerable.Empty<ExfilCandidate>());
            var doc = Parse(html);
            Assert.Contains(doc.Descendants("p"), p => (string)p.Attribute("id") == "no-candidates");
            Assert.Empty(ByClass(doc, "section", "candidate"));
            Assert.Empty(doc.Descendants("svg"));
            Assert.Single(doc.Descendants("script"));
        }

        [Fact]
        public void WindowDays_MidnightEnd_IsTheWindowsDays()
        {
            var days = HtmlReport.WindowDays(End.AddDays(-30), End, null);
            Assert.Equal(30, days.Count);
            Assert.Equal(new DateTime(2024, 5, 31), days[0]);
            Assert.Equal(new DateTime(2024, 6, 29), days[29]);
            // A window ending mid-day touches 31 UTC days.
            var noon = End.AddHours(12);
            Assert.Equal(31, HtmlReport.WindowDays(noon.AddDays(-30), noon, null).Count);
            // An upload day outside the window widens it; no window at all uses the uploads alone.
            Assert.Equal(31, HtmlReport.WindowDays(End.AddDays(-30), End, new[] { End }).Count);
            Assert.Equal(3, HtmlReport.WindowDays(default, default, new[] { June(1), June(3) }).Count);
        }

        // ------------------------------------------------------------------ alert JSON

        private static readonly DateTime Generated = new DateTime(2024, 7, 1, 8, 0, 0, DateTimeKind.Utc);

        private static JsonElement Alert(ExfilCandidate c) =>
            JsonDocument.Parse(SentinelAlert.ToJson(c, new SentinelAlertOptions { TimeGenerated = Generated })).RootElement;

        private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()).ToArray();

        [Fact]
        public void Alert_HasSentinelFields()
        {
            var c = Flagged.Single(x => x.UserName == "big@contoso.com");
            var a = Alert(c);
            Assert.Equal(c.AlertDisplayName, a.GetProperty("AlertDisplayName").GetString());
            Assert.Equal("Low & Slow Exfil Candidate - big@contoso.com (z=" + c.Zscore.ToString("0.##", CultureInfo.InvariantCulture) + ", 2000 MB over 2 days)", a.GetProperty("AlertDisplayName").GetString());
            Assert.Equal(c.AlertDescription, a.GetProperty("Description").GetString());
            Assert.Equal("High", a.GetProperty("Severity").GetString());
            Assert.Equal(new[] { "Exfiltration" }, Strings(a.GetProperty("Tactics")));
            Assert.Equal(new[] { "TA0010" }, Strings(a.GetProperty("TacticIds")));
            Assert.Equal(new[] { "T1041", "T1567", "T1567.002" }, Strings(a.GetProperty("Techniques")));
            Assert.Equal(new[] { "T1567.002" }, Strings(a.GetProperty("SubTechniques")));
            Assert.Equal("LowSlowExfil", a.GetProperty("ProductName").GetString());
            Assert.Equal("LowSlowExfil", a.GetProperty("ProviderName").GetString());
            Assert.Equal("2024-06-10T10:00:00.0000000Z", a.GetProperty("StartTimeUtc").GetString());
            Assert.Equal("2024-06-11T10:00:00.0000000Z", a.GetProperty("EndTimeUtc").GetString());
            Assert.Equal("2024-07-01T08:00:00.0000000Z", a.GetProperty("TimeGenerated").GetString());
            Assert.Equal("big@contoso.com", a.GetProperty("CompromisedEntity").GetString());

            var entities = a.GetProperty("Entities").EnumerateArray().ToList();
            var entity = entities[0];
            // Then each destination, largest first, as a Host and a URL entity.
            var hosts = c.GetUploadProfile().Destinations.Select(d => d.DestinationHostName).ToList();
            Assert.NotEmpty(hosts);
            Assert.Equal(1 + 2 * hosts.Count, entities.Count);
            for (int i = 0; i < hosts.Count; i++)
            {
                var host = entities[1 + 2 * i];
                Assert.Equal("host", host.GetProperty("Type").GetString());
                Assert.Equal(hosts[i], host.GetProperty("FullName").GetString());
                Assert.Equal(hosts[i], host.GetProperty("HostName").GetString() + "." + host.GetProperty("DnsDomain").GetString());
                Assert.Equal("url", entities[2 + 2 * i].GetProperty("Type").GetString());
                Assert.Equal("https://" + hosts[i] + "/", entities[2 + 2 * i].GetProperty("Url").GetString());
            }
            Assert.Equal("account", entity.GetProperty("Type").GetString());
            Assert.Equal("big", entity.GetProperty("Name").GetString());
            Assert.Equal("contoso.com", entity.GetProperty("UPNSuffix").GetString());
            Assert.Equal("big@contoso.com", entity.GetProperty("FullName").GetString());

            var custom = a.GetProperty("CustomDetails");
            Assert.Equal(2000, custom.GetProperty("ZIA_TotalMBSent").GetDouble());
            Assert.Equal(2, custom.GetProperty("ZIA_ActiveDays").GetInt64());
            Assert.Equal(c.Zscore, custom.GetProperty("Zscore").GetDouble());
            Assert.Equal(0, custom.GetProperty("O365_AnonLinks").GetInt64());
            Assert.Equal(c.DistinctChannels, custom.GetProperty("DistinctChannels").GetInt64());
            Assert.Equal(new[] { "ZScore" }, Strings(custom.GetProperty("Reasons")));

            var ext = a.GetProperty("ExtendedProperties");
            Assert.Equal(ExfilRule.DisplayName, ext.GetProperty("Analytic Rule Name").GetString());
            Assert.Equal("ZScore", ext.GetProperty("Reasons").GetString());
            Assert.Equal("P30D", ext.GetProperty("Query Period").GetString());
            // Sentinel's form: a JSON string of arrays of strings, the rule's five custom details in its order.
            var details = JsonDocument.Parse(ext.GetProperty("Custom Details").GetString()).RootElement;
            Assert.Equal(new[] { "ZIA_TotalMBSent", "ZIA_ActiveDays", "Zscore", "O365_AnonLinks", "DistinctChannels" }, details.EnumerateObject().Select(p => p.Name));
            Assert.Equal(new[] { "2000" }, Strings(details.GetProperty("ZIA_TotalMBSent")));
            Assert.Equal(new[] { c.Zscore.ToString("R", CultureInfo.InvariantCulture) }, Strings(details.GetProperty("Zscore")));
        }

        [Fact]
        public void Alert_HostileName_RoundTripsExactly()
        {
            var c = Flagged.Single(x => x.UserName == HostileLower);
            var a = Alert(c);
            var entity = a.GetProperty("Entities")[0];
            Assert.Equal(HostileLower, entity.GetProperty("FullName").GetString());
            Assert.Equal(HostileLower.Substring(0, HostileLower.LastIndexOf('@')), entity.GetProperty("Name").GetString());
            Assert.Equal("evil.example", entity.GetProperty("UPNSuffix").GetString());
            Assert.Equal(c.AlertDisplayName, a.GetProperty("AlertDisplayName").GetString());
            Assert.Equal(new[] { "Persistence" }, Strings(a.GetProperty("CustomDetails").GetProperty("Reasons")));
            Assert.Equal(22, a.GetProperty("CustomDetails").GetProperty("ZIA_ActiveDays").GetInt64());
        }

        [Fact]
        public void Alert_Array_HoldsEveryCandidate_AndIsEmptyWhenNone()
        {
            var candidates = Flagged;
            var array = JsonDocument.Parse(SentinelAlert.ToJsonArray(candidates, new SentinelAlertOptions { TimeGenerated = Generated, Indented = false })).RootElement;
            Assert.Equal(JsonValueKind.Array, array.ValueKind);
            Assert.Equal(candidates.Select(c => c.UserName), array.EnumerateArray().Select(e => e.GetProperty("CompromisedEntity").GetString()));
            Assert.Equal("[]", SentinelAlert.ToJsonArray(Enumerable.Empty<ExfilCandidate>(), new SentinelAlertOptions { Indented = false }));
            string compact = SentinelAlert.ToJson(candidates[0], new SentinelAlertOptions { TimeGenerated = Generated, Indented = false });
            Assert.DoesNotContain("\n", compact);
        }

        [Fact]
        public void Alert_Id_IsStablePerUserAndWindow()
        {
            var c = Flagged[0];
            string id1 = Alert(c).GetProperty("SystemAlertId").GetString();
            string id2 = JsonDocument.Parse(SentinelAlert.ToJson(c)).RootElement.GetProperty("SystemAlertId").GetString();
            Assert.Equal(id1, id2);
            Assert.True(Guid.TryParse(id1, out _));
            Assert.NotEqual(id1, Alert(Flagged[1]).GetProperty("SystemAlertId").GetString());
        }

        [Theory]
        [InlineData("jane.doe@contoso.com", "jane.doe", "contoso.com", null)]
        [InlineData("a@b@corp.example", "a@b", "corp.example", null)]
        [InlineData("CONTOSO\\jdoe", "jdoe", null, "CONTOSO")]
        [InlineData("svc-backup", "svc-backup", null, null)]
        [InlineData("trailing@", "trailing@", null, null)]
        public void AccountName_SplitsLikeSentinel(string full, string name, string upnSuffix, string ntDomain)
        {
            var a = AccountName.Parse(full);
            Assert.Equal(full, a.FullName);
            Assert.Equal(name, a.Name);
            Assert.Equal(upnSuffix, a.UPNSuffix);
            Assert.Equal(ntDomain, a.NTDomain);
        }
    
        [Fact]
        public void AlertDestinationEntities_AreHostNames_LargestFirst_AtMostTen()
        {
            var names = new[] { "WWW.Dropbox.com:443", "www.dropbox.com.", "gist.github.com", "bad host.example", "c\"d.dropbox.com" }
                .Concat(Enumerable.Range(0, 15).Select(i => $"h{i}.mega.nz")).ToArray();
            var upload = new ZiaUploadProfile
            {
                Destinations = new RowList<DestinationUpload>(names.Select(n => new DestinationUpload { DestinationHostName = n }).ToArray()),
            };
            Assert.Equal(new[] { "www.dropbox.com", "gist.github.com" }.Concat(Enumerable.Range(0, 8).Select(i => $"h{i}.mega.nz")),
                SentinelAlert.DestinationHosts(upload));
            Assert.Empty(SentinelAlert.DestinationHosts(null));
        }
        [Fact]
        public void AHuntThatFlaggedNobody_StillReportsItsProvenance_Escaped()
        {
            var summary = new HuntSummary
            {
                Mode = "Intent", WindowStart = new DateTime(2026, 10, 2, 0, 0, 0, DateTimeKind.Utc), WindowEnd = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc),
                Users = 3, BaselineMean = 1.5, BaselineStdev = 0.5,
                NearMisses = new[] { new ExfilCandidate { UserName = "<b>near</b>@x.com", Zscore = 2.9, ZIA_TotalMBSent = 40 } },
                Provenance = new HuntProvenance
                {
                    ModuleVersion = "9.9.9", Command = "Find-LowSlowExfil -Path '<script>'", Source = "files",
                    Inputs = new[] { new HuntInput { File = "/logs/<img src=x>.csv", Format = "CommonSecurityLogCsv", Records = 1234, Skipped = 5, Failed = true, Notice = "n & m" } },
                },
            };
            string html = HtmlReport.Render(new ExfilCandidate[0], new HtmlReportOptions { Summary = summary, GeneratedUtc = Generated });
            var doc = Parse(html);
            var provenance = doc.Descendants().Single(e => (string)e.Attribute("id") == "provenance");
            string text = provenance.Value;
            Assert.Contains("9.9.9", text);
            Assert.Contains("Find-LowSlowExfil -Path '<script>'", text);
            Assert.Contains("/logs/<img src=x>.csv", text);
            Assert.Contains("1,234", text);
            Assert.DoesNotContain("<script>'", html);
            Assert.Contains("<b>near</b>@x.com", doc.Descendants().Single(e => (string)e.Attribute("id") == "near-misses").Value);
            Assert.Contains("Users scored", html);
        }

        [Fact]
        public void NoCandidatesAndNoHunt_SaysSo()
        {
            string html = HtmlReport.Render(new ExfilCandidate[0]);
            Assert.Contains("No hunt came with this report", Parse(html).Descendants().Single(e => (string)e.Attribute("id") == "provenance").Value);
        }
    }
}
