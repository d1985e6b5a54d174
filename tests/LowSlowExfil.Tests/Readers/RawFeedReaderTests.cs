using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LowSlowExfil.Readers;
using Xunit;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// Raw feeds and audit exports (SPEC §4): Zscaler NSS CEF over syslog, Cloud NSS JSON, Purview CSV, Management
    /// Activity API JSON, every shared fixture, and gzip. Fixtures are read in place; test input is built in a
    /// temp folder. Expected values are worked out by hand from the inputs.
    /// </summary>
    public class RawFeedReaderTests
    {
        /// <summary>rt=Jun 11 2024 02:52:44 read as UTC; also the Cloud NSS sample's "2024-06-11,02:52:44".</summary>
        private static readonly DateTime T0 = new DateTime(2024, 6, 11, 2, 52, 44, DateTimeKind.Utc);
        /// <summary>2024-06-11T02:52:44Z in epoch milliseconds (1,718,074,364 s).</summary>
        private const string T0EpochMs = "1718074364000";

        // ───────────────────────────── helpers ─────────────────────────────

        private static string Write(TempFolder dir, string name, string content, bool bom = false)
        {
            string path = dir.File(name);
            File.WriteAllText(path, content, new UTF8Encoding(bom));
            return path;
        }

        private static string WriteBytes(TempFolder dir, string name, byte[] bytes)
        {
            string path = dir.File(name);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        private static byte[] Gzip(byte[] data) => TestPaths.Gzip(data);

        private static ReadContext Context(RecordingSink sink, TimeZoneInfo zone = null, int maxRecordChars = 16 * 1024 * 1024)
        {
            var ctx = sink.Context(maxRecordChars);
            if (zone != null) ctx.FeedTimeZone = zone;
            return ctx;
        }

        private static TimeZoneInfo Berlin => TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

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

        // ───────────────────────────── Cloud NSS JSON ─────────────────────────────

        private static readonly Lazy<string> CloudNssSample =
            new Lazy<string>(() => File.ReadAllText(TestPaths.Fixture("zscaler", "cloud-nss-sample-web.log")));

        /// <summary>The fixture's record with some fields changed.</summary>
        private static string CloudNss(string user, string externalId, string time = "2024-06-11,02:52:44", string sent = "446",
                                       string host = "this.is.a.test.zscaler.com", bool indented = false)
        {
            var o = JsonNode.Parse(CloudNssSample.Value).AsObject();
            o["suser"] = user;
            o["externalId"] = externalId;
            o["TimeGenerated"] = time;
            o["out"] = sent;
            o["dhost"] = host;
            return o.ToJsonString(indented ? Indented : Compact);
        }

        private static readonly JsonSerializerOptions Indented = new JsonSerializerOptions { WriteIndented = true };
        private static readonly JsonSerializerOptions Compact = new JsonSerializerOptions();

        [Fact]
        public void CloudNss_SampleFixture_IsOneProxyEvent()
        {
            var sink = new RecordingSink();
            var summary = sink.Read(TestPaths.Fixture("zscaler", "cloud-nss-sample-web.log"));
            Assert.Empty(sink.Issues);
            Assert.Equal(LogFormat.Json, summary.Format);
            Assert.Equal((1L, 1L, 0L, 0L), (summary.Records, summary.ProxyEvents, summary.SharingEvents, summary.Skipped));
            var e = Assert.Single(sink.Proxy);
            Assert.Equal((T0, "Zscaler", "Allowed", "user@zscaler.com", "this.is.a.test.zscaler.com", (long?)446), e);
            Assert.Equal(DateTimeKind.Utc, e.Time.Kind);
        }

        [Fact]
        public void CloudNss_SampleFixture_IsShiftedByTheFeedTimeZone()
        {
            var sink = new RecordingSink();
            LogFileReader.Read(TestPaths.Fixture("zscaler", "cloud-nss-sample-web.log"), sink, Context(sink, Berlin));
            Assert.Empty(sink.Issues);
            Assert.Equal(new DateTime(2024, 6, 11, 0, 52, 44, DateTimeKind.Utc), Assert.Single(sink.Proxy).Time);
        }

        [Fact]
        public void CloudNss_FofTemplate_HasNoIssue_NoEvents()
        {
            var sink = new RecordingSink();
            var summary = sink.Read(TestPaths.Fixture("zscaler", "cloud-nss-web.fof"));
            Assert.Empty(sink.Issues);
            Assert.Empty(sink.Proxy);
            Assert.Empty(sink.Sharing);
            Assert.Equal(LogFormat.FeedTemplate, summary.Format);
            Assert.Equal((0L, 0L, 0L), (summary.Records, summary.ProxyEvents, summary.Skipped));
            Assert.False(summary.Failed);
            Assert.Contains("template", summary.Notice);
        }

        [Fact]
        public void CloudNss_JsonLines_WithAReplay()
        {
            using var dir = TestPaths.NewTempFolder();
            string content = string.Join("\n",
                CloudNss("a@contoso.com", "11", sent: "100", host: "www.dropbox.com"),
                CloudNss("b@contoso.com", "12", time: "2024-06-12,23:59:59", sent: "200"),
                CloudNss("a@contoso.com", "11", sent: "100", host: "www.dropbox.com"), // replay
                CloudNss("c@contoso.com", "13", sent: "")) + "\n";
            var sink = new RecordingSink();
            var summary = sink.Read(Write(dir, "cloud-nss.jsonl", content));

            Assert.Empty(sink.Issues);
            Assert.Equal(LogFormat.Json, summary.Format);
            Assert.Equal((4L, 3L, 1L, 0L), (summary.Records, summary.ProxyEvents, summary.Replays, summary.Skipped));
            Assert.Equal(new[]
            {
                (T0, "Zscaler", "Allowed", "a@contoso.com", "www.dropbox.com", (long?)100),
                (new DateTime(2024, 6, 12, 23, 59, 59, DateTimeKind.Utc), "Zscaler", "Allowed", "b@contoso.com", "this.is.a.test.zscaler.com", (long?)200),
                (T0, "Zscaler", "Allowed", "c@contoso.com", "this.is.a.test.zscaler.com", (long?)null),
            }, sink.Proxy);
        }

        [Fact]
        public void CloudNss_JsonArray_OfSeveralRecords_AndReplaysAcrossFiles()
        {
            using var dir = TestPaths.NewTempFolder();
            string array = "[\n" + string.Join(",\n",
                CloudNss("a@contoso.com", "21", indented: true),
                CloudNss("b@contoso.com", "22", sent: "1048576", indented: true),
                CloudNss("a@contoso.com", "21", indented: true), // replay
                CloudNss("c@contoso.com", "23", sent: "7", indented: true)) + "\n]\n";
            string lines = CloudNss("c@contoso.com", "23", sent: "7") + "\n" + CloudNss("d@contoso.com", "24", sent: "8") + "\n";
            string p1 = Write(dir, "cloud-nss-array.json", array);
            string p2 = Write(dir, "cloud-nss-more.json", lines);

            var sink = new RecordingSink();
            var ctx = sink.Context();
            var s1 = LogFileReader.Read(p1, sink, ctx);
            var s2 = LogFileReader.Read(p2, sink, ctx);

            Assert.Empty(sink.Issues);
            Assert.Equal((4L, 3L, 1L), (s1.Records, s1.ProxyEvents, s1.Replays));
            Assert.Equal((2L, 1L, 1L), (s2.Records, s2.ProxyEvents, s2.Replays));
            Assert.Equal(new[] { "a@contoso.com", "b@contoso.com", "c@contoso.com", "d@contoso.com" }, sink.Proxy.Select(p => p.User));
            Assert.Equal(new long?[] { 446, 1048576, 7, 8 }, sink.Proxy.Select(p => p.Sent));
        }

        [Fact]
        public void CloudNss_BadRecord_IsOneIssue_OthersCount()
        {
            using var dir = TestPaths.NewTempFolder();
            string content = string.Join("\n",
                CloudNss("a@contoso.com", "31"),
                CloudNss("b@contoso.com", "32", time: "yesterday"),
                CloudNss("c@contoso.com", "33", sent: "lots"),
                CloudNss("d@contoso.com", "34")) + "\n";
            var sink = new RecordingSink();
            var summary = sink.Read(Write(dir, "cloud-nss.jsonl", content));
            Assert.Equal(new[] { "a@contoso.com", "d@contoso.com" }, sink.Proxy.Select(p => p.User));
            Assert.Equal(new long[] { 2, 3 }, sink.Issues.Select(i => i.Line));
            Assert.Contains("TimeGenerated 'yesterday'", sink.Issues[0].Reason);
            Assert.Contains("out 'lots'", sink.Issues[1].Reason);
            Assert.Equal((4L, 2L), (summary.Records, summary.Skipped));
        }

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

        // ───────────────────────────── every fixture ─────────────────────────────

        public static IEnumerable<object[]> FixtureFiles => new[]
        {
            new object[] { "sentinel/CommonSecurityLog-ZScaler.json", 2, 0 },
            new object[] { "sentinel/OfficeActivity-training-lab.csv", 0, 266 },
            new object[] { "o365/elastic-sharepointfileop-events.json", 0, 12 },
            new object[] { "o365/elastic-sp-sharing-op-events.json", 0, 10 },
            new object[] { "zscaler/cloud-nss-sample-web.log", 1, 0 },
            new object[] { "zscaler/nss-web.cef", 0, 0 },
            new object[] { "zscaler/cloud-nss-web.fof", 0, 0 },
        };

        [Theory]
        [MemberData(nameof(FixtureFiles))]
        public void EveryFixture_ReadsWithoutIssues_AndYieldsItsEvents(string relative, int proxy, int sharing)
        {
            var sink = new RecordingSink();
            var summary = sink.Read(TestPaths.Fixture(relative.Split('/')));
            Assert.Empty(sink.Issues);
            Assert.False(summary.Failed);
            Assert.Equal(0, summary.Skipped);
            Assert.Equal((long)proxy, summary.ProxyEvents);
            Assert.Equal((long)sharing, summary.SharingEvents);
            Assert.Equal(proxy, sink.Proxy.Count);
            Assert.Equal(sharing, sink.Sharing.Count);
        }

        [Fact]
        public void EveryFixture_IsCoveredByTheTheory()
        {
            var onDisk = Directory.EnumerateFiles(TestPaths.Fixtures, "*", SearchOption.AllDirectories)
                .Where(f => !f.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
                .Select(f => Path.GetRelativePath(TestPaths.Fixtures, f).Replace('\\', '/'))
                .OrderBy(f => f, StringComparer.Ordinal);
            Assert.Equal(FixtureFiles.Select(r => (string)r[0]).OrderBy(f => f, StringComparer.Ordinal), onDisk);
        }

        // ───────────────────────────── gzip and unreadable files ─────────────────────────────

        private static string OfficeActivityCsv() =>
            "TimeGenerated [UTC],UserId,Operation,OfficeWorkload\n" +
            "\"4/28/2021, 2:00:00.000 AM\",u@contoso.com,SharingSet,SharePoint\n" +
            "\"4/28/2021, 2:00:01.000 AM\",v@contoso.com,AnonymousLinkCreated,\"multi\nline\"\n";

        private static string CommonSecurityLogCsv() =>
            "TimeGenerated [UTC],DeviceVendor,DeviceAction,SourceUserName,DestinationHostName,SentBytes\n" +
            "\"3/31/2022, 08:18:20.276 AM\",Zscaler,Allowed,a@contoso.com,www.dropbox.com,307\n";

        private static string NssFeed() => string.Join("\n",
            "<134>" + NssLine(("recordid", "1"), ("login", "a@contoso.com")),
            NssLine(("recordid", "2"), ("login", "b@contoso.com"), ("reqsize", "9999")),
            Bare(NssLine(("recordid", "1"), ("login", "a@contoso.com")))) + "\n";

        private static string CloudNssLines() =>
            CloudNss("a@contoso.com", "1") + "\n" + CloudNss("b@contoso.com", "2", sent: "5") + "\n" + CloudNss("a@contoso.com", "1") + "\n";

        public static IEnumerable<object[]> Formats => new[]
        {
            new object[] { "nss-cef" }, new object[] { "cloud-nss-jsonl" }, new object[] { "purview-old" }, new object[] { "purview-new" },
            new object[] { "mgmt-api-array" }, new object[] { "mgmt-api-jsonl" }, new object[] { "officeactivity-csv" },
            new object[] { "csl-csv" },
        }.Concat(FixtureFiles.Select(f => new[] { "fixture:" + f[0] }));

        private static byte[] Content(string format)
        {
            if (format.StartsWith("fixture:", StringComparison.Ordinal))
                return File.ReadAllBytes(TestPaths.Fixture(format.Substring(8).Split('/')));
            string text = format switch
            {
                "nss-cef" => NssFeed(),
                "cloud-nss-jsonl" => CloudNssLines(),
                "purview-old" => PurviewOld(),
                "purview-new" => PurviewNew(),
                "mgmt-api-array" => MgmtApiArray(),
                "mgmt-api-jsonl" => MgmtApiLines(),
                "officeactivity-csv" => OfficeActivityCsv(),
                "csl-csv" => CommonSecurityLogCsv(),
                _ => throw new ArgumentException(format),
            };
            return new UTF8Encoding(false).GetBytes(text);
        }

        private static string Describe(RecordingSink sink, FileReadSummary s) =>
            $"{s.Format} records={s.Records} proxy={s.ProxyEvents} sharing={s.SharingEvents} skipped={s.Skipped} replays={s.Replays} failed={s.Failed} notice={s.Notice}; " +
            string.Join(" | ", sink.Proxy.Select(p => p.ToString())) + " || " + string.Join(" | ", sink.Sharing.Select(p => p.ToString())) +
            " || issues: " + string.Join(" | ", sink.Issues.Select(i => i.Line + "/" + i.Record + ":" + i.Reason));

        [Theory]
        [MemberData(nameof(Formats))]
        public void Gzip_GivesTheSameEventsAsUncompressed(string format)
        {
            using var dir = TestPaths.NewTempFolder();
            byte[] bytes = Content(format);
            string plain = WriteBytes(dir, "plain.log", bytes);
            string gz = WriteBytes(dir, "plain.log.gz", Gzip(bytes));

            var a = new RecordingSink();
            var sa = a.Read(plain);
            var b = new RecordingSink();
            var sb = b.Read(gz);

            Assert.False(sb.Failed);
            Assert.True(a.Proxy.Count + a.Sharing.Count > 0 || sa.Notice != null, "the format yields events or is a template");
            Assert.Equal(Describe(a, sa), Describe(b, sb));
            Assert.Equal(a.Proxy, b.Proxy);
            Assert.Equal(a.Sharing, b.Sharing);
            Assert.Equal(a.Issues.Select(i => (i.Line, i.Record, i.Reason)), b.Issues.Select(i => (i.Line, i.Record, i.Reason)));
        }

        [Fact]
        public void Gzip_ExpectedEvents_ForEachBuiltFormat()
        {
            // The gzip comparison above is only as good as the uncompressed reads; pin those counts.
            var expected = new Dictionary<string, (int Proxy, int Sharing, int Issues)>
            {
                ["nss-cef"] = (2, 0, 0),
                ["cloud-nss-jsonl"] = (2, 0, 0),
                ["purview-old"] = (0, 2, 1),
                ["purview-new"] = (0, 2, 2),
                ["mgmt-api-array"] = (0, 3, 0),
                ["mgmt-api-jsonl"] = (0, 3, 0),
                ["officeactivity-csv"] = (0, 2, 0),
                ["csl-csv"] = (1, 0, 0),
            };
            using var dir = TestPaths.NewTempFolder();
            foreach (var kv in expected)
            {
                var sink = new RecordingSink();
                sink.Read(WriteBytes(dir, kv.Key + ".gz", Gzip(Content(kv.Key))));
                Assert.Equal((kv.Key, kv.Value.Proxy, kv.Value.Sharing, kv.Value.Issues), (kv.Key, sink.Proxy.Count, sink.Sharing.Count, sink.Issues.Count));
            }
        }

        /// <summary>Many distinct records, so half of the compressed bytes hold complete records.</summary>
        private static (string Text, Func<RecordingSink, IEnumerable<string>> Users) Many(string format, int n)
        {
            var rnd = new Random(12345);
            string Noise() => new string(Enumerable.Range(0, 40).Select(_ => (char)('a' + rnd.Next(26))).ToArray());
            var sb = new StringBuilder();
            switch (format)
            {
                case "nss-cef":
                    for (int i = 0; i < n; i++)
                        sb.Append(ShortCef($"act=Allowed suser=u{i}@contoso.com dhost={Noise()}.com out={rnd.Next(100000)} externalId={i} rt=Jun 11 2024 02:52:44")).Append('\n');
                    return (sb.ToString(), s => s.Proxy.Select(p => p.User));
                case "officeactivity-csv":
                    sb.Append("TimeGenerated [UTC],UserId,Operation,ObjectId\n");
                    for (int i = 0; i < n; i++)
                        sb.Append($"\"4/28/2021, 2:00:00.000 AM\",u{i}@contoso.com,SharingSet,https://contoso.sharepoint.com/{Noise()}\n");
                    return (sb.ToString(), s => s.Sharing.Select(p => p.User));
                default: // cloud-nss-jsonl
                    for (int i = 0; i < n; i++)
                        sb.Append(CloudNss($"u{i}@contoso.com", i.ToString(), host: Noise() + ".com")).Append('\n');
                    return (sb.ToString(), s => s.Proxy.Select(p => p.User));
            }
        }

        [Theory]
        [InlineData("nss-cef")]
        [InlineData("officeactivity-csv")]
        [InlineData("cloud-nss-jsonl")]
        public void Gzip_Truncated_IsAFileLevelIssue_AndTheEventsBeforeTheCutCount(string format)
        {
            const int n = 3000;
            using var dir = TestPaths.NewTempFolder();
            var (text, users) = Many(format, n);
            byte[] gz = Gzip(Encoding.UTF8.GetBytes(text));
            string path = WriteBytes(dir, "cut.log.gz", gz.Take(gz.Length / 2).ToArray());

            var sink = new RecordingSink();
            var summary = sink.Read(path);

            Assert.True(summary.Failed);
            var issue = Assert.Single(sink.Issues);
            Assert.Equal((0L, 0L), (issue.Line, issue.Record));
            Assert.Equal(path, issue.File);
            Assert.Contains("cannot read the file past record", issue.Reason);
            var got = users(sink).ToList();
            Assert.InRange(got.Count, 1, n - 1);
            // The events decoded before the cut, in order, with none lost or invented.
            Assert.Equal(Enumerable.Range(0, got.Count).Select(i => $"u{i}@contoso.com"), got);
            Assert.Equal(got.Count, summary.ProxyEvents + summary.SharingEvents);
            Assert.Equal(0, summary.Skipped);
        }

        [Fact]
        public void BinaryGarbage_WithNulBytes_IsRefused()
        {
            using var dir = TestPaths.NewTempFolder();
            var bytes = new byte[10000];
            new Random(7).NextBytes(bytes);
            bytes[0] = 0x50; // not a gzip magic
            bytes[100] = 0;
            var sink = new RecordingSink();
            string path = WriteBytes(dir, "garbage.log", bytes);
            var summary = sink.Read(path);
            Assert.True(summary.Failed);
            Assert.Empty(sink.Proxy);
            Assert.Empty(sink.Sharing);
            var issue = Assert.Single(sink.Issues);
            Assert.Equal(0, issue.Line);
            Assert.Contains("not text", issue.Reason);
        }

        [Fact]
        public void BinaryGarbage_WithoutNulBytes_IsOneFileLevelIssue()
        {
            using var dir = TestPaths.NewTempFolder();
            var rnd = new Random(8);
            var bytes = Enumerable.Range(0, 10000).Select(_ => (byte)rnd.Next(0x80, 0x100)).ToArray();
            var sink = new RecordingSink();
            var summary = sink.Read(WriteBytes(dir, "garbage.log", bytes));
            Assert.True(summary.Failed);
            Assert.Empty(sink.Proxy);
            Assert.Empty(sink.Sharing);
            Assert.Equal(0, Assert.Single(sink.Issues).Line);
        }

        [Fact]
        public void GzipMagicFollowedByGarbage_IsOneFileLevelIssue()
        {
            using var dir = TestPaths.NewTempFolder();
            var bytes = new byte[5000];
            new Random(9).NextBytes(bytes);
            bytes[0] = 0x1F;
            bytes[1] = 0x8B;
            var sink = new RecordingSink();
            var summary = sink.Read(WriteBytes(dir, "garbage.gz", bytes));
            Assert.True(summary.Failed);
            Assert.Empty(sink.Proxy);
            Assert.Empty(sink.Sharing);
            var issue = Assert.Single(sink.Issues);
            Assert.Equal(0, issue.Line);
            Assert.Contains("cannot read the file", issue.Reason);
        }

        private static readonly byte[] EmptyGzipMember =
        {
            0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, // header: deflate, no flags, Unix
            0x03, 0x00,                                                 // one empty final fixed-Huffman block
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,             // CRC-32 0, length 0
        };

        [Fact]
        public void Gzip_Truncated_WithinTheFirstKilobytes_StillCountsWhatCameBeforeTheCut()
        {
            // The whole decoded part fits in the format sniffer's 4 KB look-ahead.
            using var dir = TestPaths.NewTempFolder();
            var (text, users) = Many("nss-cef", 15);
            Assert.True(text.Length < 4096);
            byte[] gz = Gzip(Encoding.UTF8.GetBytes(text));
            string path = WriteBytes(dir, "cut.log.gz", gz.Take(gz.Length * 3 / 4).ToArray());
            var sink = new RecordingSink();
            var summary = sink.Read(path);

            Assert.True(summary.Failed);
            Assert.Equal(LogFormat.NssCef, summary.Format);
            Assert.Contains("truncated", Assert.Single(sink.Issues).Reason);
            var got = users(sink).ToList();
            Assert.InRange(got.Count, 1, 14);
            Assert.Equal(Enumerable.Range(0, got.Count).Select(i => $"u{i}@contoso.com"), got);
        }

        [Fact]
        public void Gzip_OnlyTheTrailerMissing_IsStillTruncation()
        {
            using var dir = TestPaths.NewTempFolder();
            byte[] gz = Gzip(Content("nss-cef"));
            var sink = new RecordingSink();
            var summary = sink.Read(WriteBytes(dir, "cut.gz", gz.Take(gz.Length - 8).ToArray()));
            Assert.True(summary.Failed);
            Assert.Equal(2, sink.Proxy.Count); // every record was complete
            Assert.Contains("cannot read the file past record 3: the gzip data is truncated or corrupt", Assert.Single(sink.Issues).Reason);
        }

        [Fact]
        public void Gzip_WrongCrcInTheTrailer_IsReported_AfterTheRecords()
        {
            using var dir = TestPaths.NewTempFolder();
            byte[] gz = Gzip(Content("mgmt-api-jsonl"));
            gz[gz.Length - 8] ^= 0x55;
            var sink = new RecordingSink();
            var summary = sink.Read(WriteBytes(dir, "bad-crc.gz", gz));
            Assert.True(summary.Failed);
            Assert.Equal(MgmtApiExpected, sink.Sharing);
            Assert.Contains("CRC-32", Assert.Single(sink.Issues).Reason);
        }

        [Fact]
        public void Gzip_ConcatenatedMembers_AreAllRead()
        {
            // `cat part1.gz part2.gz > all.gz` is a valid gzip file (gzip -d reads both members).
            using var dir = TestPaths.NewTempFolder();
            string part1 = NssLine(("recordid", "1"), ("login", "a@contoso.com")) + "\n";
            string part2 = NssLine(("recordid", "2"), ("login", "b@contoso.com")) + "\n" + NssLine(("recordid", "3"), ("login", "c@contoso.com")) + "\n";
            byte[] all = Gzip(Encoding.UTF8.GetBytes(part1)).Concat(EmptyGzipMember).Concat(Gzip(Encoding.UTF8.GetBytes(part2))).ToArray();
            var sink = new RecordingSink();
            var summary = sink.Read(WriteBytes(dir, "all.gz", all));
            Assert.Empty(sink.Issues);
            Assert.False(summary.Failed);
            Assert.Equal(new[] { "a@contoso.com", "b@contoso.com", "c@contoso.com" }, sink.Proxy.Select(p => p.User));
        }

        [Fact]
        public void Gzip_ManyConcatenatedMembers_OfAManyRecordFile()
        {
            using var dir = TestPaths.NewTempFolder();
            var (text, users) = Many("officeactivity-csv", 2000);
            string[] lines = text.Split('\n');
            // The header in its own member, then members of 1 to 50 lines.
            var ms = new MemoryStream();
            var rnd = new Random(3);
            for (int i = 0; i < lines.Length;)
            {
                int take = i == 0 ? 1 : rnd.Next(1, 51);
                string part = string.Join("\n", lines.Skip(i).Take(take)) + (i + take < lines.Length ? "\n" : "");
                byte[] g = Gzip(Encoding.UTF8.GetBytes(part));
                ms.Write(g, 0, g.Length);
                i += take;
            }
            var sink = new RecordingSink();
            var summary = sink.Read(WriteBytes(dir, "members.gz", ms.ToArray()));
            Assert.Empty(sink.Issues);
            Assert.Equal(Enumerable.Range(0, 2000).Select(i => $"u{i}@contoso.com"), users(sink));
            Assert.Equal(2000, summary.SharingEvents);
        }

        [Fact]
        public void Gzip_HeaderWithFileNameAndComment_AndTrailingZeroPadding()
        {
            using var dir = TestPaths.NewTempFolder();
            byte[] gz = Gzip(Content("csl-csv"));
            Assert.Equal(0, gz[3]); // GZipStream writes no optional header fields
            var withName = new List<byte>(gz.Take(10));
            withName[3] = 0x08 | 0x10; // FNAME, FCOMMENT
            withName.AddRange(Encoding.ASCII.GetBytes("CommonSecurityLog.csv\0exported by hand\0"));
            withName.AddRange(gz.Skip(10));
            withName.AddRange(new byte[512]); // zero padding after the last member
            var sink = new RecordingSink();
            var summary = sink.Read(WriteBytes(dir, "csl.csv.gz", withName.ToArray()));
            Assert.Empty(sink.Issues);
            Assert.Equal(("a@contoso.com", "www.dropbox.com", (long?)307), (sink.Proxy.Single().User, sink.Proxy.Single().Host, sink.Proxy.Single().Sent));
        }

        [Fact]
        public void Gzip_TrailingGarbage_IsReported_AfterTheRecords()
        {
            using var dir = TestPaths.NewTempFolder();
            byte[] gz = Gzip(Content("nss-cef")).Concat(Encoding.ASCII.GetBytes("garbage")).ToArray();
            var sink = new RecordingSink();
            var summary = sink.Read(WriteBytes(dir, "feed.gz", gz));
            Assert.True(summary.Failed);
            Assert.Equal(2, sink.Proxy.Count);
            Assert.Contains("unexpected data after gzip member 1", Assert.Single(sink.Issues).Reason);
        }

        [Theory]
        [InlineData("empty.log", false)]
        [InlineData("empty.gz", false)]
        [InlineData("empty.gz", true)]
        public void EmptyFile_AndEmptyGzip_AreOneFileLevelIssue(string name, bool gzipped)
        {
            using var dir = TestPaths.NewTempFolder();
            // GZipStream writes nothing at all for empty input; this is what `gzip -c </dev/null` writes.
            string path = WriteBytes(dir, name, gzipped ? EmptyGzipMember : Array.Empty<byte>());
            var sink = new RecordingSink();
            var summary = sink.Read(path);
            Assert.True(summary.Failed);
            Assert.Empty(sink.Proxy);
            Assert.Empty(sink.Sharing);
            var issue = Assert.Single(sink.Issues);
            Assert.Equal(0, issue.Line);
            Assert.Contains("the file is empty", issue.Reason);
            Assert.Equal(path + ": the file is empty", issue.ToString());
        }
    }
}
