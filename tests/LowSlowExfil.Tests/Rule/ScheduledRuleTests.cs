using System.Xml;
using YamlDotNet.RepresentationModel;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// The exported scheduled rule (Export-LowSlowExfilRule) against what Sentinel documents and enforces: the
    /// resource's schema (Microsoft.SecurityInsights/alertRules, stable 2024-09-01, AlertRules.json in
    /// azure-rest-api-specs) and the limits of Microsoft's template validation in the Sentinel content repository
    /// (.script/tests/detectionTemplateSchemaValidation). Both are written down here as data, from those sources,
    /// so the template is held to them and not to the code that wrote it. That the query parses and binds, and
    /// returns every column the rule names, is KqlCheckTests' part.
    /// </summary>
    public sealed class ScheduledRuleTests
    {
        // ───────────── the resource's schema, from AlertRules.json (2024-09-01) and common/AlertTypes.json ─────────────

        private static readonly string[] RuleRequired =
            { "displayName", "enabled", "severity", "query", "queryFrequency", "queryPeriod", "triggerOperator", "triggerThreshold", "suppressionEnabled", "suppressionDuration" };

        // ScheduledAlertRuleProperties with ScheduledAlertRuleCommonProperties (lastModifiedUtc is read-only: not to be sent).
        private static readonly Dictionary<string, JsonValueKind> RuleProperties = new Dictionary<string, JsonValueKind>
        {
            ["query"] = JsonValueKind.String, ["queryFrequency"] = JsonValueKind.String, ["queryPeriod"] = JsonValueKind.String,
            ["severity"] = JsonValueKind.String, ["triggerOperator"] = JsonValueKind.String, ["triggerThreshold"] = JsonValueKind.Number,
            ["eventGroupingSettings"] = JsonValueKind.Object, ["customDetails"] = JsonValueKind.Object, ["entityMappings"] = JsonValueKind.Array,
            ["alertDetailsOverride"] = JsonValueKind.Object, ["alertRuleTemplateName"] = JsonValueKind.String, ["templateVersion"] = JsonValueKind.String,
            ["description"] = JsonValueKind.String, ["displayName"] = JsonValueKind.String, ["enabled"] = JsonValueKind.True,
            ["suppressionDuration"] = JsonValueKind.String, ["suppressionEnabled"] = JsonValueKind.False, ["tactics"] = JsonValueKind.Array,
            ["techniques"] = JsonValueKind.Array, ["incidentConfiguration"] = JsonValueKind.Object,
        };

        private static readonly string[] Severities = { "High", "Medium", "Low", "Informational" };
        private static readonly string[] TriggerOperators = { "GreaterThan", "LessThan", "Equal", "NotEqual" };
        private static readonly string[] AttackTactics =
        {
            "Reconnaissance", "ResourceDevelopment", "InitialAccess", "Execution", "Persistence", "PrivilegeEscalation", "DefenseEvasion",
            "CredentialAccess", "Discovery", "LateralMovement", "Collection", "Exfiltration", "CommandAndControl", "Impact", "PreAttack",
            "ImpairProcessControl", "InhibitResponseFunction",
        };
        private static readonly string[] EntityMappingTypes =
        {
            "Account", "Host", "IP", "Malware", "File", "Process", "CloudApplication", "DNS", "AzureResource", "FileHash", "RegistryKey",
            "RegistryValue", "SecurityGroup", "URL", "Mailbox", "MailCluster", "MailMessage", "SubmissionMail",
        };
        private static readonly string[] AggregationKinds = { "SingleAlert", "AlertPerResult" };
        private static readonly string[] MatchingMethods = { "AllEntities", "AnyAlert", "Selected" };
        private static readonly string[] AlertDetails = { "DisplayName", "Severity" };
        private static readonly string[] AlertDetailsOverrideProperties = { "alertDisplayNameFormat", "alertDescriptionFormat", "alertTacticsColumnName", "alertSeverityColumnName", "alertDynamicProperties" };
        private static readonly string[] GroupingRequired = { "enabled", "reopenClosedIncident", "lookbackDuration", "matchingMethod" };
        private static readonly string[] GroupingProperties = GroupingRequired.Concat(new[] { "groupByEntities", "groupByAlertDetails", "groupByCustomDetails" }).ToArray();

        // ───────────── the content repository's validation (EntityMappingIdentifiers, ValidEntityMappings, …) ─────────────

        private static readonly Dictionary<string, (string[] Valid, string[][] Required)> Identifiers = new Dictionary<string, (string[], string[][])>
        {
            ["Account"] = (new[] { "Name", "FullName", "NTDomain", "DnsDomain", "UPNSuffix", "Sid", "AadTenantId", "AadUserId", "PUID", "IsDomainJoined", "DisplayName", "ObjectGuid" },
                new[] { new[] { "FullName" }, new[] { "Sid" }, new[] { "Name" }, new[] { "AadUserId" }, new[] { "PUID" }, new[] { "ObjectGuid" } }),
            ["Host"] = (new[] { "DnsDomain", "NTDomain", "HostName", "FullName", "NetBiosName", "AzureID", "OMSAgentID", "OSFamily", "OSVersion", "IsDomainJoined" },
                new[] { new[] { "FullName" }, new[] { "HostName" }, new[] { "NetBiosName" }, new[] { "AzureID" }, new[] { "OMSAgentID" } }),
            ["URL"] = (new[] { "Url" }, new[] { new[] { "Url" } }),
        };
        private static readonly Regex ColumnName = new Regex(@"^[a-zA-Z_]+\w*$");
        private static readonly Regex CustomDetailKey = new Regex(@"^[a-zA-Z]+\w*$");
        // KillChainTechniquesHelper: T1041 and T1567 belong to Exfiltration only.
        private static readonly Dictionary<string, string> TechniqueTactic = new Dictionary<string, string> { ["T1041"] = "Exfiltration", ["T1567"] = "Exfiltration" };

        private static ScheduledRule Rule(IEnumerable<string> domains = null, int days = 14, TimeSpan? frequency = null) =>
            ScheduledRule.Create(new HuntOptions(null, days, domains, kqlCompatible: false), new FlagThresholds(), days, frequency ?? TimeSpan.FromDays(1));

        [Fact]
        public void TheArmTemplate_HasTheResourcesDocumentedShape()
        {
            var rule = Rule();
            using var doc = JsonDocument.Parse(rule.ToArmTemplate());
            var root = doc.RootElement;
            Assert.Equal(new[] { "$schema", "contentVersion", "parameters", "resources" }, root.EnumerateObject().Select(p => p.Name));
            Assert.Equal("string", root.GetProperty("parameters").GetProperty("workspace").GetProperty("type").GetString());
            var resource = Assert.Single(root.GetProperty("resources").EnumerateArray());
            Assert.Equal("Microsoft.SecurityInsights/alertRules", resource.GetProperty("type").GetString());
            Assert.Equal("2024-09-01", resource.GetProperty("apiVersion").GetString());
            Assert.Equal("Scheduled", resource.GetProperty("kind").GetString());
            Assert.True(Guid.TryParse(resource.GetProperty("name").GetString(), out _), "the rule id is a GUID");
            // An extension resource of the workspace named by the template's parameter.
            Assert.Equal("[format('Microsoft.OperationalInsights/workspaces/{0}', parameters('workspace'))]", resource.GetProperty("scope").GetString());

            var p = resource.GetProperty("properties");
            foreach (var prop in p.EnumerateObject())
            {
                Assert.True(RuleProperties.TryGetValue(prop.Name, out var kind), $"'{prop.Name}' is not a property of a Scheduled alert rule");
                if (kind == JsonValueKind.True || kind == JsonValueKind.False) Assert.True(prop.Value.ValueKind == JsonValueKind.True || prop.Value.ValueKind == JsonValueKind.False, prop.Name);
                else Assert.Equal(kind, prop.Value.ValueKind);
            }
            foreach (string required in RuleRequired) Assert.True(p.TryGetProperty(required, out _), $"'{required}' is required");
            Assert.Contains(p.GetProperty("severity").GetString(), Severities);
            Assert.Contains(p.GetProperty("triggerOperator").GetString(), TriggerOperators);
            Assert.All(p.GetProperty("tactics").EnumerateArray(), t => Assert.Contains(t.GetString(), AttackTactics));
            Assert.Equal(new[] { "Exfiltration" }, p.GetProperty("tactics").EnumerateArray().Select(t => t.GetString()));
            // Techniques are T#### (sub-techniques have no place in this API version) and each belongs to a tactic given.
            Assert.All(p.GetProperty("techniques").EnumerateArray(), t =>
            {
                Assert.Matches(@"^T\d{4}$", t.GetString());
                Assert.Contains(TechniqueTactic[t.GetString()], p.GetProperty("tactics").EnumerateArray().Select(x => x.GetString()));
            });
            Assert.Equal(new[] { "T1041", "T1567" }, p.GetProperty("techniques").EnumerateArray().Select(t => t.GetString()));
            foreach (string d in new[] { "queryFrequency", "queryPeriod", "suppressionDuration" }) XmlConvert.ToTimeSpan(p.GetProperty(d).GetString());

            var details = p.GetProperty("alertDetailsOverride");
            Assert.All(details.EnumerateObject(), x => Assert.Contains(x.Name, AlertDetailsOverrideProperties));
            Assert.All(p.GetProperty("customDetails").EnumerateObject(), x => Assert.Equal(JsonValueKind.String, x.Value.ValueKind));
            foreach (var m in p.GetProperty("entityMappings").EnumerateArray())
            {
                Assert.Equal(new[] { "entityType", "fieldMappings" }, m.EnumerateObject().Select(x => x.Name));
                Assert.Contains(m.GetProperty("entityType").GetString(), EntityMappingTypes);
                Assert.All(m.GetProperty("fieldMappings").EnumerateArray(), f => Assert.Equal(new[] { "identifier", "columnName" }, f.EnumerateObject().Select(x => x.Name)));
            }
            Assert.Contains(p.GetProperty("eventGroupingSettings").GetProperty("aggregationKind").GetString(), AggregationKinds);
            var incident = p.GetProperty("incidentConfiguration");
            Assert.True(incident.GetProperty("createIncident").ValueKind == JsonValueKind.True);
            var grouping = incident.GetProperty("groupingConfiguration");
            Assert.All(grouping.EnumerateObject(), x => Assert.Contains(x.Name, GroupingProperties));
            foreach (string required in GroupingRequired) Assert.True(grouping.TryGetProperty(required, out _), $"groupingConfiguration.{required} is required");
            Assert.Contains(grouping.GetProperty("matchingMethod").GetString(), MatchingMethods);
            XmlConvert.ToTimeSpan(grouping.GetProperty("lookbackDuration").GetString());
            Assert.All(grouping.GetProperty("groupByEntities").EnumerateArray(), e => Assert.Contains(e.GetString(), p.GetProperty("entityMappings").EnumerateArray().Select(m => m.GetProperty("entityType").GetString())));
            Assert.All(grouping.GetProperty("groupByAlertDetails").EnumerateArray(), e => Assert.Contains(e.GetString(), AlertDetails));

            // ARM evaluates a string that starts with '[' as an expression: only the scope may.
            foreach (var s in Strings(root).Where(s => s.StartsWith("[", StringComparison.Ordinal)))
                Assert.StartsWith("[format('Microsoft.OperationalInsights/workspaces/", s);
        }

        [Fact]
        public void TheRule_KeepsTheDocumentedLimits()
        {
            var rule = Rule(DomainCatalog.Default.AllDomains);
            using var doc = JsonDocument.Parse(rule.ToArmTemplate());
            var p = doc.RootElement.GetProperty("resources")[0].GetProperty("properties");

            Assert.InRange(p.GetProperty("query").GetString().Length, 1, 10000);
            Assert.InRange(p.GetProperty("displayName").GetString().Length, 1, 256);
            Assert.InRange(p.GetProperty("description").GetString().Length, 1, 5000);
            var frequency = XmlConvert.ToTimeSpan(p.GetProperty("queryFrequency").GetString());
            var period = XmlConvert.ToTimeSpan(p.GetProperty("queryPeriod").GetString());
            Assert.InRange(frequency, TimeSpan.FromMinutes(5), TimeSpan.FromDays(14));
            Assert.InRange(period, TimeSpan.FromMinutes(5), TimeSpan.FromDays(14));
            Assert.True(period >= frequency, "queryPeriod must be at least queryFrequency");
            if (period.TotalDays >= 2) Assert.True(frequency.TotalHours >= 1, "a period of 2 days or more needs a frequency of at least 1 hour");
            Assert.Equal(TimeSpan.FromDays(14), period);
            Assert.Equal(TimeSpan.FromDays(1), frequency);

            var details = p.GetProperty("alertDetailsOverride");
            string name = details.GetProperty("alertDisplayNameFormat").GetString(), description = details.GetProperty("alertDescriptionFormat").GetString();
            Assert.InRange(name.Length, 1, 256);
            Assert.InRange(description.Length, 1, 5000);
            Assert.InRange(Placeholders(name).Count, 0, 3);
            Assert.InRange(Placeholders(description).Count, 0, 3);

            var custom = p.GetProperty("customDetails").EnumerateObject().ToList();
            Assert.InRange(custom.Count, 1, 20);
            Assert.All(custom, c =>
            {
                Assert.InRange(c.Name.Length, 1, 20);
                Assert.Matches(CustomDetailKey, c.Name);
                Assert.Matches(ColumnName, c.Value.GetString());
            });

            var mappings = p.GetProperty("entityMappings").EnumerateArray().ToList();
            Assert.InRange(mappings.Count, 1, 5);
            foreach (var m in mappings)
            {
                var (valid, required) = Identifiers[m.GetProperty("entityType").GetString()];
                var fields = m.GetProperty("fieldMappings").EnumerateArray().ToList();
                Assert.InRange(fields.Count, 1, 3);
                var used = fields.Select(f => f.GetProperty("identifier").GetString()).ToList();
                Assert.All(used, u => Assert.Contains(u, valid));
                Assert.Equal(used.Count, used.Distinct().Count());
                Assert.Contains(required, set => set.All(used.Contains));
                Assert.All(fields, f => Assert.Matches(ColumnName, f.GetProperty("columnName").GetString()));
            }
            // The entities the issue asks for: the user, and the destination as a Host and a URL.
            Assert.Equal(new[] { "Account", "Host", "URL" }, mappings.Select(m => m.GetProperty("entityType").GetString()));
        }

        [Fact]
        public void TheRulesTexts_NeedNoMoreThanThreeParameters()
        {
            // The rule's own alert name names four columns and its description five: refused as "AlertDescriptionFormat
            // has 4 parameters, max is 3". The texts are written by the query instead.
            Assert.Equal(4, Placeholders(ExfilRule.AlertDisplayNameFormat.Replace("{", "{{").Replace("}", "}}")).Count);
            Assert.Equal(5, Placeholders(ExfilRule.AlertDescriptionFormat.Replace("{", "{{").Replace("}", "}}")).Count);
            Assert.Equal(new[] { "AlertName" }, ScheduledRule.FormatParameters(ScheduledRule.AlertNameFormat));
            Assert.Equal(new[] { "AlertDescription" }, ScheduledRule.FormatParameters(ScheduledRule.AlertDescriptionFormat));
            string q = Rule().Query;
            Assert.Contains("\"Low & Slow Exfil Candidate - \", UserName, \" (z=\", Zscore, \", \", ZIA_TotalMBSent, \" MB over \", ZIA_ActiveDays, \" days)\"", q);
            Assert.Contains("Anonymous links created: ", q);
        }

        [Fact]
        public void TheQuery_MovesWithTheClock_AndLooksBackTheRulesPeriod()
        {
            string q = Rule(days: 7, frequency: TimeSpan.FromHours(6)).Query;
            Assert.Contains("let HuntWindow = 7d;", q);
            Assert.Equal(2, Regex.Matches(q, @"\| where TimeGenerated > ago\(HuntWindow\)$", RegexOptions.Multiline).Count);
            Assert.DoesNotContain("datetime(", q);
        }

        [Fact]
        public void TheContentYaml_ReadsBackAsTheSameRule()
        {
            string[] odd = { "dropbox.com", "quote\"d.example", "back\\slash.example", "bücher.example", "hash#tag.example", "colon: space.example", "'single'.example", "- dash.example" };
            var rule = Rule(odd);
            var yaml = new YamlStream();
            using (var reader = new System.IO.StringReader(rule.ToContentYaml())) yaml.Load(reader);
            var root = (YamlMappingNode)yaml.Documents.Single().RootNode;
            string S(string key) => ((YamlScalarNode)root.Children[new YamlScalarNode(key)]).Value;
            YamlSequenceNode Seq(string key) => (YamlSequenceNode)root.Children[new YamlScalarNode(key)];

            Assert.True(Guid.TryParse(S("id"), out var id));
            Assert.Equal(ScheduledRule.RuleId, id);
            Assert.Equal(rule.Query, S("query"));                                  // the block scalar keeps the query as it is
            Assert.Equal(rule.Description, S("description").TrimEnd('\n'));
            Assert.InRange(S("name").Length, 1, 256);
            Assert.Equal("High", S("severity"));
            Assert.Equal("Scheduled", S("kind"));
            Assert.Matches(@"^\d+\.\d+\.\d+$", S("version"));
            Assert.Equal("gt", S("triggerOperator"));
            Assert.Equal("0", S("triggerThreshold"));
            Assert.Equal(TimeSpan.FromDays(1), ContentRepoTimeSpan(S("queryFrequency")));
            Assert.Equal(TimeSpan.FromDays(14), ContentRepoTimeSpan(S("queryPeriod")));
            Assert.Equal(new[] { "Exfiltration" }, Seq("tactics").Children.Select(n => ((YamlScalarNode)n).Value));
            Assert.Equal(new[] { "T1041", "T1567", "T1567.002" }, Seq("relevantTechniques").Children.Select(n => ((YamlScalarNode)n).Value));
            var dataTypes = Seq("requiredDataConnectors").Children.Cast<YamlMappingNode>()
                .SelectMany(c => ((YamlSequenceNode)c.Children[new YamlScalarNode("dataTypes")]).Children.Select(n => ((YamlScalarNode)n).Value));
            Assert.Equal(new[] { "CommonSecurityLog", "OfficeActivity" }, dataTypes);

            // The same entities, custom details and alert texts as the ARM template.
            using var arm = JsonDocument.Parse(rule.ToArmTemplate());
            var p = arm.RootElement.GetProperty("resources")[0].GetProperty("properties");
            Assert.Equal(p.GetProperty("query").GetString(), S("query"));
            var yamlCustom = ((YamlMappingNode)root.Children[new YamlScalarNode("customDetails")]).Children.Select(kv => ((YamlScalarNode)kv.Key).Value + "=" + ((YamlScalarNode)kv.Value).Value);
            Assert.Equal(p.GetProperty("customDetails").EnumerateObject().Select(x => x.Name + "=" + x.Value.GetString()), yamlCustom);
            var yamlEntities = Seq("entityMappings").Children.Cast<YamlMappingNode>().Select(m =>
                ((YamlScalarNode)m.Children[new YamlScalarNode("entityType")]).Value + ":" + string.Join(",",
                    ((YamlSequenceNode)m.Children[new YamlScalarNode("fieldMappings")]).Children.Cast<YamlMappingNode>()
                        .Select(f => ((YamlScalarNode)f.Children[new YamlScalarNode("identifier")]).Value + "=" + ((YamlScalarNode)f.Children[new YamlScalarNode("columnName")]).Value)));
            Assert.Equal(p.GetProperty("entityMappings").EnumerateArray().Select(m => m.GetProperty("entityType").GetString() + ":" + string.Join(",",
                m.GetProperty("fieldMappings").EnumerateArray().Select(f => f.GetProperty("identifier").GetString() + "=" + f.GetProperty("columnName").GetString()))), yamlEntities);
            var yamlDetails = (YamlMappingNode)root.Children[new YamlScalarNode("alertDetailsOverride")];
            Assert.Equal(p.GetProperty("alertDetailsOverride").GetProperty("alertDisplayNameFormat").GetString(), ((YamlScalarNode)yamlDetails.Children[new YamlScalarNode("alertDisplayNameFormat")]).Value);
            Assert.Equal(p.GetProperty("alertDetailsOverride").GetProperty("alertDescriptionFormat").GetString(), ((YamlScalarNode)yamlDetails.Children[new YamlScalarNode("alertDescriptionFormat")]).Value);
        }

        [Fact]
        public void ACharacterYamlCannotHoldUnescaped_IsRefused_NotWrittenBroken()
        {
            var rule = Rule(new[] { "dropbox.com", "next\u0085line.example" });
            var e = Assert.Throws<ArgumentException>(() => rule.ToContentYaml());
            Assert.Contains("U+0085", e.Message);
            // The ARM template escapes it and reads back the same.
            using var doc = JsonDocument.Parse(rule.ToArmTemplate());
            Assert.Equal(rule.Query, doc.RootElement.GetProperty("resources")[0].GetProperty("properties").GetProperty("query").GetString());
        }

        // ───────────────────────── the window ─────────────────────────

        [Fact]
        public void ThresholdsThatDependOnTheWindow_AreScaled_WithAWarningOfWhatTheRuleCannotSee()
        {
            var rule = Rule();
            Assert.Equal(10, rule.Thresholds.PersistenceDays);          // 20 of 30 days → 10 of 14 (9.33 rounded up)
            Assert.Equal(23.33, rule.Thresholds.PersistenceMinMB);      // 50 MB over 30 days → 23.33 MB over 14
            Assert.Equal(FlagThresholds.DefaultZScore, rule.Thresholds.ZScore);
            Assert.Equal(FlagThresholds.DefaultAnonymousLinks, rule.Thresholds.AnonymousLinks);
            Assert.Contains("or (ZIA_ActiveDays >= 10 and ZIA_TotalMBSent > 23.33)", rule.Query);
            string warning = Assert.Single(rule.Warnings);
            Assert.Contains("10 active days (from 20)", warning);
            Assert.Contains("23.33 MB (from 50 MB)", warning);
            Assert.Contains("runbook", warning);
        }

        [Fact]
        public void GivenPersistenceThresholds_AreKept()
        {
            var given = new FlagThresholds { PersistenceDays = 12, PersistenceMinMB = 40 };
            var rule = ScheduledRule.Create(new HuntOptions(null, 14, null, false), given, 14, TimeSpan.FromDays(1), persistenceDaysGiven: true, persistenceMinMBGiven: true);
            Assert.Equal(12, rule.Thresholds.PersistenceDays);
            Assert.Equal(40, rule.Thresholds.PersistenceMinMB);
            Assert.DoesNotContain("scaled", Assert.Single(rule.Warnings));
        }

        [Theory]
        [InlineData(14, 16)]   // 14 days touch at most 15 UTC days
        [InlineData(14, 20)]   // the rule's own 20: why its P30D rule cannot simply be cut to 14 days
        [InlineData(1, 3)]
        public void APersistenceTheWindowCanNeverReach_IsRefused(int days, long persistenceDays)
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => ScheduledRule.Create(new HuntOptions(null, days, null, false),
                new FlagThresholds { PersistenceDays = persistenceDays }, days, TimeSpan.FromHours(1), persistenceDaysGiven: true));
            Assert.Contains($"at most {days + 1} UTC days", e.Message);
        }

        [Theory]
        [InlineData(30, 24 * 60, "at most 14 days")]
        [InlineData(15, 24 * 60, "at most 14 days")]
        [InlineData(14, 4, "every 5 minutes")]
        [InlineData(14, 30, "once an hour")]
        [InlineData(2, 3 * 24 * 60, "at most -Days")]
        public void AScheduleSentinelRefuses_IsRefusedHere_WithTheReason(int days, int frequencyMinutes, string reason)
        {
            var e = Assert.ThrowsAny<ArgumentException>(() => ScheduledRule.Create(new HuntOptions(null, days, null, false), new FlagThresholds(), days, TimeSpan.FromMinutes(frequencyMinutes)));
            Assert.Contains(reason, e.Message);
        }

        [Fact]
        public void AQueryPastTenThousandCharacters_IsRefused_NotExported()
        {
            var many = Enumerable.Range(1, 400).Select(i => $"upload-host-{i}.some-file-sharing-service-{i}.example");
            var e = Assert.Throws<ArgumentException>(() => Rule(many));
            Assert.Contains("10,000", e.Message);
            Assert.Contains("400 destination domains", e.Message);
        }

        // ───────────────────────── helpers ─────────────────────────

        /// <summary>MaxAmountOfDynamicContentPlaceHoldersAttribute's count: {{…}} without braces inside.</summary>
        private static List<string> Placeholders(string format) =>
            Regex.Matches(format, "{{([^{}]*)}}").Cast<Match>().Select(m => m.Groups[1].Value).ToList();

        /// <summary>ScheduledTemplateTimeSpanConverter: a TimeSpan, or &lt;number&gt;&lt;m|h|d&gt;.</summary>
        private static TimeSpan ContentRepoTimeSpan(string value)
        {
            if (TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var t)) return t;
            int n = int.Parse(value.Substring(0, value.Length - 1), CultureInfo.InvariantCulture);
            switch (value[value.Length - 1])
            {
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'd': return TimeSpan.FromDays(n);
                default: throw new FormatException("<number><m|h|d> expected: " + value);
            }
        }

        private static IEnumerable<string> Strings(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.String: yield return e.GetString(); break;
                case JsonValueKind.Object: foreach (var p in e.EnumerateObject()) foreach (var s in Strings(p.Value)) yield return s; break;
                case JsonValueKind.Array: foreach (var x in e.EnumerateArray()) foreach (var s in Strings(x)) yield return s; break;
            }
        }
    }
}
