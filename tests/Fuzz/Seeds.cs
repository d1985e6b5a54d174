using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using LowSlowExfil.SampleData;

namespace LowSlowExfil.Fuzz
{
    /// <summary>
    /// The seed corpus (tests/Fuzz/corpus/&lt;target&gt;/): a few records of each format written by the sample tenant's
    /// own writers, plus hand-made edge cases. Small on purpose: a seed is a starting point for mutations, not a test
    /// fixture. Regenerate with <c>LowSlowExfil.Fuzz --seed tests/Fuzz/corpus</c> (run.sh keeps what the fuzzer added
    /// apart, under out/fuzz/).
    /// </summary>
    internal static class Seeds
    {
        public static void Write(string corpus)
        {
            var tenant = SampleTenant.Generate(new SampleTenantOptions { BackgroundUsers = 6, BrowsingEventsPerUserPerDay = 1, OfficeEventsPerUserPerDay = 1 });
            var proxy = Pick(tenant.ProxyEvents().Where(e => e.TimeGenerated > tenant.WindowStart), e => e.SourceUserName, 8);
            var sharing = Pick(tenant.SharingEvents().Where(e => e.TimeGenerated > tenant.WindowStart), e => e.UserId, 6);
            string tmp = Path.Combine(Path.GetTempPath(), "lse-seeds-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(tmp);
            try
            {
                string T(string name) => Path.Combine(tmp, name);
                SampleExportWriter.WriteCommonSecurityLogCsv(proxy, T("csl.csv"));
                SampleExportWriter.WriteOfficeActivityCsv(sharing, T("oa.csv"));
                SampleRawFeedWriter.WritePurviewCsv(sharing, T("purview-old.csv"), newLayout: false);
                SampleRawFeedWriter.WritePurviewCsv(sharing, T("purview-new.csv"), newLayout: true);
                SampleExportWriter.WriteCommonSecurityLogJson(proxy, T("csl.json"));
                SampleExportWriter.WriteOfficeActivityJson(sharing, T("oa.json"));
                SampleRawFeedWriter.WriteCloudNssJson(proxy, T("cloud-nss.json"));
                SampleRawFeedWriter.WriteManagementApiJson(sharing, T("api-array.json"), jsonLines: false);
                SampleRawFeedWriter.WriteManagementApiJson(sharing, T("api-lines.json"), jsonLines: true);
                SampleRawFeedWriter.WriteNssCef(proxy, T("nss.cef"), withPri: false);
                SampleRawFeedWriter.WriteNssCef(proxy, T("nss-pri.cef"), withPri: true);
                SampleRawFeedWriter.WriteNssLeef(proxy, T("nss.leef"));
                SampleRawFeedWriter.WriteNssNameValue(proxy, T("nss-nvp.log"));

                var csv = Dir(corpus, "csv");
                Copy(T("csl.csv"), csv, "commonsecuritylog.csv");
                Copy(T("oa.csv"), csv, "officeactivity.csv");
                Copy(T("purview-old.csv"), csv, "purview-old-layout.csv");
                Copy(T("purview-new.csv"), csv, "purview-new-layout.csv");
                Text(csv, "multiline-quoted.csv",
                    "TimeGenerated [UTC],UserId,Operation,Extra,UserId_\r\n" +
                    "\"10/20/2026, 3:05:26.000 PM\",a@contoso.com,AnonymousLinkCreated,\"line one\r\nline \"\"two\"\"\",x\r\n" +
                    "\r\n" +
                    "\"10/21/2026, 11:59:59.999 AM\",b@contoso.com,FileDownloaded,\"ab\"c,y\r\n" +
                    "bad,row\r\n" +
                    "\"10/22/2026, 1:00:00 AM\",c@contoso.com,SharingSet,\"unterminated\r\n");
                Text(csv, "zone-offset-header.csv",
                    "\uFEFFTimeGenerated [UTC+02:00],DeviceVendor,DeviceAction,SourceUserName,DestinationHostName,SentBytes\n" +
                    "2026-10-20T03:05:26Z,Zscaler,Allowed,a@contoso.com,drive.google.com,1024\n" +
                    "\"10/20/2026, 3:05:26 PM\",Zscaler,Blocked,a@contoso.com,dropbox.com:443,7.0\n" +
                    "9/20/2023 4:05:03 AM,Zscaler,Allowed,,t.me,\n");
                Text(csv, "local-time-header.csv", "TimeGenerated [Local Time],UserId,Operation\n1/1/2026 1:00:00 AM,u,FileCopied\n");

                var proxyCsv = Dir(corpus, "proxycsv");
                Copy(T("csl.csv"), proxyCsv, "commonsecuritylog.csv");
                Text(proxyCsv, "every-bad-row.csv",
                    "TenantId,TimeGenerated [UTC],DeviceVendor,DeviceAction,Extra,SourceUserName,DestinationHostName,SentBytes\n" +
                    "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,x,a@x.com,dropbox.com,100\n" +
                    "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,\"multi\nline \"\"quoted\"\"\",A@X.com,www.dropbox.com,200\n" +
                    "\n" +
                    "t,2026-10-21T01:02:03Z,Zscaler,Allowed,x,b@x.com,github.com:443,400\n" +
                    "t,yesterday,Zscaler,Allowed,x,b@x.com,github.com,1\n" +
                    "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,x,b@x.com,github.com,ten\n" +
                    "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,x,b@x.com,github.com, 7 \n" +
                    "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed\n" +
                    "t,\"10/20/2026, 3:05:26.000 PM\",zscaler,Block,x,\"c@x.com\",\"evil-dropbox.com.example\",\"900\"\n" +
                    "t,\"9/1/2026, 3:05:26.000 PM\",Zscaler,Allowed,x,e@x.com,dropbox.com,1000\r\n" +
                    "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,x,e@x.com,dropbox.com,\"unterminated");

                Text(proxyCsv, "crlf-utf8-and-a-record-over-the-cap.csv",
                    "\uFEFFTimeGenerated [UTC-05:00],DeviceVendor,DeviceAction,SourceUserName,DestinationHostName,SentBytes\r\n" +
                    "\"10/20/2026, 3:05:26.1234567 PM\",Zscaler,Allowed,jürgen@contoso.com,DROPBOX.COM.,2048\r\n" +
                    "\"10/20/2026, 3:05:26 PM\",Zscaler,Allowed,\"" + new string('ü', 2100) + "\",mega.nz,1\r\n" +
                    "\"10/20/2026, 3:05:26 PM\",Zscaler,Allowed,\"" + new string('x', 2100) + "\n" + new string('y', 2100) + "\",mega.nz,1\r\n" +
                    "\"10/21/2026, 3:05:26 PM\",Zscaler,allowed,名前@contoso.com,web.whatsapp.com:443,9223372036854775807\r\n");

                var json = Dir(corpus, "json");
                Copy(T("csl.json"), json, "commonsecuritylog.json", maxBytes: 3000);
                Copy(T("oa.json"), json, "officeactivity.json", maxBytes: 3000);
                Copy(T("cloud-nss.json"), json, "cloud-nss.json", maxBytes: 3000);
                Copy(T("api-array.json"), json, "management-api-array.json", maxBytes: 3000);
                Copy(T("api-lines.json"), json, "management-api-lines.json", maxBytes: 3000);
                Text(json, "envelope.json",
                    "{\"events\":[{\"event\":{\"original\":\"{\\\"CreationTime\\\":\\\"2026-10-20T20:03:19\\\",\\\"Operation\\\":\\\"FileDownloaded\\\",\\\"UserId\\\":\\\"a@contoso.com\\\",\\\"RecordType\\\":6}\"}},{\"event\":{\"original\":\"not json\"}},{\"x\":1}]}");
                Text(json, "query-response.json",
                    "{\"tables\":[{\"name\":\"PrimaryResult\",\"columns\":[{\"name\":\"TimeGenerated\",\"type\":\"datetime\"},{\"name\":\"DeviceVendor\",\"type\":\"string\"}," +
                    "{\"name\":\"SourceUserName\",\"type\":\"string\"},{\"name\":\"DestinationHostName\",\"type\":\"string\"},{\"name\":\"SentBytes\",\"type\":\"long\"}]," +
                    "\"rows\":[[\"2026-10-20T03:05:26Z\",\"Zscaler\",\"a@contoso.com\",\"dropbox.com\",12],[\"2026-10-21T03:05:26Z\",null,\"b\",\"t.me\",\"7\"]]}]}");
                Text(json, "mixed-lines.json",
                    "{\"TimeGenerated [UTC+01:00]\":\"2026-10-20 03:05:26\",\"UserId\":\"a\",\"Operation\":\"SharingSet\"}\n" +
                    "{\"sourcetype\":\"zscalernss\",\"TimeGenerated\":\"26-10-20,02:52:44\",\"suser\":\"b\",\"dhost\":\"gitlab.com\",\"out\":1e3,\"externalId\":\"1\"}\n" +
                    "{\"sourcetype\":\"zscalernss\",\"TimeGenerated\":\"2026-10-20,02:52:44\",\"suser\":\"b\",\"dhost\":\"gitlab.com\",\"out\":\"12\",\"externalId\":\"1\"}\n" +
                    "[1,2]\n{\"broken\":\n{\"Type\":\"CommonSecurityLog\",\"TimeGenerated\":\"yesterday\"}\n");

                var kv = Dir(corpus, "kv");
                Copy(T("nss.leef"), kv, "nss.leef", maxBytes: 3000);
                Copy(T("nss-nvp.log"), kv, "nss-nvp.log", maxBytes: 3000);
                Text(kv, "leef-edges.leef", KeyValueEdges);

                var cef = Dir(corpus, "cef");
                Copy(T("nss.cef"), cef, "nss.cef", maxBytes: 3000);
                Copy(T("nss-pri.cef"), cef, "nss-with-pri.cef", maxBytes: 3000);
                Text(cef, "escapes-and-noise.cef",
                    "Oct 20 02:52:44 zscaler-nss rsyslogd: restart\n" +
                    "<134>Oct 20 02:52:44 zscaler-nss CEF:0|Zscaler|NSSWeblog|5.7|Allowed|Upload\\|ok|3|act=Allowed reason=a b=c suser=CORP\\\\nancy dhost=drive.google.com out=76435613 in=1 rt=Oct 20 2026 02:52:44 ua=Mozilla x=y externalId=7\n" +
                    "<134>Oct 20 02:52:44 zscaler-nss CEF:0|Zscaler|NSSWeblog|5.7|Allowed|r|3|act=Allowed suser=a dhost=t.me out=1 rt=1792464764000 externalId=7\n" +
                    "2026-10-20T02:52:44Z host CEF:0|Zscaler|NSSWeblog|5.7|Blocked|r|3|act=Blocked suser=a dhost=t.me out= rt=2026-10-20 02:52:44 cs1=x\\=y\n" +
                    "CEF:0|Zscaler|NSSWeblog|5.7|Allowed|r|3|act=%s{action} suser=%s{login} rt=%s{mon} %02d{dd}\n" +
                    "CEF:0|broken|header\n" +
                    "CEF:0|Zscaler|NSSWeblog|5.7|Allowed|r|3|suser=a dhost=t.me out=x rt=Mar 10 2024 02:30:00\n");

                var gzip = Dir(corpus, "gzip");
                Gz(gzip, "commonsecuritylog.csv.gz", Head(File.ReadAllBytes(T("csl.csv")), 2000));
                Gz(gzip, "nss.cef.gz", Head(File.ReadAllBytes(T("nss.cef")), 2000));
                Gz(gzip, "api-lines.json.gz", Head(File.ReadAllBytes(T("api-lines.json")), 2000));
                var two = Concat(GzBytes(Encoding.UTF8.GetBytes("TimeGenerated [UTC],UserId,Operation\n")),
                    GzBytes(Encoding.UTF8.GetBytes("\"10/20/2026, 3:05:26.000 PM\",a,FileCopied\n")), new byte[4]);
                File.WriteAllBytes(Path.Combine(gzip, "two-members-and-padding.gz"), two);
                var cut = GzBytes(Head(File.ReadAllBytes(T("oa.csv")), 1500));
                File.WriteAllBytes(Path.Combine(gzip, "truncated.gz"), cut.Take(cut.Length - 5).ToArray());
                // An empty member, as gzip writes one: header, the empty deflate block 03 00, CRC-32 0, length 0; then a real one.
                var empty = new byte[] { 0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
                File.WriteAllBytes(Path.Combine(gzip, "empty-member.gz"), Concat(empty, GzBytes(Encoding.UTF8.GetBytes("{\"Operation\":\"FileCopied\",\"UserId\":\"a\",\"CreationTime\":\"2026-10-20T20:03:19\"}\n"))));

                var response = Dir(corpus, "response");
                Text(response, "log-analytics-every-type.json",
                    "{\"tables\":[{\"name\":\"PrimaryResult\",\"columns\":[{\"name\":\"b\",\"type\":\"bool\"},{\"name\":\"t\",\"type\":\"datetime\"},{\"name\":\"d\",\"type\":\"dynamic\"}," +
                    "{\"name\":\"i\",\"type\":\"int\"},{\"name\":\"l\",\"type\":\"long\"},{\"name\":\"r\",\"type\":\"real\"},{\"name\":\"s\",\"type\":\"string\"},{\"name\":\"g\",\"type\":\"guid\"}," +
                    "{\"name\":\"m\",\"type\":\"decimal\"},{\"name\":\"ts\",\"type\":\"timespan\"}],\"rows\":[" +
                    "[true,\"2026-10-20T03:05:26.1234567Z\",\"[\\\"a\\\",\\\"b\\\"]\",7,9007199254740993,1.5,\"x\",\"0b4e1f6a-3c3d-4a43-9f3a-3b3f0e6b9d10\",\"1.10\",\"1.02:03:04.5\"]," +
                    "[\"1\",null,{\"k\":[1,{\"z\":null}]},\"-3\",\"12\",\"NaN\",12,null,2.5,36000000000]," +
                    "[false,\"2026-10-21\",[],null,1e3,\"-Infinity\",\"\",null,null,\"-00:00:01\"]]}]}");
                Text(response, "log-analytics-partial.json",
                    "{\"tables\":[{\"name\":\"PrimaryResult\",\"columns\":[{\"name\":\"UserName\",\"type\":\"string\"},{\"name\":\"Bytes\",\"type\":\"long\"}],\"rows\":[[\"a\",1]]}]," +
                    "\"error\":{\"code\":\"PartialError\",\"message\":\"There were some errors when processing your query.\",\"details\":[{\"code\":\"EngineError\",\"message\":\"Something went wrong\"," +
                    "\"innererror\":{\"code\":\"-2133196797\",\"message\":\"Query result set has exceeded the internal record count limit 500000\"}}]}}");
                Text(response, "adx-v1-with-exceptions.json",
                    "{\"Tables\":[{\"TableName\":\"Table_0\",\"Columns\":[{\"ColumnName\":\"UserName\",\"DataType\":\"String\",\"ColumnType\":\"string\"}," +
                    "{\"ColumnName\":\"Day\",\"DataType\":\"DateTime\"},{\"ColumnName\":\"N\",\"DataType\":\"Int64\",\"ColumnType\":\"long\"}]," +
                    "\"Rows\":[[\"a\",\"2026-10-20T00:00:00Z\",3],{\"Exceptions\":[\"Query execution has exceeded the allowed limits (80DA0003)\"]}]}," +
                    "{\"TableName\":\"Table_1\",\"Columns\":[],\"Rows\":[]}]}");
                Text(response, "error-body.json",
                    "{\"error\":{\"code\":\"BadArgumentError\",\"message\":\"The request had some invalid properties\",\"details\":[{\"code\":\"SyntaxError\",\"message\":\"A recognition error occurred in the query.\"," +
                    "\"innererror\":{\"code\":\"SYN0002\",\"message\":\"Query could not be parsed at 'x'\",\"line\":1,\"pos\":4}}]}}");
                Text(response, "adx-error-body.json", "{\"error\":{\"code\":\"General_BadRequest\",\"message\":\"Request is invalid and cannot be executed.\",\"@type\":\"Kusto.Data.Exceptions.SyntaxException\",\"@message\":\"Syntax error\"}}");
            }
            finally
            {
                try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
            }
        }

        private static List<T> Pick<T>(IEnumerable<T> events, Func<T, string> user, int count) =>
            events.GroupBy(user).Select(g => g.First()).Concat(events).Distinct().Take(count).ToList();

        private static string Dir(string corpus, string target)
        {
            string d = Path.Combine(corpus, target);
            Directory.CreateDirectory(d);
            return d;
        }

        private static void Copy(string from, string dir, string name, int maxBytes = 4000) =>
            File.WriteAllBytes(Path.Combine(dir, name), Head(File.ReadAllBytes(from), maxBytes));

        /// <summary>The first lines of a file, at most <paramref name="maxBytes"/> bytes (cut at a line break).</summary>
        private static byte[] Head(byte[] data, int maxBytes)
        {
            if (data.Length <= maxBytes) return data;
            int cut = Array.LastIndexOf(data, (byte)'\n', maxBytes - 1);
            if (cut < 0) cut = Array.IndexOf(data, (byte)'\n');   // at least the first whole line
            return cut < 0 ? data : data.Take(cut + 1).ToArray();
        }

        /// <summary>LEEF and name-value lines at the edges: 2.0 delimiters, zones, a template, another product, missing parts.</summary>
        internal const string KeyValueEdges =
            "Oct 20 02:52:44 zscaler-nss: LEEF:1.0|Zscaler|NSS|4.1|Allowed|cat=Allowed\tdevTime=Oct 20 2026 02:52:44 GMT\tusrName=a@contoso.com\tsrcBytes=1024\thostname=drive.google.com\trecordid=1\n" +
            "LEEF:2.0|Zscaler|NSS|4.1|Allowed|^|cat=Allowed^devTime=Tue Oct 20 02:52:44 UTC 2026^usrName=b^srcBytes=7.0^url=https://t.me/x^recordid=2\n" +
            "LEEF:2.0|Zscaler|NSS|4.1|Allowed|x09|cat=Blocked\tdevTime=Mar  8 2026 02:30:00 EST\tusrName=c\tsrcBytes=\thostname=None\turl=None\n" +
            "LEEF:1.0|Zscaler|NSS|4.1|%s{reason}|cat=%s{action}\tdevTime=%s{mon} %02d{dd} %d{yy}\tusrName=%s{login}\n" +
            "LEEF:1.0|OtherCo|Firewall|1|deny|src=1.2.3.4\n" +
            "LEEF:1.0|Zscaler|NSS\n" +
            "LEEF:1.0|Zscaler|NSS|4.1|r|devTime=Jan 01 0001 00:00:00 GMT\tusrName=d\tsrcBytes=-1\thostname=box.com\n" +
            "LEEF:1.0|Zscaler|NSS|4.1|r|devTime=Dec 31 9999 23:59:59\tusrName=e\tsrcBytes=99999999999999999999\thostname=box.com\n" +
            "<134>Oct 20 02:52:44 zscaler-nss: datetime=2026-10-20 02:52:44\tlogin=f\thostname=mega.nz\treqsize=5\trecordid=1\tua=a=b c\n" +
            "login=g\treqsize=1\turl=\tepochtime=99999999999999\n";

        private static void Text(string dir, string name, string text) => File.WriteAllBytes(Path.Combine(dir, name), new UTF8Encoding(false).GetBytes(text));

        private static void Gz(string dir, string name, byte[] data) => File.WriteAllBytes(Path.Combine(dir, name), GzBytes(data));

        private static byte[] GzBytes(byte[] data)
        {
            using var ms = new MemoryStream();
            using (var z = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) z.Write(data, 0, data.Length);
            return ms.ToArray();
        }

        private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
    }
}
