using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using LowSlowExfil.Reporting;
using Xunit;

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

        [Fact]
        public void TableAndStream_DeclareExactlyTheColumnsSent()
        {
            var table = Resource("Microsoft.OperationalInsights/workspaces/tables");
            Assert.Equal(Sent, Columns(table.GetProperty("properties").GetProperty("schema").GetProperty("columns")));
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
