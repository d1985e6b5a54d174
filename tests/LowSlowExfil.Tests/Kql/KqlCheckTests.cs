using System.Diagnostics;
using Xunit.Abstractions;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// Every query the module can write, checked by Microsoft's own KQL parser and binder (Kusto.Language in
    /// ../shared/tools/kqlcheck, with the CommonSecurityLog and OfficeActivity schemas), in one run of the tool:
    /// the hunting query and both push-down queries in both modes, default and other windows and thresholds,
    /// ordinary and odd domains (quotes, backslashes, Unicode, term separators), the whole catalogue, the halves the
    /// workspace reader asks for when it splits a range, the upload push-down over ASIM web sessions (-Schema Asim, the
    /// parser declared to the tool with the schema's columns), and the scheduled rule. No query may have an error
    /// diagnostic, and each must return the columns, with the types, that the module and the rule read.
    /// What kqlcheck cannot prove (that dcount estimates, that has is whole-term, time ranges) the SPEC and the
    /// other tests hold.
    /// </summary>
    public sealed class KqlCheckTests
    {
        private readonly ITestOutputHelper _out;
        public KqlCheckTests(ITestOutputHelper output) { _out = output; }

        private const string HuntColumns = "UserName:string, ZIA_TotalMBSent:real, ZIA_ActiveDays:long, ZIA_TotalRequests:long, ZIA_UniqueDestCnt:long, " +
            "O365_EventCount:long, O365_AnonLinks:long, O365_Operations:dynamic, DistinctChannels:long, Zscore:real";
        // What WorkspaceReader reads: names by Column(), longs by Long(), datetimes by Time().
        private const string UploadColumns = "UserName:string, Day:datetime, DestinationHostName:string, SentBytes:long, Requests:long, Negative:long, Oversized:long, " +
            "FirstSeen:datetime, LastSeen:datetime";
        private const string SharingColumns = "UserName:string, Operation:string, Events:long, AnonLinks:long, FirstEvent:datetime, LastEvent:datetime";
        private const string RuleColumns = HuntColumns + ", TopDestination:string, TopDestinationHostName:string, TopDestinationDnsDomain:string, " +
            "TopDestinationUrl:string, AlertName:string, AlertDescription:string";

        private static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

        // The ASIM web-session parser as a workspace with Sentinel's ASIM parsers has it: its filtering parameters and the
        // columns of the ASIM Web Session schema the -Schema Asim push-down reads (types as the schema documents them).
        private const string AsimWebSession = "_Im_WebSession=(starttime:datetime=datetime(null), endtime:datetime=datetime(null), " +
            "srcipaddr_has_any_prefix:dynamic=dynamic([]), ipaddr_has_any_prefix:dynamic=dynamic([]), url_has_any:dynamic=dynamic([]), " +
            "httpuseragent_has_any:dynamic=dynamic([]), eventresultdetails_in:dynamic=dynamic([]), eventresult:string=\"*\", pack:bool=false)" +
            "=>(TimeGenerated:datetime, EventVendor:string, EventProduct:string, EventResult:string, DvcAction:string, DvcOriginalAction:string, " +
            "SrcUsername:string, DstHostname:string, Url:string, SrcBytes:long, DstBytes:long)";

        private static readonly string[] OddDomains =
        {
            "dropbox.com", "quote\"d.example", "back\\slash.example\\", "bücher.example", "xn--bcher-kva.example", "日本.example",
            "tab\there.example", "new\nline.example", "'single'.example", "@\"verbatim\".example", "// comment.example",
            "x\"); OfficeActivity | take 1 //", "a.b.c.d.e.f.example", "com", "t.me", "UPPER.Example.", "host.example:8443",
        };

        private sealed class Case
        {
            public string Name;
            public string Query;
            public string Columns;
            public int MaxLength;                 // 0: no limit
            public ScheduledRule Rule;
        }

        private static IEnumerable<Case> Cases()
        {
            var catalogue = DomainCatalog.Default.AllDomains.ToList();
            var thresholds = new (string Name, FlagThresholds T)[]
            {
                ("default", new FlagThresholds()),
                ("other", new FlagThresholds { ZScore = -1.5, AnonymousLinks = 0, AnonymousLinkMinMB = 0.001, PersistenceDays = 3650, PersistenceMinMB = 1e12 }),
                ("extreme", new FlagThresholds { ZScore = 1e300, AnonymousLinks = long.MaxValue, AnonymousLinkMinMB = double.MaxValue, PersistenceDays = 0, PersistenceMinMB = 0 }),
            };
            var domainSets = new (string Name, IEnumerable<string> Domains)[]
            {
                ("rule", null),
                ("catalogue", catalogue),
                ("odd", OddDomains),
                ("one", new[] { "files.example-share.net" }),
            };
            foreach (bool kql in new[] { false, true })
            {
                string mode = kql ? "KqlCompatible" : "Intent";
                foreach (var (dname, domains) in domainSets)
                {
                    foreach (var (wname, end, days) in new (string, DateTime?, int)[] { ("now", null, 30), ("fixed", End, 30), ("day", End, 1), ("decade", End, 3650) })
                    {
                        var o = new HuntOptions(end, days, domains, kql);
                        string tag = $"{mode}-{dname}-{wname}";
                        foreach (var (tname, t) in thresholds)
                            yield return new Case { Name = $"Hunting-{tag}-{tname}", Query = KqlQueryBuilder.HuntingQuery(o, t), Columns = HuntColumns,
                                MaxLength = dname == "odd" ? 0 : ScheduledRuleLimits.MaxQueryLength };
                        yield return new Case { Name = $"UploadAggregation-{tag}", Query = KqlQueryBuilder.ZiaAggregation(o), Columns = UploadColumns };
                        yield return new Case { Name = $"UploadAggregation-Asim-{tag}", Query = KqlQueryBuilder.ZiaAggregation(o, ProxySchema.Asim), Columns = UploadColumns };
                        yield return new Case { Name = $"SharingAggregation-{tag}", Query = KqlQueryBuilder.SharingAggregation(o), Columns = SharingColumns };
                    }
                    // The halves WorkspaceReader asks for when a result is too large: bounded, and open at the window's end
                    // when the window is; down to its narrowest split (a minute).
                    var w = new HuntOptions(kql ? (DateTime?)null : End, 30, domains, kql).Window;
                    var mid = KqlMath.BinDay(new DateTime(w.Start.Ticks + (w.End.Ticks - w.Start.Ticks) / 2, DateTimeKind.Utc));
                    var halves = new (DateTime, DateTime, bool)[] { (w.Start, mid, true), (mid, w.End, w.HasUpperBound), (mid, mid + Workspace.WorkspaceReader.MinimumSplit, true) };
                    var ho = new HuntOptions(kql ? (DateTime?)null : End, 30, domains, kql);
                    int i = 0;
                    foreach (var (s, e, upper) in halves)
                    {
                        i++;
                        yield return new Case { Name = $"UploadAggregation-{mode}-{dname}-half{i}", Query = KqlQueryBuilder.ZiaAggregation(ho, s, e, upper), Columns = UploadColumns };
                        yield return new Case { Name = $"UploadAggregation-Asim-{mode}-{dname}-half{i}", Query = KqlQueryBuilder.ZiaAggregation(ho, s, e, upper, ProxySchema.Asim), Columns = UploadColumns };
                        yield return new Case { Name = $"SharingAggregation-{mode}-{dname}-half{i}", Query = KqlQueryBuilder.SharingAggregation(ho, s, e, upper), Columns = SharingColumns };
                    }
                }
            }
            // The scheduled rule: default, its shortest window, thresholds of your own, odd domains, the whole catalogue.
            foreach (var (name, domains, days, t, freq) in new (string, IEnumerable<string>, int, FlagThresholds, TimeSpan)[]
            {
                ("default", null, 14, new FlagThresholds(), TimeSpan.FromDays(1)),
                ("day", null, 1, new FlagThresholds(), TimeSpan.FromMinutes(5)),
                ("week-own-thresholds", null, 7, new FlagThresholds { ZScore = 2.5, AnonymousLinks = 5, AnonymousLinkMinMB = 0.5, PersistenceDays = 5, PersistenceMinMB = 12.5 }, TimeSpan.FromHours(6)),
                ("odd", OddDomains, 14, new FlagThresholds(), TimeSpan.FromDays(1)),
                ("catalogue", catalogue, 14, new FlagThresholds(), TimeSpan.FromDays(14)),
            })
            {
                var rule = ScheduledRule.Create(new HuntOptions(null, days, domains, false), t, days, freq, persistenceDaysGiven: name.Contains("own"), persistenceMinMBGiven: name.Contains("own"));
                yield return new Case { Name = $"Rule-{name}", Query = rule.Query, Columns = RuleColumns, MaxLength = ScheduledRuleLimits.MaxQueryLength, Rule = rule };
                using var doc = JsonDocument.Parse(rule.ToArmTemplate());
                string armQuery = doc.RootElement.GetProperty("resources")[0].GetProperty("properties").GetProperty("query").GetString();
                if (armQuery != rule.Query) throw new InvalidOperationException("the ARM template does not hold the rule's query");
            }
        }

        [Fact]
        public async System.Threading.Tasks.Task EveryQueryTheModuleWrites_ParsesAndBinds_WithTheColumnsItReads()
        {
            string tool = Path.GetFullPath(Path.Combine(TestPaths.RepoRoot, "..", "shared", "tools", "kqlcheck", "kqlcheck.dll"));
            Assert.True(File.Exists(tool), $"kqlcheck is missing: {tool} (CI has ../shared beside the clone; see ../shared/tools/kqlcheck/README.md)");
            var cases = Cases().ToList();
            Assert.True(cases.Count > 150, cases.Count + " cases");
            Assert.Equal(cases.Count, cases.Select(c => c.Name).Distinct().Count());

            using var folder = TestPaths.NewTempFolder();
            var byFile = new Dictionary<string, Case>();
            for (int i = 0; i < cases.Count; i++)
            {
                string file = folder.File($"{i:D3}-{cases[i].Name}.kql");
                File.WriteAllText(file, cases[i].Query, new System.Text.UTF8Encoding(false));
                byFile[file] = cases[i];
            }

            var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add(tool);
            psi.ArgumentList.Add("--json");
            psi.ArgumentList.Add("--function");
            psi.ArgumentList.Add(AsimWebSession);
            foreach (string f in byFile.Keys) psi.ArgumentList.Add(f);
            var sw = Stopwatch.StartNew();
            using var p = Process.Start(psi);
            var stderr = p.StandardError.ReadToEndAsync();
            var lines = new List<string>();
            string line;
            while ((line = p.StandardOutput.ReadLine()) != null) if (line.Length > 0) lines.Add(line);
            Assert.True(p.WaitForExit(120000), "kqlcheck did not finish within 2 minutes");
            _out.WriteLine($"kqlcheck checked {cases.Count} queries in {sw.Elapsed.TotalSeconds:0.0} s, exit {p.ExitCode}. {await stderr}");
            Assert.Equal(cases.Count, lines.Count);

            var failures = new List<string>();
            foreach (string json in lines)
            {
                using var doc = JsonDocument.Parse(json);
                var r = doc.RootElement;
                var c = byFile[r.GetProperty("file").GetString()];
                var errors = r.GetProperty("diagnostics").EnumerateArray().Where(d => d.GetProperty("severity").GetString() == "Error")
                    .Select(d => $"{d.GetProperty("code").GetString()} line {d.GetProperty("line").GetInt32()}: {d.GetProperty("message").GetString()} <<{d.GetProperty("text").GetString()}>>").ToList();
                foreach (var d in r.GetProperty("diagnostics").EnumerateArray().Where(d => d.GetProperty("severity").GetString() != "Error"))
                    _out.WriteLine($"{c.Name}: [{d.GetProperty("severity").GetString()}] {d.GetProperty("code").GetString()}: {d.GetProperty("message").GetString()}");
                if (errors.Count > 0) failures.Add($"{c.Name}: {string.Join("; ", errors)}");
                string result = r.GetProperty("result").ValueKind == JsonValueKind.String ? r.GetProperty("result").GetString() : null;
                if (result != c.Columns) failures.Add($"{c.Name}: returns [{result}], the module reads [{c.Columns}]");
                int length = r.GetProperty("length").GetInt32();
                if (c.MaxLength > 0 && length > c.MaxLength) failures.Add($"{c.Name}: {length} characters, more than {c.MaxLength}");
                if (c.Rule != null) failures.AddRange(MissingRuleColumns(c.Rule, result).Select(m => $"{c.Name}: {m}"));
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures));
            Assert.Equal(0, p.ExitCode);
        }

        /// <summary>Every column the rule's entities, custom details and alert formats name must be one the query returns.</summary>
        private static IEnumerable<string> MissingRuleColumns(ScheduledRule rule, string result)
        {
            var columns = new HashSet<string>((result ?? string.Empty).Split(new[] { ", " }, StringSplitOptions.RemoveEmptyEntries).Select(c => c.Split(':')[0]));
            using var doc = JsonDocument.Parse(rule.ToArmTemplate());
            var p = doc.RootElement.GetProperty("resources")[0].GetProperty("properties");
            var named = p.GetProperty("customDetails").EnumerateObject().Select(x => x.Value.GetString())
                .Concat(p.GetProperty("entityMappings").EnumerateArray().SelectMany(m => m.GetProperty("fieldMappings").EnumerateArray().Select(f => f.GetProperty("columnName").GetString())))
                .Concat(ScheduledRule.FormatParameters(p.GetProperty("alertDetailsOverride").GetProperty("alertDisplayNameFormat").GetString()))
                .Concat(ScheduledRule.FormatParameters(p.GetProperty("alertDetailsOverride").GetProperty("alertDescriptionFormat").GetString()));
            return named.Where(n => !columns.Contains(n)).Select(n => $"the rule names the column '{n}', which the query does not return").ToList();
        }
    }
}
