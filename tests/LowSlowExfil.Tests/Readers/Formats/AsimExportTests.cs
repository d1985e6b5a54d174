namespace LowSlowExfil.Tests
{
    /// <summary>
    /// Exports of Sentinel's normalised web sessions (ASIM: _Im_WebSession / ASimWebSessionLogs) read as the same events
    /// as the CommonSecurityLog export they were normalised from; they were refused ("neither CommonSecurityLog …").
    /// </summary>
    public class AsimExportTests
    {
        private static readonly SampleTenant Tenant = SampleTenant.Generate(new SampleTenantOptions { BackgroundUsers = 40 });

        private static string Cell(string v) => CsvText.Escape(v ?? "", alwaysQuote: true);

        private static string Read(string path, bool kql, bool fast, out List<ReadIssue> issues)
        {
            var acc = new EventAccumulator(new HuntOptions(Tenant.EndTime, 30, kqlCompatible: kql));
            var found = new List<ReadIssue>();
            LogFileReader.Read(path, acc, new ReadContext { OnIssue = found.Add, UseFastPaths = fast });
            issues = found;
            return FastPathTests.Describe(acc) + "\n" + acc.DescribeFilters();
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void AnAsimCsvExport_ReadsAsItsCommonSecurityLog(bool kql)
        {
            using var dir = TestPaths.NewTempFolder();
            var events = Tenant.ProxyEvents().ToList();
            string csl = dir.File("csl.csv");
            SampleExportWriter.WriteCommonSecurityLogCsv(events, csl);
            string asim = dir.File("asim.csv");
            var sb = new StringBuilder("TimeGenerated [UTC],EventVendor,EventProduct,DvcAction,DvcOriginalAction,SrcUsername,DstHostname,Url,SrcBytes,DstBytes,EventResult\n");
            foreach (var e in events)
                sb.Append(Cell(e.TimeGenerated.ToString("M/d/yyyy, h:mm:ss.fff tt", CultureInfo.InvariantCulture))).Append(',')
                  .Append(Cell(e.DeviceVendor)).Append(",\"ZIA Proxy\",").Append(Cell(e.DeviceAction == "Allowed" ? "Allow" : "Deny")).Append(',')
                  .Append(Cell(e.DeviceAction)).Append(',').Append(Cell(e.SourceUserName)).Append(',').Append(Cell(e.DestinationHostName)).Append(',')
                  .Append(Cell("https://" + e.DestinationHostName + "/x")).Append(',').Append(e.SentBytes.ToString(CultureInfo.InvariantCulture))
                  .Append(",17,Success\n");
            File.WriteAllText(asim, sb.ToString());
            foreach (bool fast in new[] { true, false })
            {
                string expected = Read(csl, kql, fast, out var e1), actual = Read(asim, kql, fast, out var e2);
                Assert.Empty(e1);
                Assert.Empty(e2);
                Assert.Equal(expected, actual);
            }
        }

        [Fact]
        public void AnAsimJsonExport_TakesTheHostFromUrl_WhenDstHostnameIsAbsent()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("asim.json");
            File.WriteAllText(path,
                "[{\"TimeGenerated\":\"2026-10-20T10:00:00Z\",\"EventVendor\":\"Zscaler\",\"DvcAction\":\"Allow\",\"SrcUsername\":\"A@x.com\",\"Url\":\"https://www.dropbox.com/upload\",\"SrcBytes\":700}," +
                " {\"TimeGenerated\":\"2026-10-21T10:00:00Z\",\"EventVendor\":\"Zscaler\",\"DvcAction\":\"Deny\",\"SrcUsername\":\"a@x.com\",\"DstHostname\":\"mega.nz\",\"SrcBytes\":900}]");
            var acc = new EventAccumulator(new HuntOptions(new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc), 30, kqlCompatible: false));
            var issues = new List<ReadIssue>();
            LogFileReader.Read(path, acc, new ReadContext { OnIssue = issues.Add });
            Assert.Empty(issues);
            var p = Assert.Single(acc.Uploads.BuildProfiles());
            Assert.Equal(700, p.TotalBytesSent); // the Deny is blocked traffic in the rule's intent
            Assert.Equal("www.dropbox.com", Assert.Single(p.Destinations).DestinationHostName);
        }
    }
}
