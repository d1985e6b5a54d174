namespace LowSlowExfil.Tests
{
    /// <summary>
    /// Reasons the analyst reads at the console (issue 16): JSON that System.Text.Json refuses is said in plain words
    /// with the line and byte where the file breaks, never as the library's advice to programmers ("Change the reader
    /// options", "LineNumber: 0 | BytePositionInLine: 17"); the same for a corrupt gzip and an unreadable state file.
    /// </summary>
    public class PlainMessageTests
    {
        private const string Good = "{\"TimeGenerated\":\"2024-06-20T12:00:00Z\",\"UserId\":\"ann@contoso.com\",\"Operation\":\"FileDownloaded\"}";

        // What only a programmer holding the reader can act on.
        private static readonly string[] LibraryWords = { "reader options", "LineNumber", "BytePositionInLine", "isFinalBlock", "in this mode", "archive entry" };

        private static RecordingSink ReadText(TempFolder dir, string name, string content, bool bom = false)
        {
            string path = dir.File(name);
            File.WriteAllText(path, content, new UTF8Encoding(bom));
            var sink = new RecordingSink();
            sink.Read(path);
            return sink;
        }

        private static void AssertPlain(string reason)
        {
            foreach (string w in LibraryWords) Assert.DoesNotContain(w, reason, StringComparison.OrdinalIgnoreCase);
        }

        // A record with a missing comma is the bad record of these tests: a trailing comma, which they used before,
        // is read now (every peer reads it; see TrailingCommas_AreReadAndCounted).
        private const string MissingComma = "'\"' after a value, where a comma or a closing bracket should be (a missing comma?)";

        [Fact]
        public void MissingComma_InAnObjectOverSeveralLines_IsSaidWithTheFilesLineAndByte()
        {
            using var dir = TestPaths.NewTempFolder();
            var sink = ReadText(dir, "audit.json",
                "[\n  {\n    \"TimeGenerated\": \"2024-06-20T12:00:00Z\",\n    \"UserId\": \"ann@contoso.com\"\n    \"Operation\": \"FileDownloaded\"\n  },\n  " + Good + "\n]\n");
            var issue = Assert.Single(sink.Issues);
            Assert.Equal(2, issue.Line); // where the record starts
            Assert.Equal("not valid JSON at line 5, byte 5: " + MissingComma, issue.Reason);
            Assert.Single(sink.Sharing); // the run goes on
        }

        [Fact]
        public void MissingComma_InAnArrayOfARecordMidLine_CountsBytesFromTheStartOfTheLine()
        {
            using var dir = TestPaths.NewTempFolder();
            string bad = "{\"TimeGenerated\":\"2024-06-20T12:00:00Z\",\"UserId\":\"bob@contoso.com\",\"Operation\":\"FileDownloaded\",\"Tags\":[\"a\" \"b\"]}";
            string line = "[" + Good + "," + bad + "]";
            var sink = ReadText(dir, "audit.json", "\n\n" + line + "\n", bom: true);
            var issue = Assert.Single(sink.Issues);
            int column = line.IndexOf("\"a\" \"b\"", StringComparison.Ordinal) + 5; // the '"' of "b", counted from 1
            Assert.Equal($"not valid JSON at line 3, byte {column}: " + MissingComma, issue.Reason);
        }

        [Fact]
        public void BytePosition_IsRightPastTheReadersBuffer()
        {
            // One line of 200 KB, the bad record at its end: the splitter's 64 KB buffer was refilled and compacted
            // on the way, and the byte counted must still be the file's.
            using var dir = TestPaths.NewTempFolder();
            var sb = new StringBuilder("[");
            while (sb.Length < 200_000) sb.Append(Good).Append(',');
            sb.Append("{\"UserId\":\"x\",\"Operation\":\"FileDownloaded\",\"Tags\":[\"a\" \"b\"]}]");
            string line = sb.ToString();
            var sink = ReadText(dir, "big.json", line + "\n");
            var issue = Assert.Single(sink.Issues);
            int column = line.IndexOf("\"a\" \"b\"", StringComparison.Ordinal) + 5;
            Assert.Equal($"not valid JSON at line 1, byte {column}: " + MissingComma, issue.Reason);
        }

        [Fact]
        public void TrailingCommas_AreReadAndCounted()
        {
            // As in the Sentinel repository's sample data: a comma after a record's last property, one after the last
            // element of a list in a record, and one after the array's last record. Each record is read; the commas counted.
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("audit.json");
            File.WriteAllText(path, "[\n" +
                "{\"TimeGenerated\":\"2024-06-20T12:00:00Z\",\"UserId\":\"ann@contoso.com\",\"Operation\":\"FileDownloaded\",},\n" +
                "{\"TimeGenerated\":\"2024-06-20T13:00:00Z\",\"UserId\":\"bob@contoso.com\",\"Operation\":\"FileDownloaded\",\"Tags\":[1,2,]},\n" +
                Good + ",\n]\n");
            var acc = new Aggregation.EventAccumulator(new Rule.HuntOptions(new DateTime(2024, 6, 30, 0, 0, 0, DateTimeKind.Utc), 30, kqlCompatible: false));
            var issues = new System.Collections.Generic.List<ReadIssue>();
            var summary = LogFileReader.Read(path, acc, new ReadContext { OnIssue = issues.Add });
            Assert.Empty(issues);
            Assert.Equal(3, summary.SharingEvents);
            Assert.Equal(0, summary.Skipped);
            Assert.Equal(3, summary.TrailingCommas);
            Assert.Contains(", 3 trailing comma(s) before a closing bracket (read as if absent)", summary.ToString());
            Assert.Equal(new[] { "ann@contoso.com", "bob@contoso.com" }, acc.Sharing.BuildProfiles().Select(p => p.UserName).OrderBy(u => u));
        }

        [Theory]
        [InlineData("{\"a\":1 \"b\":2}", "'\"' after a value, where a comma or a closing bracket should be (a missing comma?)")]
        [InlineData("{\"a\" 1}", "'1' after a property name, where ':' and a value should be")]
        [InlineData("{'a':1}", "''' where a property name in double quotes should be (JSON puts text in double quotes)")]
        [InlineData("{\"a\":1, /* note */ \"b\":2}", "'/' where a property name in double quotes should be (JSON has no comments)")]
        [InlineData("{\"a\":NaN}", "'N' cannot start a value (NaN and Infinity are not JSON numbers; text needs double quotes)")]
        [InlineData("{\"a\":yes}", "'y' cannot start a value (text needs double quotes)")]
        [InlineData("{\"a\":nul}", "'nul}' is not a JSON value (null was expected)")]
        [InlineData("{\"a\":\"x\u0001y\"}", "a control character (0x01) inside a string, where JSON needs it escaped")]
        [InlineData("{\"a\":\"C:\\data\"}", "'\\d' inside a string is not a JSON escape (a backslash is written '\\\\')")]
        [InlineData("{\"a\":\"\\u12G4\"}", "'G' after '\\u' inside a string, where four hex digits should be")]
        [InlineData("{\"a\":012}", "a number with a leading zero (0 before '1')")]
        [InlineData("{\"a\":1.}", "a number broken by '}'")]
        public void EachKindOfBrokenJson_IsSaidInPlainWords(string record, string reason)
        {
            using var dir = TestPaths.NewTempFolder();
            var sink = ReadText(dir, "lines.jsonl", Good + "\n" + record + "\n" + Good + "\n");
            var issue = Assert.Single(sink.Issues);
            Assert.Equal(2, issue.Line);
            Assert.Matches(@"^not valid JSON at line 2, byte \d+: ", issue.Reason);
            Assert.EndsWith(": " + reason, issue.Reason);
            AssertPlain(issue.Reason);
            Assert.Equal(2, sink.Sharing.Count);
        }

        [Fact]
        public void PurviewAuditData_WithATrailingComma_IsSaidInPlainWords()
        {
            using var dir = TestPaths.NewTempFolder();
            string auditData = "{\"\"CreationTime\"\":\"\"2024-06-20T12:00:00\"\",\"\"UserId\"\":\"\"ann@contoso.com\"\",\"\"Operation\"\":\"\"AnonymousLinkCreated\"\",}";
            var sink = ReadText(dir, "purview.csv",
                "CreationDate,UserIds,Operations,AuditData\n" +
                "2024-06-20T12:00:00.0000000Z,ann@contoso.com,AnonymousLinkCreated,\"" + auditData + "\"\n");
            var issue = Assert.Single(sink.Issues);
            Assert.Matches(@"^AuditData is not valid JSON \(byte \d+\): a trailing comma before '}'$", issue.Reason);
        }

        [Fact]
        public void EventOriginal_WithATrailingComma_IsSaidInPlainWords()
        {
            using var dir = TestPaths.NewTempFolder();
            var sink = ReadText(dir, "shipper.json", "{\"events\":[{\"event\":{\"original\":\"{\\\"a\\\":1,}\"}}]}\n");
            var issue = Assert.Single(sink.Issues);
            Assert.Equal("event.original is not valid JSON (byte 8): a trailing comma before '}'", issue.Reason);
        }

        [Fact]
        public void CorruptGzip_IsSaidAsCorruptGzip_NotAsAZipArchive()
        {
            using var dir = TestPaths.NewTempFolder();
            var text = new StringBuilder("TimeGenerated [UTC],UserId,Operation\n");
            var random = new Random(7);
            for (int i = 0; i < 20000; i++) text.Append("\"6/20/2024, 12:00:00.000 PM\",user").Append(random.Next()).Append("@contoso.com,FileDownloaded\n");
            byte[] gz = TestPaths.Gzip(Encoding.UTF8.GetBytes(text.ToString()));
            for (int i = 200; i < 260; i++) gz[i] ^= 0x5A; // corrupt the deflate data early on
            string path = dir.File("audit.csv.gz");
            File.WriteAllBytes(path, gz);
            var sink = new RecordingSink();
            sink.Read(path);
            var issue = sink.Issues.Single(i => i.Line == 0);
            Assert.Contains("the gzip data is corrupt: member 1 cannot be decompressed", issue.Reason);
            AssertPlain(issue.Reason);
        }

        [Theory]
        [InlineData("{\"version\":1,\"users\":{\"a\":[\"2024-06-01\",]}}", "not valid JSON at line 1, byte 41: a trailing comma before ']'")]
        [InlineData("[]", "it is JSON but not laid out as a state file")]
        [InlineData("{\"version\":1,\"users\":{\"a\":[\"June 1\"]}}", "a day in it is not a yyyy-MM-dd date")]
        public void AnUnreadableStateFile_IsSaidInPlainWords(string content, string reason)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("state.json");
            File.WriteAllText(path, content);
            var s = AlertState.Load(path);
            Assert.StartsWith(reason, s.LoadError);
            AssertPlain(s.LoadError);
        }

        [Theory]
        [InlineData("{\"a\":1]}", "']' closes a bracket that was never opened")] // the record splitter ends a record there; JSON in a cell can hold it
        [InlineData("{\"a\":\"x", "a string is not closed (a '\"' is missing)")]
        [InlineData("{\"a\":[1,2", "the text ends before its objects and arrays are closed")]
        [InlineData("{} {}", "'{' after the end of the JSON value (two values run together?)")]
        [InlineData("", "no JSON in it")]
        public void JsonInACell_IsSaidInPlainWords(string json, string reason)
        {
            var e = Assert.ThrowsAny<System.Text.Json.JsonException>(() => System.Text.Json.JsonDocument.Parse(json));
            string said = JsonErrorText.NotValidIn("AuditData", e);
            Assert.Matches(@"^AuditData is not valid JSON \(byte \d+\): ", said);
            Assert.EndsWith("): " + reason, said);
            AssertPlain(said);
        }

        [Fact]
        public void TerminalEscapesInABrokenValue_AreShownAsCodes_NotSentToTheConsole()
        {
            // The library quotes a broken literal raw ("'tr\u001bc}' is an invalid JSON literal"): an analyst's console
            // would run the escape sequence.
            using var dir = TestPaths.NewTempFolder();
            var sink = ReadText(dir, "lines.jsonl", "{\"a\":tr\u001bcBAD\u0007}\n"); // ESC c resets a terminal; BEL rings
            var issue = Assert.Single(sink.Issues);
            Assert.DoesNotContain('\u001b', issue.Reason);
            Assert.Contains("'tr0x1BcBAD0x07}' is not a JSON value (true was expected)", issue.Reason);
        }

        [Fact]
        public void ATextTheCatalogueDoesNotKnow_KeepsOnlyItsFirstSentence()
        {
            var e = new System.Text.Json.JsonException("Something new went wrong. Change the reader options. LineNumber: 2 | BytePositionInLine: 4.", null, 2, 4);
            Assert.Equal("not valid JSON at line 13, byte 5: Something new went wrong", JsonErrorText.NotValid(e, 11, 30));
        }
    }
}
