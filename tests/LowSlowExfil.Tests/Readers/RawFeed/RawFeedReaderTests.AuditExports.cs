using System.IO.Compression;
using System.Text.Json.Nodes;

namespace LowSlowExfil.Tests
{
    /// <summary>Part of <see cref="RawFeedReaderTests"/> (its helpers and every-fixture theory are in RawFeedReaderTests.cs).</summary>
    public partial class RawFeedReaderTests
    {
        // ───────────────────────────── Purview CSV ─────────────────────────────

        private static string Csv(string s) => "\"" + s.Replace("\"", "\"\"") + "\"";

        private static string AuditRecord(string creationTime, string userId, string operation, object recordType = null) =>
            "{\"CreationTime\":\"" + creationTime + "\",\"Id\":\"" + Guid.NewGuid() + "\",\"Operation\":\"" + operation +
            "\",\"OrganizationId\":\"b86ab9d4-fcf1-4b11-8a06-7a8f91b47fbd\",\"RecordType\":" +
            (recordType is string s ? "\"" + s + "\"" : (recordType ?? 14).ToString()) +
            ",\"UserKey\":\"i:0h.f|membership|10032000abcdef@live.com\",\"UserType\":0,\"Version\":1,\"Workload\":\"SharePoint\"," +
            "\"ClientIP\":\"203.0.113.9\",\"ObjectId\":\"https://contoso.sharepoint.com/sites/rnd/Shared Documents/plan, v2.docx\"," +
            "\"UserId\":\"" + userId + "\",\"EventSource\":\"SharePoint\",\"ItemType\":\"File\"}";

        private static string PurviewOld() =>
            "CreationDate,UserIds,Operations,AuditData\n" +
            // The row's UserIds / Operations / CreationDate disagree with AuditData; AuditData wins.
            "9/21/2023 11:00:00 PM,mallory@contoso.com,FileAccessed," + Csv(AuditRecord("2023-09-20T04:05:03", "alice@contoso.com", "AnonymousLinkCreated")) + "\n" +
            "9/20/2023 4:06:00 AM,bob@contoso.com,SharingSet,{not json\n" +
            "9/20/2023 4:07:00 AM,carol@contoso.com,SharingSet," + Csv(AuditRecord("2023-09-20T04:07:00", "carol@contoso.com", "SharingSet", "SharePointSharingOperation")) + "\n";

        private static string PurviewNew() =>
            "RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,AssociatedAdminUnitsNames\r\n" +
            "6c2f1a8e-0000-4000-8000-000000000001,2023-09-21T23:00:00.0000000Z,SharePointSharingOperation,FileAccessed,mallory@contoso.com," +
                Csv(AuditRecord("2023-09-20T04:05:03", "alice@contoso.com", "SharingInvitationCreated")) + ",,\r\n" +
            "6c2f1a8e-0000-4000-8000-000000000002,2023-09-20T04:06:00.0000000Z,SharePointSharingOperation,SharingSet,bob@contoso.com,\"{\"\"CreationTime\"\":\"\"2023-09-20T04:06:00\"\",\"\"UserId\"\":\"\"bob@contoso.com\"\"}\",,\r\n" +
            "6c2f1a8e-0000-4000-8000-000000000003,2023-09-20T04:07:00.0000000Z,SharePointSharingOperation,SharingSet,carol@contoso.com,AuditData unavailable,,\r\n" +
            // AuditData pretty-printed over several lines inside its quoted cell.
            "6c2f1a8e-0000-4000-8000-000000000004,2023-09-20T04:08:00.0000000Z,SharePointSharingOperation,SharingSet,dave@contoso.com," +
                Csv("{\r\n  \"CreationTime\": \"2023-09-20T04:08:09\",\r\n  \"Operation\": \"AnonymousLinkUsed\",\r\n  \"RecordType\": 14,\r\n  \"UserId\": \"erin@contoso.com\"\r\n}") + ",,\r\n";

        [Fact]
        public void PurviewCsv_OlderLayout_AuditDataIsAuthoritative()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = Write(dir, "AuditLog_2023-09-20.csv", PurviewOld(), bom: true);
            var sink = new RecordingSink();
            var summary = sink.Read(path);

            Assert.Equal(LogFormat.PurviewAuditCsv, summary.Format);
            Assert.Equal((3L, 2L, 1L), (summary.Records, summary.SharingEvents, summary.Skipped));
            Assert.Equal(new[]
            {
                (new DateTime(2023, 9, 20, 4, 5, 3, DateTimeKind.Utc), "alice@contoso.com", "AnonymousLinkCreated"),
                (new DateTime(2023, 9, 20, 4, 7, 0, DateTimeKind.Utc), "carol@contoso.com", "SharingSet"),
            }, sink.Sharing);
            Assert.All(sink.Sharing, s => Assert.Equal(DateTimeKind.Utc, s.Time.Kind));
            var issue = Assert.Single(sink.Issues);
            Assert.Equal((3L, 2L), (issue.Line, issue.Record));
            Assert.Contains("AuditData is not valid JSON", issue.Reason);
            Assert.Equal(path, issue.File);
        }

        [Fact]
        public void PurviewCsv_NewerLayout_AuditDataIsAuthoritative()
        {
            using var dir = TestPaths.NewTempFolder();
            var sink = new RecordingSink();
            var summary = sink.Read(Write(dir, "audit.csv", PurviewNew(), bom: true));

            Assert.Equal(LogFormat.PurviewAuditCsv, summary.Format);
            Assert.Equal((4L, 2L, 2L), (summary.Records, summary.SharingEvents, summary.Skipped));
            Assert.Equal(new[]
            {
                (new DateTime(2023, 9, 20, 4, 5, 3, DateTimeKind.Utc), "alice@contoso.com", "SharingInvitationCreated"),
                (new DateTime(2023, 9, 20, 4, 8, 9, DateTimeKind.Utc), "erin@contoso.com", "AnonymousLinkUsed"),
            }, sink.Sharing);
            Assert.Equal(new long[] { 3, 4 }, sink.Issues.Select(i => i.Line));
            Assert.Equal(new long[] { 2, 3 }, sink.Issues.Select(i => i.Record));
            Assert.Contains("AuditData lacks CreationTime or Operation", sink.Issues[0].Reason);
            Assert.Contains("AuditData is not valid JSON", sink.Issues[1].Reason);
        }

        // ───────────────────────────── Management Activity API JSON ─────────────────────────────

        private static string MgmtApiArray() =>
            "[\n  " + AuditRecord("2015-06-29T20:03:19", "alice@contoso.com", "SharingSet", 14) + ",\n  " +
            AuditRecord("2015-06-29T20:03:20", "bob@contoso.com", "AnonymousLinkCreated", "SharePointSharingOperation") + ",\n  " +
            AuditRecord("2015-06-30T00:00:00", "carol@contoso.com", "FileUploaded", 6) + "\n]";

        private static string MgmtApiLines() =>
            AuditRecord("2015-06-29T20:03:19", "alice@contoso.com", "SharingSet", 14) + "\n" +
            AuditRecord("2015-06-29T20:03:20", "bob@contoso.com", "AnonymousLinkCreated", "SharePointSharingOperation") + "\n" +
            AuditRecord("2015-06-30T00:00:00", "carol@contoso.com", "FileUploaded", 6) + "\n";

        private static readonly (DateTime, string, string)[] MgmtApiExpected =
        {
            (new DateTime(2015, 6, 29, 20, 3, 19, DateTimeKind.Utc), "alice@contoso.com", "SharingSet"),
            (new DateTime(2015, 6, 29, 20, 3, 20, DateTimeKind.Utc), "bob@contoso.com", "AnonymousLinkCreated"),
            (new DateTime(2015, 6, 30, 0, 0, 0, DateTimeKind.Utc), "carol@contoso.com", "FileUploaded"),
        };

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void MgmtApi_ArrayAndJsonLines_RecordTypeIntOrString(bool array)
        {
            using var dir = TestPaths.NewTempFolder();
            var sink = new RecordingSink();
            var summary = sink.Read(Write(dir, "audit.json", array ? MgmtApiArray() : MgmtApiLines()));
            Assert.Empty(sink.Issues);
            Assert.Equal(LogFormat.Json, summary.Format);
            Assert.Equal((3L, 3L, 0L), (summary.Records, summary.SharingEvents, summary.ProxyEvents));
            Assert.Equal(MgmtApiExpected, sink.Sharing);
            Assert.All(sink.Sharing, s => Assert.Equal(DateTimeKind.Utc, s.Time.Kind));
        }

        [Fact]
        public void O365Fixture_SharingOperations_TenEvents()
        {
            var sink = new RecordingSink();
            var summary = sink.Read(TestPaths.Fixture("o365", "elastic-sp-sharing-op-events.json"));
            Assert.Empty(sink.Issues);
            Assert.Equal(LogFormat.Json, summary.Format);
            // Ten envelope items; the parsed o365audit copy beside event.original is not counted again.
            Assert.Equal((10L, 10L, 0L, 0L), (summary.Records, summary.SharingEvents, summary.ProxyEvents, summary.Skipped));
            Assert.Equal(new[]
            {
                "AddedToGroup", "AddedToGroup", "AddedToGroup", "AddedToGroup", "AddedToGroup",
                "SharingInheritanceBroken", "AnonymousLinkCreated", "SharingSet", "SharingSet", "SharingSet",
            }, sink.Sharing.Select(s => s.Operation));
            Assert.Equal(Enumerable.Repeat("app@sharepoint", 5).Concat(Enumerable.Repeat("asr@testsiem.onmicrosoft.com", 5)),
                         sink.Sharing.Select(s => s.User));
            Assert.Equal(new DateTime(2020, 2, 17, 16, 59, 50, DateTimeKind.Utc), sink.Sharing[0].Time);
            Assert.Equal(new DateTime(2020, 2, 17, 16, 59, 49, DateTimeKind.Utc), sink.Sharing[4].Time);
            Assert.Equal(new DateTime(2020, 2, 14, 18, 25, 45, DateTimeKind.Utc), sink.Sharing[6].Time);
            Assert.Equal(new DateTime(2020, 2, 14, 18, 25, 44, DateTimeKind.Utc), sink.Sharing[9].Time);
        }

        [Fact]
        public void O365Fixture_FileOperations_TwelveEvents()
        {
            var sink = new RecordingSink();
            var summary = sink.Read(TestPaths.Fixture("o365", "elastic-sharepointfileop-events.json"));
            Assert.Empty(sink.Issues);
            Assert.Equal((12L, 12L, 0L), (summary.Records, summary.SharingEvents, summary.Skipped));
            Assert.Equal(new[]
            {
                "FileDeleted", "FileDeleted", "FileAccessed", "FileAccessed", "FileUploaded", "FileModified",
                "FileDeleted", "FileUploaded", "FileModified", "FileModified", "FileModified", "SecureLinkUsed",
            }, sink.Sharing.Select(s => s.Operation));
            var counts = sink.Sharing.GroupBy(s => s.Operation).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(new Dictionary<string, int>
            {
                ["FileDeleted"] = 3, ["FileAccessed"] = 2, ["FileUploaded"] = 2, ["FileModified"] = 4, ["SecureLinkUsed"] = 1,
            }, counts);
            Assert.Equal(11, sink.Sharing.Count(s => s.User == "asr@testsiem.onmicrosoft.com"));
            var last = sink.Sharing[11];
            Assert.Equal((new DateTime(2023, 1, 30, 7, 39, 56, DateTimeKind.Utc), "user@dummydomain.com"), (last.Time, last.User));
            Assert.Equal(new DateTime(2020, 2, 7, 16, 44, 7, DateTimeKind.Utc), sink.Sharing[0].Time);
        }
    }
}
