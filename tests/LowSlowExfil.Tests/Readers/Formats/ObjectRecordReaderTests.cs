namespace LowSlowExfil.Tests
{
    /// <summary>
    /// Objects handed over one by one (what the cmdlets' -InputObject passes on): events reach the sink as each object
    /// arrives and nothing is kept, so memory does not grow with their number; an object that cannot be read is one
    /// issue naming its position; and an audit record wrapped as Search-UnifiedAuditLog or Microsoft Graph wrap it
    /// (AuditData as text or as an object) reads as the record itself, in a JSON file too.
    /// </summary>
    public class ObjectRecordReaderTests
    {
        private static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

        private static KeyValuePair<string, object> P(string name, object value) => new KeyValuePair<string, object>(name, value);

        private static IEnumerable<KeyValuePair<string, object>> Upload(int i) => new[]
        {
            P("TimeGenerated", End.AddHours(-1 - i % 500)),
            P("DeviceVendor", "Zscaler"),
            P("DeviceAction", "Allowed"),
            P("SourceUserName", "user" + (i % 10) + "@contoso.com"),
            P("DestinationHostName", "www.dropbox.com"),
            P("SentBytes", 1000L + i),
        };

        private sealed class CountingSink : IEventSink
        {
            public long Proxy, Sharing;
            public readonly List<(DateTime Time, string User, string Operation, string Id)> SharingEvents = new List<(DateTime, string, string, string)>();
            public void AddProxy(DateTime t, string vendor, string action, string user, string host, long? sent) => Proxy++;
            public void AddSharing(DateTime t, string user, string operation, string recordId = null)
            {
                Sharing++;
                SharingEvents.Add((t, user, operation, recordId));
            }
        }

        [Fact]
        public void EachObject_ReachesTheSinkAsItArrives()
        {
            var sink = new CountingSink();
            var reader = new ObjectRecordReader(sink, new ReadContext());
            for (int i = 1; i <= 5; i++)
            {
                reader.Read(i, Upload(i));
                Assert.Equal(i, sink.Proxy);
            }
            Assert.Equal(5, reader.Summary.Records);
            Assert.Equal(5, reader.Summary.ProxyEvents);
            Assert.Equal(LogFormat.PipelineObjects, reader.Summary.Format);
        }

        [Fact]
        public void AMillionObjects_DoNotAccumulate()
        {
            var acc = new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: false));
            var reader = new ObjectRecordReader(acc, new ReadContext());
            const int warmUp = 20_000, total = 1_000_000;
            for (int i = 0; i < warmUp; i++) reader.Read(i + 1, Upload(i));
            long before = GC.GetTotalMemory(forceFullCollection: true);
            for (int i = warmUp; i < total; i++) reader.Read(i + 1, Upload(i));
            long after = GC.GetTotalMemory(forceFullCollection: true);
            Assert.Equal(total, reader.Summary.ProxyEvents);
            // 980,000 more objects, each about 300 bytes as JSON (some 290 MB were they kept), in less than 32 MB more (under
            // 35 bytes an object, counting what tests running beside this one allocate in the same heap): none is kept.
            Assert.True(after - before < 32L << 20, $"the heap grew by {after - before:N0} bytes over {total - warmUp:N0} objects");
            var profiles = acc.Uploads.BuildProfiles();
            Assert.Equal(10, profiles.Count);
        }

        [Fact]
        public void AnObjectThatCannotBeRead_IsOneIssueNamingItsPosition_AndTheRestAreCounted()
        {
            var issues = new List<ReadIssue>();
            var sink = new CountingSink();
            var reader = new ObjectRecordReader(sink, new ReadContext { OnIssue = issues.Add });
            reader.Read(1, Upload(1));
            reader.Read(2, new[] { P("TimeGenerated", "soon"), P("SourceUserName", "a"), P("DestinationHostName", "dropbox.com"), P("SentBytes", 1) });
            reader.Read(3, new KeyValuePair<string, object>[0]);
            reader.Read(4, null);
            // Half a surrogate pair reads as U+FFFD, as an invalid byte in a file does: the record is not lost for it.
            reader.Read(5, new[] { P("TimeGenerated", End), P("SourceUserName", "a\ud800"), P("DestinationHostName", "dropbox.com"), P("SentBytes", 1) });
            reader.Read(6, Upload(6));
            reader.Finish();
            Assert.Equal(3, sink.Proxy);
            Assert.Equal(new[]
            {
                "pipeline input: object 2: TimeGenerated 'soon' is not a timestamp",
                "pipeline input: object 3: the object has no properties; expected a log record (e.g. an Import-Csv row of an export, or a Search-UnifiedAuditLog result)",
                "pipeline input: object 4: the object is empty (null)",
            }, issues.Select(i => i.ToString()));
            Assert.All(issues, i => Assert.True(i.FromPipeline));
            Assert.Equal("pipeline input: PipelineObjects, 6 records read (3 proxy, 0 sharing), 3 skipped", reader.Summary.ToString());
        }

        /// <summary>An object that holds itself: its properties, lazily, for ever.</summary>
        private static IEnumerable<KeyValuePair<string, object>> Endless()
        {
            yield return P("Name", "loop");
            yield return P("Self", Endless());
        }

        [Fact]
        public void HostileObjects_EndlessNesting_AndAHugeValue_CostOnlyThemselves()
        {
            var issues = new List<ReadIssue>();
            var sink = new CountingSink();
            var reader = new ObjectRecordReader(sink, new ReadContext { OnIssue = issues.Add, MaxRecordChars = 1 << 20 });
            // Nesting is followed 16 levels deep, no further: a self-referencing object neither hangs nor overflows the stack.
            reader.Read(1, Upload(1).Concat(new[] { P("Extra", Endless()) }));
            reader.Read(2, new[] { P("TimeGenerated", End), P("SourceUserName", "a"), P("DestinationHostName", "dropbox.com"), P("SentBytes", 1), P("Blob", new string('x', 2 << 20)) });
            reader.Read(3, Upload(3));
            Assert.Equal(2, sink.Proxy);
            var issue = Assert.Single(issues);
            Assert.Matches(@"^pipeline input: object 2: the object is [\d,]+ bytes as JSON, more than the 1,048,576 a record may be$", issue.ToString());
        }

        [Fact]
        public void SearchUnifiedAuditLogAndGraphRecords_ReadAsTheAuditRecordInside()
        {
            var created = new DateTime(2026, 10, 20, 8, 30, 0, DateTimeKind.Utc);
            string audit = "{\"CreationTime\":\"2026-10-20T08:30:00\",\"Id\":\"7c1e\",\"Operation\":\"AnonymousLinkCreated\",\"UserId\":\"Jane@Contoso.com\",\"RecordType\":14}";
            var sink = new CountingSink();
            var issues = new List<ReadIssue>();
            var reader = new ObjectRecordReader(sink, new ReadContext { OnIssue = issues.Add });
            // Search-UnifiedAuditLog: the row's own columns are summaries; AuditData is authoritative.
            reader.Read(1, new[]
            {
                P("RecordType", "SharePointSharingOperation"), P("CreationDate", created.ToLocalTime()), P("UserIds", "someone.else@contoso.com"),
                P("Operations", "AnonymousLinkCreated"), P("AuditData", audit), P("ResultIndex", 1), P("ResultCount", 1),
            });
            // Microsoft Graph: auditData is the record as an object.
            reader.Read(2, new[]
            {
                P("id", "7c1f"), P("createdDateTime", new DateTimeOffset(created)), P("auditLogRecordType", "sharePointSharingOperation"),
                P("operation", "AnonymousLinkCreated"), P("userPrincipalName", "jane@contoso.com"),
                P("auditData", new[] { P("CreationTime", created), P("Id", "7c1f"), P("Operation", "AnonymousLinkCreated"), P("UserId", "jane@contoso.com") }),
            });
            Assert.Empty(issues);
            Assert.Equal(new[]
            {
                (created, "Jane@Contoso.com", "AnonymousLinkCreated", "7c1e"),
                (created, "jane@contoso.com", "AnonymousLinkCreated", "7c1f"),
            }, sink.SharingEvents);
        }

        [Fact]
        public void AJsonFileOfGraphRecords_ReadsTheirAuditData()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("graph-records.json");
            File.WriteAllText(path, "[{\"id\":\"a1\",\"createdDateTime\":\"2026-10-20T08:30:00Z\",\"operation\":\"FileDownloaded\",\"userPrincipalName\":\"jane@contoso.com\","
                + "\"auditData\":{\"@odata.type\":\"#microsoft.graph.security.defaultAuditData\",\"CreationTime\":\"2026-10-20T08:30:00\",\"Id\":\"a1\",\"Operation\":\"FileDownloaded\",\"UserId\":\"jane@contoso.com\"}},"
                + "{\"CreationDate\":\"10/20/2026 8:31:00 AM\",\"UserIds\":\"jane@contoso.com\",\"Operations\":\"FileDownloaded\","
                + "\"AuditData\":\"{\\\"CreationTime\\\":\\\"2026-10-20T08:31:00\\\",\\\"Id\\\":\\\"a2\\\",\\\"Operation\\\":\\\"FileDownloaded\\\",\\\"UserId\\\":\\\"jane@contoso.com\\\"}\"}]");
            var sink = new CountingSink();
            var issues = new List<ReadIssue>();
            var summary = LogFileReader.Read(path, sink, new ReadContext { OnIssue = issues.Add });
            Assert.Empty(issues);
            Assert.Equal(2, summary.SharingEvents);
            Assert.Equal(new[] { "a1", "a2" }, sink.SharingEvents.Select(e => e.Id));
        }
    }
}
