using System.Diagnostics;
using System.Text.Json.Nodes;
using Json.Schema;
using LowSlowExfil.Reporting;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// The deployment template: its table, stream and analytics rule agree with what Send-LowSlowExfilResult
    /// sends, and the rule's query parses and binds (kqlcheck, Microsoft's KQL parser) over the custom table.
    /// </summary>
    public sealed class DeploymentTemplateTests
    {
        private static readonly JsonElement Template = JsonDocument.Parse(DeploymentTemplate.ToJson()).RootElement;

        private static JsonElement Resource(string type) =>
            Template.GetProperty("resources").EnumerateArray().Single(r => r.GetProperty("type").GetString() == type);

        private static string[] Columns(JsonElement cols) =>
            cols.EnumerateArray().Select(c => c.GetProperty("name").GetString() + ":" + c.GetProperty("type").GetString()).ToArray();

        private static readonly string[] Sent = IngestionRecord.Columns.Select(c => c.Key + ":" + c.Value).ToArray();

        /// <summary>The table's column types: the same as the stream's but for dateTime, which the table's enum spells with a capital T.</summary>
        private static readonly string[] TableColumns = IngestionRecord.Columns.Select(c => c.Key + ":" + (c.Value == "datetime" ? "dateTime" : c.Value)).ToArray();

        [Fact]
        public void TableAndStream_DeclareExactlyTheColumnsSent()
        {
            var table = Resource("Microsoft.OperationalInsights/workspaces/tables");
            Assert.Equal(TableColumns, Columns(table.GetProperty("properties").GetProperty("schema").GetProperty("columns")));
            Assert.Equal(IngestionRecord.TableName, table.GetProperty("properties").GetProperty("schema").GetProperty("name").GetString());

            var dcr = Resource("Microsoft.Insights/dataCollectionRules").GetProperty("properties");
            Assert.Equal(Sent, Columns(dcr.GetProperty("streamDeclarations").GetProperty(IngestionRecord.StreamName).GetProperty("columns")));
            var flow = Assert.Single(dcr.GetProperty("dataFlows").EnumerateArray());
            Assert.Equal(IngestionRecord.StreamName, flow.GetProperty("outputStream").GetString());
            Assert.Equal("workspace", flow.GetProperty("destinations")[0].GetString());
        }

        [Fact]
        public void RoleAssignment_IsMonitoringMetricsPublisher_OnTheRule_ForTheAutomationIdentity()
        {
            var ra = Resource("Microsoft.Authorization/roleAssignments");
            Assert.Contains("dataCollectionRules", ra.GetProperty("scope").GetString());
            var p = ra.GetProperty("properties");
            Assert.Contains("3913510d-42f4-4e42-8a64-420c390055eb", p.GetProperty("roleDefinitionId").GetString());
            Assert.Equal("[parameters('automationPrincipalId')]", p.GetProperty("principalId").GetString());
        }

        [Fact]
        public void AnalyticsRule_MapsColumnsTheQueryReturns()
        {
            var p = Resource("Microsoft.SecurityInsights/alertRules").GetProperty("properties");
            Assert.Equal(DeploymentTemplate.RuleQuery, p.GetProperty("query").GetString());
            Assert.Equal("AlertPerResult", p.GetProperty("eventGroupingSettings").GetProperty("aggregationKind").GetString());
            var mapped = p.GetProperty("entityMappings").EnumerateArray().SelectMany(e => e.GetProperty("fieldMappings").EnumerateArray())
                .Select(f => f.GetProperty("columnName").GetString())
                .Concat(p.GetProperty("customDetails").EnumerateObject().Select(c => c.Value.GetString()));
            string result = KqlCheck(out string report);
            foreach (string column in mapped) Assert.Contains(column + ":", result);
            Assert.Contains("{{AlertDisplayName}}", p.GetProperty("alertDetailsOverride").GetProperty("alertDisplayNameFormat").GetString());
        }

        // ───────────────────────── the resources' documented shapes ─────────────────────────

        /// <summary>
        /// Schemas/deployment-resources.schema.json: required properties, enums, types and property names of each
        /// resource at the api-version the template writes, read by hand from Azure/azure-resource-manager-schemas
        /// (the file's $comment names the snapshot and files), checked here by an independent JSON Schema validator.
        /// </summary>
        private static JsonSchema DocumentedShapes() => Shapes.Value;

        // Built once: the validator registers a schema by its $id and refuses a second one.
        private static readonly Lazy<JsonSchema> Shapes = new Lazy<JsonSchema>(() =>
            JsonSchema.FromText(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "tests", "LowSlowExfil.Tests", "Schemas", "deployment-resources.schema.json"))));

        private static string[] Violations(JsonSchema schema, string templateJson)
        {
            using var doc = JsonDocument.Parse(templateJson);
            var result = schema.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical });
            var found = new System.Collections.Generic.List<string>();
            Collect(result, found);
            if (!result.IsValid && found.Count == 0) found.Add("invalid, with no detail");
            return found.ToArray();
        }

        // Only down failing branches: a failed alternative of a passing anyOf, or a failed 'if', is no violation.
        private static void Collect(EvaluationResults r, System.Collections.Generic.List<string> found)
        {
            if (r.IsValid) return;
            if (r.Errors != null)
                foreach (var e in r.Errors) found.Add($"{r.InstanceLocation} ({r.EvaluationPath}): {e.Key} {e.Value}");
            if (r.Details != null)
                foreach (var d in r.Details) Collect(d, found);
        }

        [Fact]
        public void Template_MatchesTheResourcesDocumentedSchemas()
        {
            string[] problems = Violations(DocumentedShapes(), DeploymentTemplate.ToJson());
            Assert.True(problems.Length == 0, "The template departs from the documented resource schemas:\n" + string.Join("\n", problems));
        }

        /// <summary>The schema check is not vacuous: each of these departures from the documentation is caught.</summary>
        [Theory]
        [InlineData("table column type spelt as the stream spells it", "tables", "properties.schema.columns.1.type", "\"datetime\"")]
        [InlineData("stream column type spelt as the table spells it", "dataCollectionRules", "properties.streamDeclarations.Custom-LowSlowExfil_CL.columns.0.type", "\"dateTime\"")]
        [InlineData("retention beyond the table's range", "tables", "properties.retentionInDays", "1000")]
        [InlineData("severity not in the enum", "alertRules", "properties.severity", "\"Critical\"")]
        [InlineData("misspelt rule property ARM would ignore", "alertRules", "properties.queryFrequncy", "\"PT1H\"")]
        [InlineData("entity type not in the enum", "alertRules", "properties.entityMappings.0.entityType", "\"User\"")]
        [InlineData("tactic not in the enum", "alertRules", "properties.tactics.0", "\"Exfil\"")]
        [InlineData("duration not ISO 8601", "alertRules", "properties.queryPeriod", "\"2h\"")]
        [InlineData("principal type not in the enum", "roleAssignments", "properties.principalType", "\"ManagedIdentity\"")]
        [InlineData("api-version the facts were not read at", "dataCollectionRules", "apiVersion", "\"2021-09-01-preview\"")]
        [InlineData("public access not in the enum", "dataCollectionEndpoints", "properties.networkAcls.publicNetworkAccess", "\"Open\"")]
        [InlineData("stream name neither Microsoft- nor Custom-", "dataCollectionRules", "properties.dataFlows.0.streams.0", "\"LowSlowExfil_CL\"")]
        public void Template_WithADeparture_IsCaught(string why, string resource, string path, string valueJson)
        {
            var template = JsonNode.Parse(DeploymentTemplate.ToJson());
            JsonNode node = template["resources"].AsArray().Single(r => r["type"].GetValue<string>().EndsWith("/" + resource, StringComparison.Ordinal));
            string[] steps = path.Split('.');
            foreach (string step in steps.Take(steps.Length - 1))
                node = int.TryParse(step, out int i) ? node[i] : node[step];
            string last = steps[steps.Length - 1];
            if (int.TryParse(last, out int k)) node[k] = JsonNode.Parse(valueJson); else node[last] = JsonNode.Parse(valueJson);

            Assert.True(Violations(DocumentedShapes(), template.ToJsonString()).Length > 0, $"Not caught: {why}.");
        }

        [Fact]
        public void Template_WithAResourceWithoutDocumentedFacts_IsCaught()
        {
            var template = JsonNode.Parse(DeploymentTemplate.ToJson());
            template["resources"].AsArray().Add(new JsonObject { ["type"] = "Microsoft.Automation/automationAccounts", ["apiVersion"] = "2023-11-01", ["name"] = "x" });
            Assert.NotEmpty(Violations(DocumentedShapes(), template.ToJsonString()));
        }

        [Fact]
        public void RetentionParameter_CarriesTheTablesDocumentedRange()
        {
            // ARM checks a parameter's range before it deploys anything: the table's 4..730 days, stated on the parameter.
            var p = Template.GetProperty("parameters").GetProperty("retentionInDays");
            Assert.Equal(4, p.GetProperty("minValue").GetInt32());
            Assert.Equal(730, p.GetProperty("maxValue").GetInt32());
        }

        // ───────────────────────── Bicep ─────────────────────────

        /// <summary>
        /// The -Format Bicep output compiles with Microsoft's Bicep compiler (the Azure.Bicep.CommandLine package's
        /// binary) with no error and no warning, its own type checks against Azure's resource types and its linter
        /// included, and compiles to the ARM template's parameters, resources and outputs: the two formats deploy the
        /// same thing.
        /// </summary>
        [Fact]
        public void Bicep_CompilesWithMicrosoftsCompiler_ToTheArmTemplate()
        {
            var dir = Directory.CreateTempSubdirectory("lowslowexfil-bicep-");
            try
            {
                string file = Path.Combine(dir.FullName, "lowslowexfil.bicep");
                File.WriteAllText(file, DeploymentBicep.ToBicep());
                string compiled = BicepBuild(file, out string diagnostics);
                Assert.True(diagnostics.Trim().Length == 0, "The Bicep compiler reports:\n" + diagnostics + "\n" + File.ReadAllText(file));

                var arm = JsonNode.Parse(DeploymentTemplate.ToJson());
                var fromBicep = JsonNode.Parse(compiled);
                Assert.True(JsonNode.DeepEquals(arm["parameters"], fromBicep["parameters"]), "parameters differ:\n" + fromBicep["parameters"]);
                Assert.True(JsonNode.DeepEquals(arm["outputs"], fromBicep["outputs"]), "outputs differ:\n" + fromBicep["outputs"]);
                var theirs = fromBicep["resources"].AsArray();
                Assert.Equal(arm["resources"].AsArray().Count, theirs.Count);
                foreach (var mine in arm["resources"].AsArray().Select(r => r.AsObject()))
                {
                    string type = mine["type"].GetValue<string>();
                    var other = theirs.Single(r => r["type"].GetValue<string>() == type).AsObject();
                    Assert.Equal(mine.Select(p => p.Key).OrderBy(k => k), other.Select(p => p.Key).OrderBy(k => k));
                    foreach (var p in mine)
                    {
                        if (p.Key == "dependsOn")
                            Assert.Equal(p.Value.AsArray().Select(d => d.GetValue<string>()).OrderBy(d => d), other["dependsOn"].AsArray().Select(d => d.GetValue<string>()).OrderBy(d => d));
                        else
                            Assert.True(JsonNode.DeepEquals(p.Value, other[p.Key]), $"{type} {p.Key} differs:\n{p.Value.ToJsonString()}\n{other[p.Key]?.ToJsonString()}");
                    }
                }
            }
            finally
            {
                dir.Delete(true);
            }
        }

        [Theory]
        [InlineData("plain", "'plain'")]
        [InlineData("it's", "'it\\'s'")]
        [InlineData("a\\b", "'a\\\\b'")]
        [InlineData("${x} and $y", "'\\${x} and $y'")]
        [InlineData("line\nnext", "'line\\nnext'")]
        public void BicepLiteral_EscapesWhatBicepWouldRead(string text, string expected)
        {
            Assert.Equal(expected, DeploymentBicep.Literal(text));
        }

        private static string BicepBuild(string file, out string diagnostics)
        {
            string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            if (string.IsNullOrEmpty(packages)) packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            string tool = Path.Combine(packages, "azure.bicep.commandline.linux-x64", "0.49.2", "tools", "bicep");
            Assert.True(File.Exists(tool), $"The Bicep compiler is missing at {tool} (restore tests/LowSlowExfil.Tests: its PackageDownload brings it).");
            var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in new[] { "build", file, "--stdout" }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi);
            var stderr = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            Assert.True(p.WaitForExit(120000), "bicep build did not finish in 2 minutes");
            diagnostics = stderr.Result;
            Assert.True(p.ExitCode == 0, "bicep build failed:\n" + diagnostics);
            return stdout;
        }

        [Fact]
        public void RuleQuery_PassesKqlCheck_OverTheCustomTable()
        {
            KqlCheck(out string report);
            Assert.Contains("\"ok\":true", report);
        }

        /// <summary>Runs kqlcheck on the rule's query with LowSlowExfil_CL declared; returns the result schema.</summary>
        private static string KqlCheck(out string report)
        {
            string tool = Path.Combine(TestPaths.RepoRoot, "..", "shared", "tools", "kqlcheck", "kqlcheck.dll");
            Assert.True(File.Exists(tool), $"kqlcheck is missing at {tool}");
            string decl = IngestionRecord.TableName + "=(" + string.Join(", ", Sent) + ")";
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in new[] { tool, "--json", "--max-length", "10000", "--table", decl, "-" }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi);
            p.StandardInput.Write(DeploymentTemplate.RuleQuery);
            p.StandardInput.Close();
            report = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            Assert.True(p.WaitForExit(60000));
            Assert.True(p.ExitCode == 0, "kqlcheck refused the rule's query: " + report);
            using var doc = JsonDocument.Parse(report.Split('\n').First(l => l.TrimStart().StartsWith("{")));
            return doc.RootElement.GetProperty("result").ToString();
        }
    }
}
