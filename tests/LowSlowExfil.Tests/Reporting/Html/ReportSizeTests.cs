using System.Xml;
using System.Xml.Linq;
using LowSlowExfil.Reporting;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// HtmlReport with many candidates: detail sections capped (the flagged first, then by Zscore), every candidate
    /// still in a lean table, and the page saying what was left out. 20,000 candidates made 205 MB of HTML before.
    /// </summary>
    public class ReportSizeTests
    {
        private const long MB = 1048576;
        private static readonly DateTime End = new DateTime(2024, 6, 30, 0, 0, 0, DateTimeKind.Utc);

        /// <summary>
        /// <paramref name="users"/> users uploading on 22 days (Persistence: all flagged), the first ones more than the rest,
        /// plus <paramref name="quiet"/> unflagged users of 1 MB.
        /// </summary>
        private static ScoreResult Hunt(int users, int quiet = 0)
        {
            var options = new HuntOptions(End, 30, null, false);
            var zia = new ZiaAccumulator(options);
            for (int u = 0; u < users; u++)
                for (int d = 1; d <= 22; d++)
                    zia.Add(new DateTime(2024, 6, d, 10, 0, 0, DateTimeKind.Utc), "Zscaler", "Allowed",
                        "user" + u.ToString("00000", CultureInfo.InvariantCulture) + "@contoso.com", d % 2 == 0 ? "dropbox.com" : "github.com", (3 + (users - u) % 7) * MB);
            for (int q = 0; q < quiet; q++)
                zia.Add(new DateTime(2024, 6, 3, 10, 0, 0, DateTimeKind.Utc), "Zscaler", "Allowed", "quiet" + q.ToString("00000", CultureInfo.InvariantCulture) + "@contoso.com", "dropbox.com", MB);
            return CandidateScorer.Score(zia.BuildProfiles(), new SharingAccumulator(options).BuildProfiles(), new FlagThresholds());
        }

        private static string Render(IEnumerable<ExfilCandidate> candidates, int? limit = null)
        {
            var options = new HtmlReportOptions { GeneratedUtc = End };
            if (limit.HasValue) options.DetailLimit = limit.Value;
            var sw = new StringWriter(CultureInfo.InvariantCulture);
            HtmlReport.Write(sw, candidates, options);
            return sw.ToString();
        }

        private static XDocument Parse(string html)
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null };
            using (var reader = XmlReader.Create(new StringReader(html), settings)) return XDocument.Load(reader);
        }

        private static IEnumerable<XElement> Sections(XDocument doc) =>
            doc.Descendants("section").Where(e => ((string)e.Attribute("class") ?? "").Split(' ').Contains("candidate"));

        private static List<XElement> Rows(XDocument doc) =>
            doc.Descendants("table").Single(t => (string)t.Attribute("id") == "candidate-table").Element("tbody").Elements("tr").ToList();

        [Fact]
        public void DefaultLimit_Is200()
        {
            Assert.Equal(200, HtmlReport.DefaultDetailLimit);
            Assert.Equal(200, new HtmlReportOptions().DetailLimit);
        }

        [Fact]
        public void ManyCandidates_SectionsCapped_TableKeepsEveryone_PageSaysWhatWasLeftOut()
        {
            var all = Hunt(250, quiet: 40).All.ToList(); // 250 flagged, 40 not
            var doc = Parse(Render(all));
            var rows = Rows(doc);
            Assert.Equal(all.Count, rows.Count);
            Assert.Equal(all.Select(c => c.UserName), rows.Select(r => r.Elements("td").ElementAt(1).Value));

            // 200 sections: flagged users only here (250 of them), the highest Zscores first.
            var sections = Sections(doc).ToList();
            Assert.Equal(200, sections.Count);
            var expected = all.Where(c => c.IsFlagged()).OrderByDescending(c => c.Zscore).ThenByDescending(c => c.ZIA_TotalMBSent).Take(200)
                .Select(c => c.UserName).ToHashSet(StringComparer.Ordinal);
            Assert.True(expected.SetEquals(sections.Select(s => (string)s.Attribute("data-user"))));
            Assert.DoesNotContain(sections, s => ((string)s.Attribute("class")).Contains("unflagged"));
            // Sections keep table order, and exactly the rows with a section link to it.
            var linked = rows.Select((r, i) => (Row: r, Index: i)).Where(x => x.Row.Descendants("a").Any()).ToList();
            Assert.Equal(200, linked.Count);
            Assert.Equal(linked.Select(x => "#candidate-" + (x.Index + 1).ToString(CultureInfo.InvariantCulture)),
                linked.Select(x => (string)x.Row.Descendants("a").Single().Attribute("href")));
            Assert.Equal(linked.Select(x => "candidate-" + (x.Index + 1).ToString(CultureInfo.InvariantCulture)), sections.Select(s => (string)s.Attribute("id")));

            // The page says how many sections were left out, and why, beside the table and above the details.
            var notes = doc.Descendants("p").Where(p => (string)p.Attribute("id") == "details-omitted").ToList();
            Assert.NotEmpty(notes);
            Assert.Equal("90", (string)notes[0].Attribute("data-omitted"));
            Assert.Contains("Detail sections are shown for 200 of the 290 candidates", notes[0].Value);
            Assert.Contains("the other 90 are in the table only", notes[0].Value);
            Assert.Contains("-DetailLimit", notes[0].Value);
            // Only the candidates with a section get a numbered triangle on the distribution.
            Assert.Equal(200, doc.Descendants("g").Count(g => (string)g.Attribute("class") == "cand"));
        }

        [Fact]
        public void UnderTheLimit_NothingIsLeftOut_AndNoNote()
        {
            var flagged = Hunt(30).Flagged.ToList();
            var doc = Parse(Render(flagged));
            Assert.Equal(30, Sections(doc).Count());
            Assert.DoesNotContain(doc.Descendants("p"), p => (string)p.Attribute("id") == "details-omitted");
        }

        [Fact]
        public void LimitZero_TableOnly()
        {
            var flagged = Hunt(12).Flagged.ToList();
            var doc = Parse(Render(flagged, limit: 0));
            Assert.Empty(Sections(doc));
            Assert.Equal(12, Rows(doc).Count);
            Assert.Empty(doc.Descendants("table").Single(t => (string)t.Attribute("id") == "candidate-table").Descendants("a"));
            Assert.Equal("12", (string)doc.Descendants("p").First(p => (string)p.Attribute("id") == "details-omitted").Attribute("data-omitted"));
            Assert.Throws<ArgumentOutOfRangeException>(() => Render(flagged, limit: -1));
        }

        [Fact]
        public void TwoThousandCandidates_StaySmall_AndEachTableRowIsLean()
        {
            // Before the cap: ~11 KB per candidate (22 MB for 2,000, 205 MB for 20,000).
            var flagged = Hunt(2000).Flagged.ToList();
            Assert.Equal(2000, flagged.Count);
            int full = Encoding.UTF8.GetByteCount(Render(flagged));
            int half = Encoding.UTF8.GetByteCount(Render(flagged.Take(1000)));
            Assert.True(full < 4_000_000, $"{full:N0} bytes for 2,000 candidates");
            // The same 200 sections in both: the difference is 1,000 table rows (and nothing else grows with them).
            double perRow = (full - half) / 1000.0;
            Assert.True(perRow < 450, $"{perRow:N0} bytes per table row");
        }

        [Fact]
        public void Write_StreamsToTheWriter()
        {
            // The page reaches the writer as it is made, in many writes, not as one string at the end.
            var flagged = Hunt(300).Flagged.ToList();
            var w = new CountingWriter();
            HtmlReport.Write(w, flagged, new HtmlReportOptions { GeneratedUtc = End });
            Assert.True(w.Writes > 1000, $"{w.Writes} writes");
            Assert.True(w.Largest < 64 * 1024, $"largest single write {w.Largest:N0} characters");
            Assert.Equal(Render(flagged), w.Text.ToString());
        }

        private sealed class CountingWriter : TextWriter
        {
            public StringBuilder Text { get; } = new StringBuilder();
            public int Writes { get; private set; }
            public int Largest { get; private set; }
            public override Encoding Encoding => Encoding.UTF8;
            public override void Write(char value) { Writes++; Largest = Math.Max(Largest, 1); Text.Append(value); }
            public override void Write(string value)
            {
                Writes++;
                Largest = Math.Max(Largest, value?.Length ?? 0);
                Text.Append(value);
            }
        }
    }
}
