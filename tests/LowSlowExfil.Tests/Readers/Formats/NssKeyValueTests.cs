namespace LowSlowExfil.Tests
{
    /// <summary>
    /// Zscaler NSS web feeds as key=value pairs: the "QRadar LEEF" feed output type (written here from the field list
    /// of Zscaler's published LEEF format) and name-value pairs under NSS's own names. They were not recognised at all
    /// ("the header has neither CommonSecurityLog columns ..."). Each maps to the same event as the CEF feed; the one
    /// truth over a whole generated tenant is in OneTruthTests.
    /// </summary>
    public class NssKeyValueTests
    {
        private sealed class Sink : IEventSink
        {
            public readonly List<(DateTime Time, string Vendor, string Action, string User, string Host, long? Sent)> Proxy = new List<(DateTime, string, string, string, string, long?)>();
            public void AddProxy(DateTime t, string vendor, string action, string user, string host, long? sent) => Proxy.Add((t, vendor, action, user, host, sent));
            public void AddSharing(DateTime t, string user, string operation, string recordId = null) => throw new InvalidOperationException("no sharing here");
        }

        private static (Sink Sink, FileReadSummary Summary, List<ReadIssue> Issues) Read(string content, TimeZoneInfo zone = null)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("feed.log");
            File.WriteAllText(path, content);
            var sink = new Sink();
            var issues = new List<ReadIssue>();
            var ctx = new ReadContext { OnIssue = issues.Add };
            if (zone != null) ctx.FeedTimeZone = zone;
            var summary = LogFileReader.Read(path, sink, ctx);
            return (sink, summary, issues);
        }

        private static string Leef(string devTime, string user = "jane@contoso.com", string bytes = "3145728", string recordId = "7379073205867184130", string vendor = "Zscaler") =>
            $"Oct 02 16:21:40 zscaler-nss: LEEF:1.0|{vendor}|NSS|4.1|Allowed|cat=Allowed\tdevTime={devTime}\tdevTimeFormat=MMM dd yyyy HH:mm:ss z\t" +
            $"src=10.1.2.3\tdst=162.125.1.1\trealm=HQ\tusrName={user}\tsrcBytes={bytes}\tdstBytes=512\trole=Sales\tpolicy=Allowed\t" +
            $"url=www.dropbox.com/upload?x=1\trecordid={recordId}\tuseragent=Mozilla/5.0 (Windows NT 10.0; x=y)\treferer=None\thostname=www.dropbox.com\n";

        [Fact]
        public void QRadarLeef_ReadsAsTheSameEvent()
        {
            var (sink, summary, issues) = Read(Leef("Oct 02 2017 16:21:40 GMT"));
            Assert.Empty(issues);
            Assert.Equal(LogFormat.NssKeyValue, summary.Format);
            Assert.Equal(new[] { (new DateTime(2017, 10, 2, 16, 21, 40, DateTimeKind.Utc), "Zscaler", "Allowed", "jane@contoso.com", "www.dropbox.com", (long?)3145728) }, sink.Proxy);
        }

        [Fact]
        public void DevTime_InEitherLayout_GmtTakenAsUtc_WhateverTheFeedTimeZone()
        {
            var plus2 = TimeZoneInfo.CreateCustomTimeZone("plus2", TimeSpan.FromHours(2), "plus2", "plus2");
            var (sink, _, issues) = Read(Leef("Oct 02 2017 16:21:40 GMT") + Leef("Mon Oct 02 16:21:41 UTC 2017", recordId: "2"), plus2);
            Assert.Empty(issues);
            Assert.Equal(new[] { new DateTime(2017, 10, 2, 16, 21, 40), new DateTime(2017, 10, 2, 16, 21, 41) }, sink.Proxy.Select(p => p.Time));
        }

        [Fact]
        public void DevTime_InAnotherZone_IsReadInTheFeedsTimeZone()
        {
            var plus2 = TimeZoneInfo.CreateCustomTimeZone("plus2", TimeSpan.FromHours(2), "plus2", "plus2");
            var (sink, _, issues) = Read(Leef("Oct 02 2017 16:21:40 CEST"), plus2);
            Assert.Empty(issues);
            Assert.Equal(new DateTime(2017, 10, 2, 14, 21, 40, DateTimeKind.Utc), sink.Proxy.Single().Time);
        }

        [Fact]
        public void ARecordThatCannotBeRead_IsOneIssue_AndTheRestIsRead()
        {
            var (sink, summary, issues) = Read(
                Leef("Oct 02 2017 16:21:40 GMT", recordId: "1") +
                "Oct 02 16:21:40 fw: LEEF:1.0|OtherCo|Firewall|2.0|deny|src=1.2.3.4\tusrName=x\n" +
                Leef("yesterday", recordId: "2") +
                Leef("Oct 02 2017 16:21:42 GMT", bytes: "-5", recordId: "3") +
                Leef("Oct 02 2017 16:21:43 GMT", recordId: "1") +   // a replay of the first
                Leef("Oct 02 2017 16:21:44 GMT", recordId: "4"));
            Assert.Equal(2, sink.Proxy.Count);
            Assert.Equal(1, summary.Replays);
            Assert.Equal(new[]
            {
                "record 2 (line 2): a LEEF record of OtherCo Firewall, not of a Zscaler NSS web feed",
                "record 3 (line 3): devTime 'yesterday' is not a time (its devTimeFormat is MMM dd yyyy HH:mm:ss z)",
                "record 4 (line 4): reqsize -5 is negative; a byte count cannot be",
            }, issues.Select(i => $"record {i.Record} (line {i.Line}): {i.Reason}"));
        }

        [Fact]
        public void Leef2_WithItsOwnDelimiter()
        {
            string line = "LEEF:2.0|Zscaler|NSS|4.1|Allowed|^|cat=Allowed^devTime=Oct 02 2017 16:21:40 GMT^usrName=jane@contoso.com^srcBytes=10^hostname=box.com^recordid=9\n";
            var (sink, _, issues) = Read(line);
            Assert.Empty(issues);
            Assert.Equal(("jane@contoso.com", "box.com", (long?)10), (sink.Proxy.Single().User, sink.Proxy.Single().Host, sink.Proxy.Single().Sent));
        }

        [Fact]
        public void NameValuePairs_UnderNssNames_AfterASyslogHeader()
        {
            string line = "<134>Oct 02 16:21:40 zscaler-nss: datetime=2017-10-02 16:21:40\taction=Allowed\tlogin=jane@contoso.com\thostname=None\t" +
                "url=drive.google.com/upload\treqsize=2048\trecordid=5\tua=Mozilla/5.0 (x; a=b)\n";
            var (sink, summary, issues) = Read(line);
            Assert.Empty(issues);
            Assert.Equal(LogFormat.NssKeyValue, summary.Format);
            Assert.Equal(new[] { (new DateTime(2017, 10, 2, 16, 21, 40, DateTimeKind.Utc), "Zscaler", "Allowed", "jane@contoso.com", "drive.google.com", (long?)2048) }, sink.Proxy);
        }

        [Fact]
        public void TheLeefFeedFormatTemplate_IsSaidToBeATemplate()
        {
            var (sink, summary, issues) = Read("LEEF:1.0|Zscaler|NSS|4.1|%s{reason}|cat=%s{action}\tdevTime=%s{mon} %02d{dd} %d{yy} %02d{hh}:%02d{mm}:%02d{ss} %s{tz}\tusrName=%s{login}\tsrcBytes=%d{reqsize}\thostname=%s{ehost}\n");
            Assert.Empty(sink.Proxy);
            Assert.Equal(LogFormat.FeedTemplate, summary.Format);
            Assert.NotNull(summary.Notice);
        }
    }
}
