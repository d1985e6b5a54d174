namespace LowSlowExfil.Tests
{
    /// <summary>
    /// Zscaler NSS web records in JSON with Zscaler's own field names (the shapes of the feed formats Zscaler publishes
    /// for Splunk, Elastic/Datadog and Chronicle; written here from a generated tenant, since the public samples may be
    /// read but not copied) give exactly what the same records give as the CEF feed. They were refused record by record.
    /// </summary>
    public class NssNativeJsonTests
    {
        private static readonly SampleTenant Tenant = SampleTenant.Generate(new SampleTenantOptions { BackgroundUsers = 40 });

        private static string None(string v) => string.IsNullOrEmpty(v) ? "None" : v;

        /// <summary>Splunk's HEC envelope (the v6 web format): time as %s{time}, host as %s{ehost}, every value a string, empty as "None".</summary>
        private static void Splunk(Utf8JsonWriter w, SampleProxyEvent e)
        {
            w.WriteString("sourcetype", "zscalernss-web");
            w.WritePropertyName("event");
            w.WriteStartObject();
            w.WriteString("time", e.TimeGenerated.ToString("ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture));
            w.WriteString("cloudname", "zscalerthree.net");
            w.WriteString("host", None(e.DestinationHostName));
            w.WriteString("action", None(e.DeviceAction));
            w.WriteString("recordid", e.ExternalId.ToString(CultureInfo.InvariantCulture));
            w.WriteString("reqsize", e.SentBytes.ToString(CultureInfo.InvariantCulture));
            w.WriteString("login", None(e.SourceUserName));
            w.WriteString("vendor", e.DeviceVendor);
            w.WriteString("url", None(e.RequestURL));
            w.WriteEndObject();
        }

        /// <summary>The Elastic / Datadog Cloud NSS format: datetime yy-MM-dd, user, hostname, requestsize, event_id, inside the envelope.</summary>
        private static void Elastic(Utf8JsonWriter w, SampleProxyEvent e)
        {
            w.WriteString("sourcetype", "zscalernss-web");
            w.WritePropertyName("event");
            w.WriteStartObject();
            w.WriteString("datetime", e.TimeGenerated.ToString("yy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            w.WriteString("event_id", e.ExternalId.ToString(CultureInfo.InvariantCulture));
            w.WriteString("action", e.DeviceAction ?? "");
            w.WriteString("requestsize", e.SentBytes.ToString(CultureInfo.InvariantCulture));
            w.WriteString("user", e.SourceUserName ?? "");
            w.WriteString("hostname", e.DestinationHostName ?? "");
            w.WriteString("vendor", e.DeviceVendor);
            w.WriteString("product", "NSS");
            w.WriteEndObject();
        }

        /// <summary>Flat, numbers as numbers, epoch seconds, and the host only in the URL (which NSS writes without a scheme).</summary>
        private static void Flat(Utf8JsonWriter w, SampleProxyEvent e)
        {
            w.WriteNumber("epochtime", (long)(e.TimeGenerated - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalSeconds);
            w.WriteNumber("recordid", e.ExternalId);
            w.WriteString("login", e.SourceUserName ?? "");
            w.WriteString("action", e.DeviceAction ?? "");
            w.WriteNumber("reqsize", e.SentBytes);
            w.WriteString("url", (e.DestinationHostName ?? "") + "/upload/part?id=1");
            w.WriteString("vendor", e.DeviceVendor);
        }

        private static string Write(TempFolder dir, string name, Action<Utf8JsonWriter, SampleProxyEvent> shape, IEnumerable<SampleProxyEvent> events)
        {
            string path = dir.File(name);
            using var f = File.Create(path);
            foreach (var e in events)
            {
                using (var w = new Utf8JsonWriter(f, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                {
                    w.WriteStartObject();
                    shape(w, e);
                    w.WriteEndObject();
                }
                f.WriteByte((byte)'\n');
            }
            return path;
        }

        private static (string Profiles, List<ReadIssue> Issues, FileReadSummary Summary) Read(string path, bool kql)
        {
            var acc = new EventAccumulator(new HuntOptions(Tenant.EndTime, 30, kqlCompatible: kql));
            var issues = new List<ReadIssue>();
            var summary = LogFileReader.Read(path, acc, new ReadContext { OnIssue = issues.Add });
            return (FastPathTests.Describe(acc) + "\n" + acc.DescribeFilters(), issues, summary);
        }

        public static IEnumerable<object[]> Shapes() => new[]
        {
            new object[] { "splunk" }, new object[] { "elastic" }, new object[] { "flat" },
        };

        [Theory]
        [MemberData(nameof(Shapes))]
        public void EveryShape_GivesWhatTheCefFeedGives(string shape)
        {
            using var dir = TestPaths.NewTempFolder();
            // Whole seconds (the formats have no fraction) and hosts without a path (the flat shape reads them from the URL).
            var events = Tenant.ProxyEvents().Where(SampleRawFeedWriter.IsNssEvent)
                .Where(e => e.DestinationHostName == null || e.DestinationHostName.IndexOfAny(new[] { '/', '?', '#' }) < 0)
                .Select(e => { e.TimeGenerated = e.TimeGenerated.AddTicks(-(e.TimeGenerated.Ticks % TimeSpan.TicksPerSecond)); return e; })
                .ToList();
            Assert.True(events.Count > 1000);
            string cef = dir.File("feed.cef");
            SampleRawFeedWriter.WriteNssCef(events, cef, withPri: true);
            Action<Utf8JsonWriter, SampleProxyEvent> writer = shape == "splunk" ? Splunk : shape == "elastic" ? (Action<Utf8JsonWriter, SampleProxyEvent>)Elastic : Flat;
            // Every record twice: a reconnect's replay, recognised by its record id.
            string json = Write(dir, shape + ".json", writer, events.Concat(events.Take(50)));
            foreach (bool kql in new[] { false, true })
            {
                var expected = Read(cef, kql);
                var actual = Read(json, kql);
                Assert.Empty(expected.Issues);
                Assert.Empty(actual.Issues);
                Assert.Equal(50, actual.Summary.Replays);
                Assert.Equal(expected.Profiles, actual.Profiles);
            }
        }

        [Theory]
        [InlineData("{\"sourcetype\":\"zscalernss-web\",\"event\":{\"time\":\"yesterday\",\"login\":\"a@x.com\",\"host\":\"dropbox.com\",\"reqsize\":\"5\"}}", "time 'yesterday' is not a timestamp")]
        [InlineData("{\"epochtime\":\"soon\",\"login\":\"a@x.com\",\"hostname\":\"dropbox.com\",\"reqsize\":\"5\"}", "epochtime 'soon' is not a time")]
        [InlineData("{\"datetime\":\"2026-10-20 10:00:00\",\"login\":\"a@x.com\",\"hostname\":\"dropbox.com\",\"reqsize\":\"-5\"}", "reqsize -5 is negative")]
        [InlineData("{\"datetime\":\"2026-10-20 10:00:00\",\"user\":\"a@x.com\",\"hostname\":\"dropbox.com\",\"requestsize\":\"lots\"}", "requestsize 'lots' is not a whole number of bytes")]
        [InlineData("{\"sourcetype\":\"zscalernss-web\",\"event\":{}}", "the Zscaler NSS record (event) is empty")]
        public void ABadRecord_IsAnErrorNamingItsField(string line, string reason)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("nss.json");
            File.WriteAllText(path, line + "\n{\"datetime\":\"2026-10-20 10:00:00\",\"login\":\"b@x.com\",\"hostname\":\"dropbox.com\",\"reqsize\":\"7\"}\n");
            var acc = new EventAccumulator(new HuntOptions(new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc), 30, kqlCompatible: false));
            var issues = new List<ReadIssue>();
            LogFileReader.Read(path, acc, new ReadContext { OnIssue = issues.Add });
            Assert.Contains(reason, Assert.Single(issues).Reason);
            Assert.Equal("b@x.com", Assert.Single(acc.Uploads.BuildProfiles()).UserName);
        }

        [Theory]
        [InlineData("www.dropbox.com/upload?x=1", "www.dropbox.com")]
        [InlineData("https://gist.github.com:443/a", "gist.github.com:443")]
        [InlineData("mega.nz", "mega.nz")]
        [InlineData("", null)]
        public void HostOf_TakesTheHostFromAnNssUrl(string url, string host) => Assert.Equal(host, NssNativeJson.HostOf(url));
    }
}
