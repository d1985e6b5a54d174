namespace LowSlowExfil.Tests
{
    /// <summary>
    /// The rule's filters live in one type (UploadFilter), but each reader hands them an event its own way: the
    /// accumulator from strings, the CSV scanner from byte fields decoded on demand, the CEF scanner from verdicts it
    /// cached per value. Every combination of an event passing or failing each filter (time, vendor, action, user,
    /// destination; letter case, quoted CSV fields, both modes) must land under the same disposition whoever reads it:
    /// a scanner that asked a filter out of order, or of the wrong field, shows here on the row that tells.
    /// </summary>
    public class UploadFilterTests
    {
        private static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
        // Inside the 30-day window ending at End, and before it.
        private static readonly (string Csv, string Cef)[] Times = { ("10/20/2026, 10:00:00 AM", "Oct 20 2026 10:00:00"), ("9/1/2026, 10:00:00 AM", "Sep 01 2026 10:00:00") };
        private static readonly string[] Vendors = { "Zscaler", "zscaler", "Other" };
        private static readonly string[] Actions = { "Allowed", "Blocked", "blocked", "Block", "" };
        private static readonly string[] Users = { "alice@contoso.com", "Alice@Contoso.com", "" };
        private static readonly string[] Hosts = { "mega.nz", "x.MEGA.nz", "example.com", "" };
        private const string CsvHeader = "TimeGenerated [UTC],DeviceVendor,DeviceAction,SourceUserName,DestinationHostName,SentBytes\n";

        public static IEnumerable<object[]> Modes() => new[] { new object[] { false }, new object[] { true } };

        [Theory]
        [MemberData(nameof(Modes))]
        public void EveryFilterCombination_LandsUnderTheSameDisposition_ForTheAccumulatorAndBothScanners(bool kql)
        {
            var options = new HuntOptions(End, 30, kqlCompatible: kql);
            var disagreements = new List<string>();
            var seen = new HashSet<ProxyDisposition>();
            foreach (var time in Times)
            foreach (var vendor in Vendors)
            foreach (var action in Actions)
            foreach (var user in Users)
            foreach (var host in Hosts)
            {
                string row = $"{time.Csv}|{vendor}|{action}|{user}|{host}";
                foreach (bool quoted in new[] { false, true })
                {
                    string csv = CsvHeader + string.Join(",", new[] { time.Csv, vendor, action, user, host, "100" }.Select(f => quoted || f.Contains(',') ? "\"" + f.Replace("\"", "\"\"") + "\"" : f)) + "\n";
                    Compare("the CSV scanner" + (quoted ? " (quoted fields)" : ""), row, options, Encoding.UTF8.GetBytes(csv), ReadCsvByScanner, ReadCsvByText, disagreements, seen);
                }
                string cef = $"CEF:0|{vendor}|NSSWeblog|5.7|Allowed|Allowed|3|act={action} suser={user} dhost={host} out=100 rt={time.Cef}\n";
                Compare("the CEF scanner", row, options, Encoding.UTF8.GetBytes(cef), ReadCefByScanner, ReadCefByText, disagreements, seen);
            }
            Assert.Empty(disagreements);
            // The grid reaches every disposition, so no filter goes unasked.
            Assert.Equal(Enum.GetValues(typeof(ProxyDisposition)).Cast<ProxyDisposition>().OrderBy(d => d), seen.OrderBy(d => d));
        }

        /// <summary>
        /// The events the general reader decodes from <paramref name="data"/>, judged by the accumulator from their
        /// strings, against the disposition the scanner reached reading the same bytes into an accumulator.
        /// </summary>
        private static void Compare(string scanner, string row, HuntOptions options, byte[] data,
            Action<byte[], EventAccumulator> readByScanner, Action<byte[], RecordingSink> readByText, List<string> disagreements, HashSet<ProxyDisposition> seen)
        {
            var decoded = new RecordingSink();
            readByText(data, decoded);
            if (decoded.Proxy.Count != 1 || decoded.Issues.Count != 0)
            {
                disagreements.Add($"{row}: the general reader read {decoded.Proxy.Count} event(s) and {decoded.Issues.Count} issue(s) from {scanner}'s input");
                return;
            }
            var e = decoded.Proxy[0];
            var expected = new ZiaAccumulator(options).Add(e.Time, e.Vendor, e.Action, e.User, e.Host, e.Sent);
            seen.Add(expected);

            var acc = new EventAccumulator(options);
            readByScanner(data, acc);
            var got = Enum.GetValues(typeof(ProxyDisposition)).Cast<ProxyDisposition>().Where(d => acc.Uploads.Count(d) > 0).ToList();
            if (got.Count != 1 || got[0] != expected || acc.Uploads.Count(expected) != 1)
                disagreements.Add($"{row}: the accumulator says {expected}, {scanner} says {string.Join("+", got)} ({acc.DescribeFilters()})");
            else if (expected == ProxyDisposition.Counted)
            {
                var profile = acc.Uploads.BuildProfiles().Single();
                var reference = new ZiaAccumulator(options);
                reference.Add(e.Time, e.Vendor, e.Action, e.User, e.Host, e.Sent);
                var want = reference.BuildProfiles().Single();
                if (profile.UserName != want.UserName || profile.TotalBytesSent != want.TotalBytesSent || profile.Destinations[0].DestinationHostName != want.Destinations[0].DestinationHostName)
                    disagreements.Add($"{row}: {scanner} counted {profile.UserName} → {profile.Destinations[0].DestinationHostName}, the accumulator {want.UserName} → {want.Destinations[0].DestinationHostName}");
            }
        }

        private static void ReadCsvByScanner(byte[] data, EventAccumulator acc)
        {
            var ctx = new ReadContext { OnIssue = i => throw new InvalidOperationException(i.ToString()), RethrowUnexpected = true };
            var stream = new PeekableStream(new MemoryStream(data, writable: false));
            Assert.True(ProxyCsvFastPath.TryReadProxyFast(stream, "agree.csv", plainFile: false, acc, ctx, new FileReadSummary()), "the CSV fast path took the file");
        }

        private static void ReadCsvByText(byte[] data, RecordingSink sink)
        {
            using (var text = new StreamReader(new MemoryStream(data, writable: false), new UTF8Encoding(false, false)))
                LogAnalyticsCsvReader.Read(text, "agree.csv", sink, sink.Context(), new FileReadSummary());
        }

        private static void ReadCefByScanner(byte[] data, EventAccumulator acc)
        {
            var ctx = new ReadContext { OnIssue = i => throw new InvalidOperationException(i.ToString()), RethrowUnexpected = true, UseFastPaths = true };
            NssCefScanner.Read(new MemoryStream(data, writable: false), "agree.cef", acc, ctx, new FileReadSummary());
        }

        private static void ReadCefByText(byte[] data, RecordingSink sink)
        {
            using (var text = new StreamReader(new MemoryStream(data, writable: false), new UTF8Encoding(false, false)))
                NssCefReader.Read(text, "agree.cef", sink, sink.Context(), new FileReadSummary());
        }
    }
}
