using System.IO.Compression;
using System.Text.Json.Nodes;

namespace LowSlowExfil.Tests
{
    /// <summary>Part of <see cref="RawFeedReaderTests"/> (its helpers and every-fixture theory are in RawFeedReaderTests.cs).</summary>
    public partial class RawFeedReaderTests
    {
        // ───────────────────────────── NSS CEF ─────────────────────────────

        private static readonly Lazy<string> NssTemplate =
            new Lazy<string>(() => File.ReadAllText(TestPaths.Fixture("zscaler", "nss-web.cef")).TrimEnd('\r', '\n'));

        private static readonly Regex Placeholder = new Regex(@"%\d*(?<t>[sd])\{(?<f>[A-Za-z0-9_]+)\}", RegexOptions.CultureInvariant);

        /// <summary>Values for the template's placeholders; unlisted %s become "None", unlisted %d "0".</summary>
        private static readonly IReadOnlyDictionary<string, string> NssDefaults = new Dictionary<string, string>
        {
            ["mon"] = "Jun", ["dd"] = "11", ["yy"] = "2024", ["hh"] = "02", ["mm"] = "52", ["ss"] = "44",
            ["action"] = "Allowed",
            ["reason"] = "Allowed by policy x=y",
            ["proto"] = "HTTPS",
            ["urlcat"] = "Online and Other Storage",
            ["ehost"] = "www.dropbox.com",
            ["sip"] = "162.125.1.18",
            ["cip"] = "10.0.0.5",
            ["respsize"] = "796584",
            ["respcode"] = "200",
            ["reqsize"] = "446",
            ["eurl"] = "www.dropbox.com/upload?name=a b.docx",
            ["cintip"] = "203.0.113.7",
            ["ua"] = "Mozilla/5.0 (X11; Linux) a=b",
            ["reqmethod"] = "POST",
            ["login"] = "alice@contoso.com",
            ["location"] = "Road Warrior",
            ["recordid"] = "7379073205867184130",
            ["appname"] = "Dropbox",
            ["dept"] = "R&D Dept",
        };

        /// <summary>A record rendered from Zscaler's template: "Jun 11 02:52:44 zscaler-nss CEF:0|Zscaler|NSSWeblog|5.7|…".</summary>
        private static string NssLine(params (string Field, string Value)[] values)
        {
            var v = new Dictionary<string, string>(NssDefaults);
            foreach (var (field, value) in values) v[field] = value;
            return Placeholder.Replace(NssTemplate.Value,
                m => v.TryGetValue(m.Groups["f"].Value, out string s) ? s : m.Groups["t"].Value == "d" ? "0" : "None");
        }

        private static string Bare(string line) => line.Substring(line.IndexOf("CEF:", StringComparison.Ordinal));

        /// <summary>A short record (for the line-length and line-ending tests): PRI, syslog header, CEF header, extension.</summary>
        private static string ShortCef(string extension, string vendor = "Zscaler") =>
            $"<134>Jun 11 02:52:44 zscaler-nss CEF:0|{vendor}|NSSWeblog|5.7|Allowed|Allowed|3|{extension}";

        [Fact]
        public void NssTemplate_RendersToARealisticLine()
        {
            // Guards the helper: every placeholder is substituted and the shape is Zscaler's.
            string line = NssLine();
            Assert.DoesNotContain("%s{", line);
            Assert.DoesNotContain("%d{", line);
            Assert.DoesNotContain("%02d{", line);
            Assert.StartsWith("Jun 11 02:52:44 zscaler-nss CEF:0|Zscaler|NSSWeblog|5.7|Allowed|Allowed by policy x=y|3|act=Allowed Severity=3 ", line);
            Assert.Contains(" rt=Jun 11 2024 02:52:44 sourceTranslatedAddress=203.0.113.7 ", line);
        }

        [Theory]
        [InlineData("pri")]
        [InlineData("syslog")]
        [InlineData("bare")]
        [InlineData("rfc5424")]
        public void NssCef_EachFraming_MapsTheFields(string framing)
        {
            string rendered = NssLine();
            string line = framing switch
            {
                "pri" => "<134>" + rendered,
                "syslog" => rendered,
                "bare" => Bare(rendered),
                _ => "<134>1 2024-06-11T02:52:44Z nss01 zscaler-nss - - - " + Bare(rendered),
            };
            using var dir = TestPaths.NewTempFolder();
            var sink = new RecordingSink();
            var summary = sink.Read(Write(dir, "feed.log", line + "\n"));

            Assert.Empty(sink.Issues);
            Assert.Equal(LogFormat.NssCef, summary.Format);
            Assert.Null(summary.Notice);
            Assert.False(summary.Failed);
            Assert.Equal(1, summary.Records);
            Assert.Equal(1, summary.ProxyEvents);
            Assert.Equal(0, summary.Skipped);
            var e = Assert.Single(sink.Proxy);
            Assert.Equal((T0, "Zscaler", "Allowed", "alice@contoso.com", "www.dropbox.com", (long?)446), e);
            Assert.Equal(DateTimeKind.Utc, e.Time.Kind);
        }

        [Fact]
        public void NssCef_ThreeFramingsInOneFile_AllCount()
        {
            using var dir = TestPaths.NewTempFolder();
            string content =
                "<134>" + NssLine(("login", "a@contoso.com"), ("recordid", "1"), ("reqsize", "100")) + "\n" +
                NssLine(("login", "b@contoso.com"), ("recordid", "2"), ("reqsize", "200"), ("action", "Blocked"), ("ehost", "mega.nz")) + "\n" +
                Bare(NssLine(("login", "c@contoso.com"), ("recordid", "3"), ("reqsize", "0"), ("ss", "45"))) + "\n";
            var sink = new RecordingSink();
            var summary = sink.Read(Write(dir, "feed.log", content));

            Assert.Empty(sink.Issues);
            Assert.Equal(3, summary.ProxyEvents);
            Assert.Equal(new[]
            {
                (T0, "Zscaler", "Allowed", "a@contoso.com", "www.dropbox.com", (long?)100),
                (T0, "Zscaler", "Blocked", "b@contoso.com", "mega.nz", (long?)200),
                (T0.AddSeconds(1), "Zscaler", "Allowed", "c@contoso.com", "www.dropbox.com", (long?)0),
            }, sink.Proxy);
        }

        [Fact]
        public void NssCef_HeaderVendorIsTheDeviceVendor_Verbatim()
        {
            using var dir = TestPaths.NewTempFolder();
            string zs = NssLine(("recordid", "1"));
            string content = zs + "\n" +
                             zs.Replace("CEF:0|Zscaler|", "CEF:0|zscaler|").Replace("externalId=1 ", "externalId=2 ") + "\n" +
                             zs.Replace("CEF:0|Zscaler|", "CEF:0|Contoso Proxy|").Replace("externalId=1 ", "externalId=3 ") + "\n";
            var sink = new RecordingSink();
            sink.Read(Write(dir, "feed.log", content));
            Assert.Empty(sink.Issues);
            Assert.Equal(new[] { "Zscaler", "zscaler", "Contoso Proxy" }, sink.Proxy.Select(p => p.Vendor));
        }

        [Fact]
        public void NssCef_ValuesWithSpacesAndEquals_StayWhole()
        {
            string line = NssLine();
            int ext = line.IndexOf("|3|act=", StringComparison.Ordinal) + 3;
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            NssCefReader.ParseExtension(line, ext, fields);

            Assert.Equal("Mozilla/5.0 (X11; Linux) a=b", fields["requestClientApplication"]);
            Assert.Equal("Allowed by policy x=y", fields["reason"]);
            Assert.Equal("Allowed by policy x=y", fields["name"]);
            Assert.Equal("Road Warrior", fields["spriv"]);
            Assert.Equal("R&D Dept", fields["cs1"]);
            Assert.Equal("dept", fields["cs1Label"]);
            Assert.Equal("www.dropbox.com/upload?name=a b.docx", fields["request"]);
            Assert.Equal("Jun 11 2024 02:52:44", fields["rt"]);
            Assert.Equal("Online and Other Storage", fields["cat"]);
            Assert.Equal("None", fields["bypassed_etime"]);
            Assert.Equal("None", fields["nsssvcip"]); // the last key runs to the end of the line
            Assert.False(fields.ContainsKey("a"));
            Assert.False(fields.ContainsKey("x"));
            Assert.False(fields.ContainsKey("name=a b.docx"));
            // Every key of the template came through, and nothing else.
            int templateKeys = Regex.Matches(NssTemplate.Value.Substring(NssTemplate.Value.IndexOf("|3|", StringComparison.Ordinal) + 3), @"(?:^| )([A-Za-z0-9_]+)=").Count;
            Assert.Equal(templateKeys, fields.Count);
        }

        [Fact]
        public void NssCef_StandardEscapesDecode_InHeaderAndValues()
        {
            using var dir = TestPaths.NewTempFolder();
            string ok = NssLine(("recordid", "1"));
            // \| and \\ in the header vendor; \| in the header name must not shift the extension.
            string headerEscapes = ok.Replace("CEF:0|Zscaler|NSSWeblog|5.7|Allowed|Allowed by policy x=y|3|",
                                              @"CEF:0|Zscaler\|EU\\West|NSSWeblog|5.7|Allowed|Allowed \| by policy|3|")
                                     .Replace("externalId=1 ", "externalId=2 ");
            // \\ in a value (a down-level logon name).
            string backslash = ok.Replace("suser=alice@contoso.com ", @"suser=CONTOSO\\alice ").Replace("externalId=1 ", "externalId=3 ");
            // \= in a value, and an escaped key-like "out\=999" inside a value does not start a pair.
            string equals = ok.Replace("suser=alice@contoso.com ", @"suser=alice\=ops@contoso.com ")
                              .Replace("reason=Allowed by policy x=y ", @"reason=Allowed by policy out\=999 ")
                              .Replace("externalId=1 ", "externalId=4 ");
            Assert.NotEqual(ok, headerEscapes);
            Assert.NotEqual(ok, backslash);
            Assert.Contains(@"out\=999", equals);

            var sink = new RecordingSink();
            var summary = sink.Read(Write(dir, "feed.log", string.Join("\n", ok, headerEscapes, backslash, equals) + "\n"));

            Assert.Empty(sink.Issues);
            Assert.Equal(4, summary.ProxyEvents);
            Assert.Equal(("Zscaler|EU\\West", "Allowed", "alice@contoso.com", "www.dropbox.com", (long?)446),
                         (sink.Proxy[1].Vendor, sink.Proxy[1].Action, sink.Proxy[1].User, sink.Proxy[1].Host, sink.Proxy[1].Sent));
            Assert.Equal("CONTOSO\\alice", sink.Proxy[2].User);
            Assert.Equal("alice=ops@contoso.com", sink.Proxy[3].User);
            Assert.Equal(446, sink.Proxy[3].Sent);

            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            NssCefReader.ParseExtension(equals, equals.IndexOf("|3|act=", StringComparison.Ordinal) + 3, fields);
            Assert.Equal("Allowed by policy out=999", fields["reason"]);
            Assert.Equal("446", fields["out"]);
        }

        [Fact]
        public void NssCef_Rt_IsUtcByDefault_AndShiftedByTheFeedTimeZone()
        {
            using var dir = TestPaths.NewTempFolder();
            string content =
                NssLine(("recordid", "1")) + "\n" +                                           // Jun 11 2024 02:52:44 (CEST, UTC+2)
                NssLine(("recordid", "2"), ("mon", "Jan"), ("dd", "11")) + "\n" +            // Jan 11 2024 02:52:44 (CET, UTC+1)
                NssLine(("recordid", "3")).Replace("rt=Jun 11 2024 02:52:44 ", "rt=" + T0EpochMs + " ") + "\n"; // absolute
            string path = Write(dir, "feed.log", content);

            var utc = new RecordingSink();
            LogFileReader.Read(path, utc, Context(utc));
            Assert.Empty(utc.Issues);
            Assert.Equal(new[] { T0, new DateTime(2024, 1, 11, 2, 52, 44, DateTimeKind.Utc), T0 }, utc.Proxy.Select(p => p.Time));

            var berlin = new RecordingSink();
            LogFileReader.Read(path, berlin, Context(berlin, Berlin));
            Assert.Empty(berlin.Issues);
            Assert.Equal(new[]
            {
                new DateTime(2024, 6, 11, 0, 52, 44, DateTimeKind.Utc),
                new DateTime(2024, 1, 11, 1, 52, 44, DateTimeKind.Utc),
                T0, // epoch milliseconds carry no wall clock: the feed time zone does not apply
            }, berlin.Proxy.Select(p => p.Time));
            Assert.All(berlin.Proxy, p => Assert.Equal(DateTimeKind.Utc, p.Time.Kind));
        }

        [Fact]
        public void NssCef_Replays_AreCountedOnce_InTheSameFileAndAcrossFiles()
        {
            using var dir = TestPaths.NewTempFolder();
            string first = Write(dir, "feed-1.log", string.Join("\n",
                NssLine(("recordid", "1001"), ("login", "a@contoso.com")),
                NssLine(("recordid", "1002"), ("login", "b@contoso.com")),
                "<134>" + NssLine(("recordid", "1001"), ("login", "a@contoso.com")), // replayed after a reconnect
                NssLine(("recordid", ""), ("login", "e1@contoso.com")),              // no externalId: never a replay
                NssLine(("recordid", ""), ("login", "e2@contoso.com"))) + "\n");
            string second = Write(dir, "feed-2.log", string.Join("\n",
                NssLine(("recordid", "1002"), ("login", "b@contoso.com")),          // replay of the first file's record
                NssLine(("recordid", "1003"), ("login", "c@contoso.com"))) + "\n");

            var sink = new RecordingSink();
            var ctx = sink.Context();
            var s1 = LogFileReader.Read(first, sink, ctx);
            var s2 = LogFileReader.Read(second, sink, ctx);

            Assert.Empty(sink.Issues);
            Assert.Equal((5L, 4L, 1L, 0L), (s1.Records, s1.ProxyEvents, s1.Replays, s1.Skipped));
            Assert.Equal((2L, 1L, 1L, 0L), (s2.Records, s2.ProxyEvents, s2.Replays, s2.Skipped));
            Assert.Equal(new[] { "a@contoso.com", "b@contoso.com", "e1@contoso.com", "e2@contoso.com", "c@contoso.com" },
                         sink.Proxy.Select(p => p.User));
            Assert.Contains("1 replayed duplicates counted once", s1.ToString());

            // A fresh ReadContext does not remember the first file's ids.
            var fresh = new RecordingSink();
            var s3 = fresh.Read(second);
            Assert.Equal((2L, 0L), (s3.ProxyEvents, s3.Replays));
        }

        [Fact]
        public void NssCef_BadLines_AreOneIssueEach_WithLineAndReason_AndTheRestCounts()
        {
            using var dir = TestPaths.NewTempFolder();
            string good = NssLine(("recordid", "1"), ("login", "first@contoso.com"));
            string[] lines =
            {
                good,                                                                                              // 1
                "<134>Jun 11 02:52:44 zscaler-nss CEF:0|Zscaler|NSSWeblog|5.7|Allowed|Allowed act=Allowed suser=x@contoso.com dhost=a.com out=1 rt=Jun 11 2024 02:52:44", // 2: 5 pipes
                "<133>Jun 11 02:52:45 zscaler-nss nss: connection to SIEM re-established",                         // 3: no CEF:
                "",                                                                                                // 4: blank, not a record
                NssLine(("recordid", "5"), ("reqsize", "abc")),                                                    // 5: out=abc
                NssLine(("recordid", "6")).Replace(" rt=Jun 11 2024 02:52:44 ", " "),                             // 6: no rt
                NssLine(("recordid", "7")).Replace(" rt=Jun 11 2024 02:52:44 ", " rt=yesterday "),                // 7: bad rt
                NssLine(("recordid", "8"), ("login", "last@contoso.com")),                                         // 8
            };
            Assert.DoesNotContain(" rt=", lines[5]);
            string path = Write(dir, "feed.log", string.Join("\n", lines) + "\n");
            var sink = new RecordingSink();
            var summary = sink.Read(path);

            Assert.Equal(LogFormat.NssCef, summary.Format);
            Assert.False(summary.Failed);
            Assert.Equal(7, summary.Records);
            Assert.Equal(2, summary.ProxyEvents);
            Assert.Equal(5, summary.Skipped);
            Assert.Equal(new[] { "first@contoso.com", "last@contoso.com" }, sink.Proxy.Select(p => p.User));
            Assert.Equal(new long[] { 2, 3, 5, 6, 7 }, sink.Issues.Select(i => i.Line));
            Assert.Equal(new long[] { 2, 3, 4, 5, 6 }, sink.Issues.Select(i => i.Record));
            Assert.All(sink.Issues, i => Assert.Equal(path, i.File));
            Assert.Contains("broken CEF header: 6 of the 8", sink.Issues[0].Reason);
            Assert.Contains("no 'CEF:' header", sink.Issues[1].Reason);
            Assert.Contains("out 'abc' is not a whole number", sink.Issues[2].Reason);
            Assert.Contains("no rt", sink.Issues[3].Reason);
            Assert.Contains("rt 'yesterday' is not a time", sink.Issues[4].Reason);
            Assert.StartsWith(path + ":2: record 2: broken CEF header", sink.Issues[0].ToString());
        }

        [Theory]
        [InlineData("Jun 11 02:52:40 nss01 rsyslogd: [origin software=\"rsyslogd\"] start")]
        [InlineData("<46>Jun 11 02:52:40 nss01 rsyslogd: action 'action-0-builtin:omfile' resumed")]
        [InlineData("2024-06-11T02:52:40.123456+00:00 nss01 rsyslogd: start")]
        public void NssCef_FileOpeningWithANonCefSyslogLine_IsStillReadAsCef(string firstLine)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = Write(dir, "feed.log", firstLine + "\n" + NssLine(("recordid", "1")) + "\n" + "<134>" + NssLine(("recordid", "2"), ("login", "b@contoso.com")) + "\n");
            var sink = new RecordingSink();
            var summary = sink.Read(path);
            Assert.Equal(LogFormat.NssCef, summary.Format);
            Assert.False(summary.Failed);
            Assert.Equal(new[] { "alice@contoso.com", "b@contoso.com" }, sink.Proxy.Select(p => p.User));
            var issue = Assert.Single(sink.Issues);
            Assert.Equal((1L, 1L), (issue.Line, issue.Record));
            Assert.Contains("no 'CEF:' header", issue.Reason);
        }

        [Fact]
        public void NssCef_TemplateFixture_HasNoIssue_NoEvents_AndANotice()
        {
            var sink = new RecordingSink();
            var summary = sink.Read(TestPaths.Fixture("zscaler", "nss-web.cef"));
            Assert.Empty(sink.Issues);
            Assert.Empty(sink.Proxy);
            Assert.Empty(sink.Sharing);
            Assert.Equal(LogFormat.NssCef, summary.Format);
            Assert.Equal(0, summary.ProxyEvents);
            Assert.Equal(0, summary.Skipped);
            Assert.False(summary.Failed);
            Assert.NotNull(summary.Notice);
            Assert.Contains("template", summary.Notice);
        }

        [Fact]
        public void NssCef_TemplateLineFollowedByRecords_RecordsStillCount()
        {
            using var dir = TestPaths.NewTempFolder();
            string content = NssTemplate.Value + "\n" + NssLine(("recordid", "1")) + "\n" + NssLine(("recordid", "2"), ("login", "b@contoso.com")) + "\n";
            var sink = new RecordingSink();
            var summary = sink.Read(Write(dir, "feed.log", content));
            Assert.Empty(sink.Issues);
            Assert.Equal(2, summary.ProxyEvents);
            Assert.StartsWith("1 line(s) are an NSS feed output template", summary.Notice);
        }

        [Fact]
        public void NssCef_CrlfLineEndings_AndUtf8Bom()
        {
            using var dir = TestPaths.NewTempFolder();
            // dhost last on the line, so a left-over '\r' would show in the host.
            string content =
                ShortCef("act=Allowed suser=a@contoso.com out=10 externalId=1 rt=Jun 11 2024 02:52:44 dhost=www.dropbox.com") + "\r\n" +
                "\r\n" +
                NssLine(("recordid", "2"), ("login", "b@contoso.com")) + "\r\n" +
                ShortCef("act=Allowed suser=c@contoso.com dhost=mega.nz externalId=3 rt=Jun 11 2024 02:52:44 out=30") + "\r\n";
            var sink = new RecordingSink();
            var summary = sink.Read(Write(dir, "feed.log", content, bom: true));

            Assert.Empty(sink.Issues);
            Assert.Equal(LogFormat.NssCef, summary.Format);
            Assert.Equal(new[]
            {
                (T0, "Zscaler", "Allowed", "a@contoso.com", "www.dropbox.com", (long?)10),
                (T0, "Zscaler", "Allowed", "b@contoso.com", "www.dropbox.com", (long?)446),
                (T0, "Zscaler", "Allowed", "c@contoso.com", "mega.nz", (long?)30),
            }, sink.Proxy);
            Assert.All(sink.Proxy, p => Assert.DoesNotContain("\r", p.Host + p.User + p.Action));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void NssCef_LineLongerThanMaxRecordChars_IsOneIssue_AndTheNextLineCounts(bool longLineFirst)
        {
            using var dir = TestPaths.NewTempFolder();
            string a = ShortCef("act=Allowed suser=a@contoso.com dhost=www.dropbox.com out=10 externalId=1 rt=Jun 11 2024 02:52:44");
            string huge = ShortCef("act=Allowed suser=x@contoso.com dhost=www.dropbox.com out=10 externalId=2 rt=Jun 11 2024 02:52:44 requestClientApplication=" + new string('x', 5000));
            string b = ShortCef("act=Allowed suser=b@contoso.com dhost=www.dropbox.com out=20 externalId=3 rt=Jun 11 2024 02:52:44");
            Assert.True(a.Length < 1000 && b.Length < 1000 && huge.Length > 5000);
            string content = longLineFirst ? huge + "\n" + a + "\n" + b + "\n" : a + "\n" + huge + "\n" + b + "\n";

            var sink = new RecordingSink();
            var summary = sink.Read(Write(dir, "feed.log", content), maxRecordChars: 1000);

            Assert.Equal(LogFormat.NssCef, summary.Format);
            Assert.Equal(new[] { "a@contoso.com", "b@contoso.com" }, sink.Proxy.Select(p => p.User));
            var issue = Assert.Single(sink.Issues);
            Assert.Equal(longLineFirst ? 1 : 2, issue.Line);
            Assert.Contains("longer than 1,000 characters", issue.Reason);
            Assert.Equal((3L, 2L, 1L), (summary.Records, summary.ProxyEvents, summary.Skipped));
        }
    }
}
