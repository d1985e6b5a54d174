using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LowSlowExfil.Readers;
using LowSlowExfil.SampleData;
using Xunit;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// Cloud NSS JSON, Management Activity API JSON and a Purview export's AuditData are read from bytes
    /// (JsonRecordScanner), keeping only the values the rule reads. Hostile files — names escaped, repeated, in other
    /// cases, with zone suffixes, spaces or non-ASCII letters; values of every JSON kind, escaped, undecodable or
    /// half a surrogate pair; names that make the record another shape (Log Analytics rows, ASIM, envelopes, query
    /// responses, NSS's own names, AuditData inside); broken JSON, trailing commas, arrays and JSON lines, a byte
    /// order mark, replays — must read exactly as the general reader reads them: same events, issues and counts.
    /// </summary>
    public class JsonScannerTests
    {
        private static readonly TimeZoneInfo Eastern = TimeZoneInfo.CreateCustomTimeZone("Test/Eastern5", TimeSpan.FromHours(-5), "Eastern", "EST");

        public sealed class HostileJson
        {
            public byte[] Bytes = Array.Empty<byte>();
            public bool InEastern;
            public override string ToString() => (InEastern ? "UTC-5" : "UTC") + ":\n" + Encoding.UTF8.GetString(Bytes);
        }

        // "~FF~" in generated text becomes the byte 0xFF (invalid UTF-8), after encoding.
        private static byte[] Encode(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var marker = Encoding.ASCII.GetBytes("~FF~");
            var output = new List<byte>(bytes.Length);
            for (int i = 0; i < bytes.Length; i++)
            {
                if (i + 4 <= bytes.Length && bytes.AsSpan(i, 4).SequenceEqual(marker)) { output.Add(0xFF); i += 3; continue; }
                output.Add(bytes[i]);
            }
            return output.ToArray();
        }

        public static class Arbitraries
        {
            private static readonly Gen<string> Name = Gen.Frequency(
                (12, Gen.Elements("TimeGenerated", "out", "vendor", "act", "suser", "dhost", "externalId", "sourcetype",
                    "CreationTime", "UserId", "Operation", "OfficeId", "Id")),
                (4, Gen.Elements("cat", "request", "Workload", "RecordType", "in", "ObjectId", "product")),
                (3, Gen.Elements("DHOST", "Suser", "OPERATION", "timegenerated", "creationtime", "userid", "ID", "EXTERNALID", "Out")),
                (2, Gen.Elements("\\u0064host", "Operat\\u0069on", "dhost [UTC]", "TimeGenerated [UTC+02:00]", "TimeGenerated [Local Time]",
                    " dhost", "dhost ", "dhöst", "Operat\u0131on", "\u212Aind", "", "x]", "o~FF~ut", "\\ud800x", "Type", "tables", "events", "event",
                    "login", "user", "elogin", "AuditData", "DeviceVendor", "SourceUserName", "DestinationHostName", "SrcUsername", "SrcBytes",
                    "DstHostname", "Url", "hostname", "reqsize", "url", "epochtime")));

            private static readonly Gen<string> Value = Gen.Frequency(
                (12, Gen.Elements("2026-09-27,00:02:53", "26-09-27,00:02:53", "2026-09-27 00:02:53", "2026-09-27T00:03:32", "9/27/2026 12:03:32 AM",
                    "2026-09-27T00:03:32Z", "2026-09-27T00:03:32.5+02:00", "zscalernss", "zscalernss-web", "Zscaler", "zscaler", "Allowed", "Blocked",
                    "a@contoso.com", "B@Contoso.com", "dropbox.com", "mega.nz", "1523", "-5", "1e3", "307.0", " 12 ", "x", "", "None",
                    "AnonymousLinkCreated", "SharingSet", "FileAccessed", "AddedToSecureLink", "7250000000000", "7250000000001", "OfficeActivity",
                    "CommonSecurityLog", "1099511627777").Select(v => "\"" + v + "\"")),
                (4, Gen.Elements("1523", "-5", "1.5e3", "0", "7250000000000", "99999999999999999999", "true", "false", "null", "{}", "[]",
                    "{\"a\":1}", "[1,2,{\"b\":[]}]", "{\"dhost\":\"x\",\"CreationTime\":\"2026-09-27T00:03:32\"}",
                    "\"\\u00fc@x.com\"", "\"a\\\"b\"", "\"\\ud800\"", "\"\\ud83d\\ude00\"", "\"2026-09-27,00:02:53\\n\"", "\"\\u0032026-09-27T00:03:32\"",
                    "\"Zs~FF~\"", "\"caf\u00e9\"")),
                (1, Gen.Elements("\"unterminated", "tru", "01", "[1,]", "{\"a\":1,}", "'x'", "NaN", "\"a\tb\"", "/*c*/1", "{\"a\":[[[[[[[[]]]]]]]]}")));

            private static readonly Gen<string> Pair = from n in Name from v in Value from sp in Gen.Elements("", "", " ") select "\"" + n + "\":" + sp + v;

            // The two shapes as their writers write them, so most records map; then hostile pairs before or after.
            private static readonly Gen<string> Base = Gen.Elements(
                "\"TimeGenerated\":\"2026-09-27,00:02:53\",\"sourcetype\":\"zscalernss\",\"vendor\":\"Zscaler\",\"act\":\"Allowed\",\"dhost\":\"dropbox.com\",\"out\":\"287064\",\"suser\":\"a@contoso.com\",\"externalId\":\"7250000000000\"",
                "\"TimeGenerated\":\"2026-10-27,00:02:53\",\"sourcetype\":\"zscalernss\",\"vendor\":\"zscaler\",\"act\":\"Blocked\",\"dhost\":\"mega.nz\",\"out\":\"5\",\"suser\":\"b@contoso.com\",\"externalId\":\"7250000000001\"",
                "\"CreationTime\":\"2026-09-27T00:03:32\",\"Id\":\"5eb5\",\"Operation\":\"AnonymousLinkCreated\",\"RecordType\":14,\"UserId\":\"a@contoso.com\",\"Workload\":\"OneDrive\"",
                "\"CreationTime\":\"2026-10-01T10:00:00\",\"Id\":\"77\",\"Operation\":\"FileAccessed\",\"UserId\":\"c@contoso.com\"",
                "");

            private static readonly Gen<string> Record =
                from before in Pair.ListOf().Select(l => l.ToList()).Where(l => l.Count < 4)
                from core in Base
                from after in Pair.ListOf().Select(l => l.ToList()).Where(l => l.Count < 4)
                from trailing in Gen.Frequency((12, Gen.Constant("")), (1, Gen.Constant(",")))
                select "{" + string.Join(",", before.Concat(core.Length > 0 ? new[] { core } : Array.Empty<string>()).Concat(after)) + trailing + "}";

            private static readonly Gen<string> Line = Gen.Frequency(
                (12, Record),
                (1, from a in Record from b in Record from sep in Gen.Elements("", " ", "\t") select a + sep + b),
                (1, Gen.Elements("", " ", "not json", "{\"a\":", "]", "5", "{\"tables\":[]}",
                    "{\"sourcetype\":\"zscalernss-web\",\"event\":{\"login\":\"a@b.com\",\"hostname\":\"dropbox.com\",\"reqsize\":5,\"epochtime\":1790000000}}")));

            public static Arbitrary<HostileJson> Json() => Arb.From(
                from bom in Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true)))
                from array in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
                from eol in Gen.Elements("\n", "\r\n")
                from lines in Line.ListOf().Select(l => l.ToList()).Where(l => l.Count > 0 && l.Count < 25)
                from eastern in Gen.Elements(false, true)
                select new HostileJson
                {
                    Bytes = (bom ? new byte[] { 0xEF, 0xBB, 0xBF } : Array.Empty<byte>())
                        .Concat(Encode(array ? "[" + eol + string.Join("," + eol, lines) + eol + "]" : string.Join(eol, lines) + eol)).ToArray(),
                    InEastern = eastern,
                });

            private static string Csv(string cell) => "\"" + cell.Replace("\"", "\"\"") + "\"";

            /// <summary>A Purview export (the newer layout) whose AuditData cells are hostile records, short rows and other JSON among them.</summary>
            public static Arbitrary<HostileJson> Purview() => Arb.From(
                from bom in Gen.Elements(false, true)
                from rows in Gen.Frequency(
                        (10, Record.Select(r => "5eb5,9/27/2026 12:03:32 AM,SharePoint,FileAccessed,a@contoso.com," + Csv(r) + ",,")),
                        (2, Record.Select(r => "5eb5,9/27/2026 12:03:32 AM,SharePoint,FileAccessed,a@contoso.com," + Csv(" " + r + "\n "))),
                        (1, Gen.Elements("5eb5,x,y,z,a@contoso.com,,,", "5eb5,x,y", "", "5eb5,x,y,z,u,\"[]\",,", "5eb5,x,y,z,u,\"\"\"x\"\"\",,", "a,b,c,d,e,{},,",
                            "5eb5,x,y,z,u, ,,", "5eb5,x,y,z,u,\"{\"\"Operation\"\":\"\"x\"\"}\",,,extra", "5eb5,x,y,z,u,\"{unclosed")))
                    .ListOf().Select(l => l.ToList()).Where(l => l.Count > 0 && l.Count < 20)
                from eastern in Gen.Elements(false, true)
                select new HostileJson
                {
                    Bytes = (bom ? new byte[] { 0xEF, 0xBB, 0xBF } : Array.Empty<byte>())
                        .Concat(Encode("RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,AssociatedAdminUnitsNames\n" + string.Join("\n", rows) + "\n")).ToArray(),
                    InEastern = eastern,
                });
        }

        /// <summary>Every event (all its values), issue and count of one read, as text.</summary>
        internal static string Read(byte[] bytes, string name, bool fast, bool inEastern)
        {
            var sink = new FullSink();
            var ctx = new ReadContext
            {
                OnIssue = i => sink.Lines.Add("issue " + i), UseFastPaths = fast, RethrowUnexpected = true,
                FeedTimeZone = inEastern ? Eastern : TimeZoneInfo.Utc,
            };
            var summary = LogFileReader.Read(new MemoryStream(bytes, writable: false), name, sink, ctx);
            return string.Join("\n", sink.Lines) + $"\n{summary}\nnotice: {summary.Notice}";
        }

        private sealed class FullSink : IEventSink
        {
            public readonly List<string> Lines = new List<string>();
            public void AddProxy(DateTime timeUtc, string vendor, string action, string user, string host, long? sentBytes) =>
                Lines.Add($"proxy {timeUtc:o} {timeUtc.Kind}|{vendor ?? "(null)"}|{action ?? "(null)"}|{user ?? "(null)"}|{host ?? "(null)"}|{sentBytes?.ToString() ?? "(null)"}");
            public void AddSharing(DateTime timeUtc, string userId, string operation, string recordId = null) =>
                Lines.Add($"sharing {timeUtc:o} {timeUtc.Kind}|{userId ?? "(null)"}|{operation ?? "(null)"}|{recordId ?? "(null)"}");
        }

        [Property(MaxTest = 500, QuietOnSuccess = true, Arbitrary = new[] { typeof(Arbitraries) })]
        public void Scanner_ReadsHostileJson_AsTheGeneralReader(HostileJson json) =>
            Assert.Equal(Read(json.Bytes, "hostile.json", fast: false, json.InEastern), Read(json.Bytes, "hostile.json", fast: true, json.InEastern));

        [Property(MaxTest = 300, QuietOnSuccess = true)]
        public Property Scanner_ReadsHostilePurviewAuditData_AsTheGeneralReader() =>
            Prop.ForAll(Arbitraries.Purview(), csv =>
                Read(csv.Bytes, "hostile.csv", fast: false, csv.InEastern) == Read(csv.Bytes, "hostile.csv", fast: true, csv.InEastern));

        /// <summary>
        /// A JSON lines file read on several workers in chunks cut anywhere (ParallelJsonLinesReader) reads as one thread
        /// reads it, the fast path and the general reader alike: events and replays in file order, issues with the
        /// file's line and record numbers (a malformed stretch hands the rest of the file to the calling thread).
        /// </summary>
        [Property(MaxTest = 300, QuietOnSuccess = true, Arbitrary = new[] { typeof(Arbitraries) })]
        public void ParallelJsonLines_ReadAsOneThread(HostileJson json, PositiveInt chunk, bool threeWorkers)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("lines.json");
            File.WriteAllBytes(path, json.Bytes);
            var probe = new ReadContext();
            if (!ParallelJsonLinesReader.IsJsonLines(path, probe)) return; // an array, or a first line that is no record: one thread reads it
            string oneThread = ReadFile(path, json.InEastern, parallel: null);
            Assert.Equal(oneThread, ReadFile(path, json.InEastern, parallel: (threeWorkers ? 3 : 2, 1 + chunk.Get % 700)));
            Assert.Equal(oneThread, ReadFile(path, json.InEastern, parallel: null, fast: false));
        }

        private static string ReadFile(string path, bool inEastern, (int Workers, int ChunkBytes)? parallel, bool fast = true)
        {
            var sink = new FullSink();
            var ctx = new ReadContext
            {
                OnIssue = i => sink.Lines.Add("issue " + i), UseFastPaths = fast, RethrowUnexpected = true, MaxDegreeOfParallelism = 1,
                FeedTimeZone = inEastern ? Eastern : TimeZoneInfo.Utc,
            };
            FileReadSummary summary;
            if (parallel is (int workers, int chunkBytes))
            {
                summary = new FileReadSummary { File = path, Format = LogFormat.Json };
                ParallelJsonLinesReader.Read(path, sink, ctx.ForFile(new IssueCap(ctx.OnIssue, ctx.MaxIssuesPerFile)), summary, workers, chunkBytes);
            }
            else summary = LogFileReader.Read(path, sink, ctx);
            return string.Join("\n", sink.Lines) + $"\n{summary}\nnotice: {summary.Notice}";
        }

        [Fact]
        public void ALargeJsonLinesFile_IsReadOnEveryCore_AsOneThreadReadsIt()
        {
            using var dir = TestPaths.NewTempFolder();
            var tenant = SampleTenant.Generate(new SampleTenantOptions { BackgroundUsers = 30, EndTime = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc) });
            string cloud = dir.File("cloud.json"), api = dir.File("api.jsonl"), array = dir.File("api.json");
            SampleRawFeedWriter.WriteCloudNssJson(tenant.ProxyEvents(), cloud);
            SampleRawFeedWriter.WriteManagementApiJson(tenant.SharingEvents(), api, jsonLines: true);
            SampleRawFeedWriter.WriteManagementApiJson(tenant.SharingEvents(), array, jsonLines: false);
            foreach (var (path, parallel) in new[] { (cloud, true), (api, true), (array, false) })
            {
                string Read(int threads, out FileReadSummary summary)
                {
                    var sink = new FullSink();
                    summary = LogFileReader.Read(path, sink, new ReadContext { OnIssue = i => sink.Lines.Add("issue " + i), MaxDegreeOfParallelism = threads, ParallelMinimumBytes = 64 * 1024 });
                    return string.Join("\n", sink.Lines) + "\n" + summary;
                }
                string one = Read(1, out var oneSummary);
                Assert.Equal(one, Read(2, out var twoSummary));
                Assert.Equal((1, FastPath.Allowed && parallel ? 2 : 1), (oneSummary.Threads, twoSummary.Threads));
                Assert.Contains(path == cloud ? "proxy " : "sharing ", one);
            }
        }

        /// <summary>Every public sample, and a generated tenant in every format (gzip too), reads identically both ways.</summary>
        [Fact]
        public void PublicSamplesAndEveryGeneratedFormat_ReadAsTheGeneralReader()
        {
            using var dir = TestPaths.NewTempFolder();
            var tenant = SampleTenant.Generate(new SampleTenantOptions { BackgroundUsers = 20, EndTime = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc) });
            var files = SampleRawFeedWriter.WriteAllFormats(tenant, dir.Path, gzip: true)
                .Concat(Directory.GetFiles(TestPaths.Fixtures, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)))
                .ToList();
            Assert.Contains(files, f => f.EndsWith(SampleRawFeedWriter.CloudNssJsonName, StringComparison.Ordinal));
            Assert.Contains(files, f => f.EndsWith("elastic-sp-sharing-op-events.json", StringComparison.Ordinal));
            foreach (string file in files)
            {
                var bytes = File.ReadAllBytes(file);
                Assert.Equal(Read(bytes, file, fast: false, false), Read(bytes, file, fast: true, false));
            }
        }

        [Fact]
        public void TheWritersRecords_AreReadFromBytes_AndOtherShapesHandedToTheGeneralReader()
        {
            var scanner = new JsonRecordScanner();
            var sink = new RecordingSink();
            var ctx = sink.Context();
            byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
            Assert.True(scanner.TryMap(Utf8("{\"TimeGenerated\":\"2026-09-27,00:02:53\",\"sourcetype\":\"zscalernss\",\"act\":\"Allowed\",\"dhost\":\"mega.nz\",\"out\":\"5\",\"suser\":\"a@b.com\",\"cat\":{\"x\":[1]}}"), sink, ctx, out var kind, out _));
            Assert.Equal(JsonRecordKind.Proxy, kind);
            Assert.True(scanner.TryMap(Utf8("{\"CreationTime\":\"2026-09-27T00:03:32\",\"Operation\":\"AnonymousLinkCreated\",\"UserId\":\"a@b.com\",\"Id\":\"1\"}"), sink, ctx, out kind, out _));
            Assert.Equal(JsonRecordKind.Sharing, kind);
            Assert.True(scanner.TryMapAuditData("{\"CreationTime\":\"x\",\"Operation\":\"AnonymousLinkCreated\"}", sink, ctx, out kind, out string error));
            Assert.Equal((JsonRecordKind.Invalid, "AuditData: CreationTime 'x' is not a timestamp"), (kind, error));
            foreach (string other in new[]
            {
                "{\"dhost\":\"x\",\"Type\":\"CommonSecurityLog\"}", "{\"d\\u0068ost\":\"x\"}", "{\"dhost [UTC]\":\"x\"}", "{\"dhost\":\"x\",}",
                "{\"Operation\":\"x\",\"AuditData\":{}}", "{\"login\":\"a\",\"hostname\":\"b\",\"reqsize\":1,\"Operation\":\"x\"}", "{\"dhost\":true}",
                "{\"x\":1}", "{\"tables\":[]}",
            })
                Assert.False(scanner.TryMap(Utf8(other), sink, ctx, out _, out _), other);
            Assert.Equal((3L, 9L), (scanner.Scanned, scanner.HandedOver));
            Assert.Empty(sink.Issues);
            Assert.Equal(2, sink.Proxy.Count + sink.Sharing.Count);
        }
    }
}
