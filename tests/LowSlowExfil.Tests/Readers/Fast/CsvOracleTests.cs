using nietras.SeparatedValues;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// CommonSecurityLog CSVs with hostile cells — quotes, doubled quotes, commas, line breaks, non-ASCII — in every
    /// column the rule reads, in every combination, read by the byte-level fast path, the general reader and parallel
    /// ranges, each held to an independent parser (Sep): the same users, hosts, bytes and skipped rows.
    /// </summary>
    public class CsvOracleTests
    {
        private static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
        private static readonly string[] Columns = { "TimeGenerated [UTC]", "DeviceVendor", "DeviceAction", "SourceUserName", "DestinationHostName", "SentBytes" };

        // How a value is written into a cell; each shape keeps the value a plausible one of its column.
        private static readonly Func<string, string>[] Shapes =
        {
            v => Cell(v),                            // as is (quoted only where CSV needs it)
            v => "\"" + v + "\"",                      // quoted
            v => Quote(Mid(v, "\"")),                  // a doubled quote inside
            v => Quote(Mid(v, ",")),                   // a separator inside
            v => Quote(Mid(v, "\n")),                  // a line break inside
            v => Quote(Mid(v, "\r\n")),                // CRLF inside
            v => Quote(Mid(v, "é\u00fc")),             // non-ASCII
            v => Quote(Mid(v, "\"\",\"\"")),           // quotes around a separator
            v => Quote("\"" + v + "\""),               // quotes at both ends of the value
            v => Cell(Mid(v, "ü")),                    // non-ASCII, unquoted where CSV allows
        };

        // After the first character: a host stays under its domain (h"0.dropbox.com), a time or size becomes unreadable.
        private static string Mid(string v, string insert) => v.Substring(0, 1) + insert + v.Substring(1);

        private static string Quote(string v) => "\"" + v.Replace("\"", "\"\"") + "\"";

        [Fact]
        public void EveryShapeInUserAndHost_EveryPathMatchesTheOracle()
        {
            // Every pair of shapes for the two columns whose values become keys (the misattribution found in review).
            var rows = new List<string[]>();
            var rnd = new Random(14);
            for (int u = 0; u < Shapes.Length; u++)
                for (int h = 0; h < Shapes.Length; h++)
                    rows.Add(Row(rnd, userShape: u, hostShape: h));
            CheckAllPaths(rows, "pairs");
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(4)]
        [InlineData(5)]
        public void RandomShapesInEveryColumn_EveryPathMatchesTheOracle(int seed)
        {
            var rnd = new Random(seed);
            for (int file = 0; file < 20; file++)
            {
                var rows = Enumerable.Range(0, 40).Select(_ => Row(rnd, rnd.Next(Shapes.Length), rnd.Next(Shapes.Length), everyColumn: true)).ToList();
                CheckAllPaths(rows, $"seed {seed} file {file}");
            }
        }

        /// <summary>The row the review found: a doubled quote in both the host and the user.</summary>
        [Fact]
        public void DoubledQuotesInHostAndUser_UploadGoesToTheRealUser()
        {
            var rows = new List<string[]>
            {
                new[] { "\"10/20/2026, 3:05:26.000 PM\"", "Zscaler", "Allowed", "\"a\"\"b@x.com\"", "\"c\"\"d.dropbox.com\"", "3000000" },
            };
            var oracle = Oracle(Text(rows));
            Assert.Equal("a\"b@x.com", Assert.Single(oracle.Users.Keys));
            CheckAllPaths(rows, "the review's row");
        }

        private static string[] Row(Random rnd, int userShape, int hostShape, bool everyColumn = false)
        {
            string user = "user" + rnd.Next(6) + "@Contoso.com";
            string host = rnd.Next(8) == 0 ? "intranet.example.org" : "h" + rnd.Next(4) + ".dropbox.com";
            string action = rnd.Next(6) == 0 ? "blocked" : "Allowed";
            var time = End.AddDays(-rnd.Next(0, 40)).AddSeconds(rnd.Next(86400));
            string timeText = rnd.Next(2) == 0 ? time.ToString("M/d/yyyy, h:mm:ss.fff tt", CultureInfo.InvariantCulture) : time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            string sent = rnd.Next(1, 5_000_000).ToString(CultureInfo.InvariantCulture);
            var cells = new[] { Cell(timeText), "Zscaler", action, Shapes[userShape](user), Shapes[hostShape](host), sent };
            if (everyColumn)
            {
                // Any column may be quoted or mangled; a mangled time, vendor, action or size makes the row the oracle's
                // business too (skipped, or left out by the rule) — both sides must agree on it.
                for (int c = 0; c < cells.Length; c++)
                {
                    if (c == 3 || c == 4 || rnd.Next(3) != 0) continue;
                    int shape = rnd.Next(Shapes.Length);
                    // The timestamp parser allows white space inside ("9\n/23/2026, ..."), as .NET's does: not this test's subject.
                    if (c == 0 && (shape == 4 || shape == 5)) shape = 3;
                    cells[c] = Shapes[shape](Unquote(cells[c]));
                }
            }
            return cells;
        }

        private static string Cell(string v) => v.IndexOfAny(new[] { ',', '"', '\n', '\r' }) >= 0 ? Quote(v) : v;

        private static string Unquote(string cell) => cell.Length >= 2 && cell[0] == '"' ? cell.Substring(1, cell.Length - 2).Replace("\"\"", "\"") : cell;

        private static string Text(IEnumerable<string[]> rows)
        {
            var sb = new StringBuilder();
            sb.Append("TenantId,").Append(string.Join(",", Columns.Select(Cell))).Append(",AdditionalExtensions\n");
            foreach (var r in rows) sb.Append("t,").Append(string.Join(",", r)).Append(",\"x=\"\"y\"\",z\"\n");
            return sb.ToString();
        }

        private sealed class Expected
        {
            public readonly SortedDictionary<string, SortedDictionary<string, long>> Users = new SortedDictionary<string, SortedDictionary<string, long>>(StringComparer.Ordinal);
            public long Skipped;
            public List<long> SkippedRecords = new List<long>();
            public List<string> Issues = new List<string>(); // the module's, shown when a case fails

            public override string ToString() => $"skipped {Skipped}: {string.Join(",", SkippedRecords)}\n" + string.Join("\n", Users.Select(u =>
                u.Key + " " + string.Join(";", u.Value.Select(h => h.Key + "=" + h.Value))));
        }

        /// <summary>What the rule makes of the file, read by Sep with the rule's filters written out plainly here.</summary>
        private static Expected Oracle(string text)
        {
            var e = new Expected();
            using var reader = Sep.New(',').Reader(o => o with { Unescape = true }).FromText(text);
            foreach (var row in reader)
            {
                long record = row.RowIndex; // the header is row 0
                string timeText = row[Columns[0]].ToString(), vendor = row[Columns[1]].ToString(), action = row[Columns[2]].ToString();
                string user = row[Columns[3]].ToString(), host = row[Columns[4]].ToString(), sentText = row[Columns[5]].ToString();
                if (!TryTime(timeText, out var time) || !long.TryParse(sentText, NumberStyles.None, CultureInfo.InvariantCulture, out long sent))
                {
                    e.Skipped++;
                    e.SkippedRecords.Add(record);
                    continue;
                }
                if (time <= End.AddDays(-30) || time > End) continue;
                if (vendor != "Zscaler" || action == "blocked" || user.Length == 0) continue;
                string h = host.ToLowerInvariant();
                if (!(h == "dropbox.com" || h.EndsWith(".dropbox.com", StringComparison.Ordinal))) continue;
                string u = user.ToLowerInvariant();
                if (!e.Users.TryGetValue(u, out var hosts)) e.Users[u] = hosts = new SortedDictionary<string, long>(StringComparer.Ordinal);
                hosts[host] = hosts.TryGetValue(host, out long b) ? b + sent : sent;
            }
            return e;
        }

        private static bool TryTime(string s, out DateTime t) =>
            DateTime.TryParseExact(s, new[] { "M/d/yyyy, h:mm:ss.fff tt", "yyyy-MM-ddTHH:mm:ssZ" }, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out t);

        private static Expected Module(string path, bool fast, int threads)
        {
            var acc = new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: false));
            var issues = new List<string>();
            var skipped = new List<long>();
            var ctx = new ReadContext { OnIssue = i => { issues.Add(i.Record + ": " + i.Reason); skipped.Add(i.Record); }, UseFastPaths = fast, MaxDegreeOfParallelism = threads, ParallelMinimumBytes = threads > 1 ? 1 : long.MaxValue, RethrowUnexpected = true };
            var summary = LogFileReader.Read(path, acc, ctx);
            var e = new Expected { Skipped = summary.Skipped, Issues = issues, SkippedRecords = skipped };
            foreach (var p in acc.Uploads.BuildProfiles())
                e.Users[p.UserName] = new SortedDictionary<string, long>(p.Destinations.ToDictionary(d => d.DestinationHostName, d => d.SentBytes), StringComparer.Ordinal);
            return e;
        }

        private static void CheckAllPaths(List<string[]> rows, string label)
        {
            using var dir = TestPaths.NewTempFolder();
            string text = Text(rows);
            string path = dir.File("csl.csv");
            File.WriteAllText(path, text, new UTF8Encoding(false));
            string gz = TestPaths.Gzip(path);
            string expected = Oracle(text).ToString();
            Assert.True(expected.Contains("@"), $"{label}: the oracle kept no upload; the case tests nothing");
            foreach (var (name, actual) in new[]
            {
                ("fast path", Module(path, fast: true, threads: 1)),
                ("general reader", Module(path, fast: false, threads: 1)),
                ("parallel ranges", Module(path, fast: true, threads: 4)),
                ("fast path, gzip", Module(gz, fast: true, threads: 1)),
            })
            {
                if (expected != actual.ToString())
                    Assert.Fail($"{label}, {name}:\nexpected\n{expected}\nactual\n{actual}\nissues:\n{string.Join("\n", actual.Issues)}\nfile:\n{text}");
            }
        }
    }
}
