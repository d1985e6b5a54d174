using System.Collections.Generic;
using System.Linq;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LowSlowExfil.Reporting
{
    /// <summary>
    /// One ARM template for the scheduled long-window hunt: the LowSlowExfil_CL table with the columns
    /// <see cref="IngestionRecord"/> writes, a data collection endpoint and rule whose stream declares the same
    /// columns, the Monitoring Metrics Publisher role on the rule for the Automation account's managed identity, and
    /// a Sentinel scheduled rule over the table that raises one incident per candidate row.
    /// </summary>
    public static class DeploymentTemplate
    {
        /// <summary>Monitoring Metrics Publisher: the role the Logs Ingestion API asks of a sender, on the DCR.</summary>
        public const string MonitoringMetricsPublisherRoleId = "3913510d-42f4-4e42-8a64-420c390055eb";

        /// <summary>
        /// The analytics rule's query: rows that arrived since the rule's last run (ingestion_time, not TimeGenerated,
        /// so a late runbook run is neither missed nor alerted twice), flagged only, with the first destination as
        /// Host and URL entities.
        /// </summary>
        public const string RuleQuery =
            IngestionRecord.TableName + "\n" +
            "| where ingestion_time() > ago(1h)\n" +
            "| where Flagged == true\n" +
            "| extend DestinationHost = tostring(Destinations[0])\n" +
            "| extend DestinationUrl = iff(isempty(DestinationHost), \"\", strcat(\"https://\", DestinationHost, \"/\"))\n" +
            "| project TimeGenerated, WindowStart, WindowEnd, Mode, UserName, ZIA_TotalMBSent, ZIA_ActiveDays, ZIA_TotalRequests, ZIA_UniqueDestCnt,\n" +
            "    O365_EventCount, O365_AnonLinks, O365_Operations, DistinctChannels, Zscore, Reasons, Destinations, DestinationHost, DestinationUrl,\n" +
            "    AlertDisplayName, AlertDescription, ModuleVersion";

        public static string ToJson()
        {
            var columns = new JsonArray(IngestionRecord.Columns.Select(c => (JsonNode)new JsonObject { ["name"] = c.Key, ["type"] = c.Value }).ToArray());
            // The table's column-type enum (Microsoft.OperationalInsights 2022-10-01, Column.type) spells dateTime with
            // a capital T; the stream's (Microsoft.Insights 2022-06-01, ColumnDefinition.type) spells it datetime.
            var tableColumns = new JsonArray(IngestionRecord.Columns.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Key,
                ["type"] = c.Value == "datetime" ? "dateTime" : c.Value,
            }).ToArray());
            string workspaceId = "[resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspaceName'))]";
            string tableId = "[resourceId('Microsoft.OperationalInsights/workspaces/tables', parameters('workspaceName'), '" + IngestionRecord.TableName + "')]";
            string dceId = "[resourceId('Microsoft.Insights/dataCollectionEndpoints', parameters('dataCollectionEndpointName'))]";
            string dcrId = "[resourceId('Microsoft.Insights/dataCollectionRules', parameters('dataCollectionRuleName'))]";

            var template = new JsonObject
            {
                ["$schema"] = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                ["contentVersion"] = "1.0.0.0",
                ["parameters"] = new JsonObject
                {
                    ["workspaceName"] = Param("string", "The Log Analytics workspace with Microsoft Sentinel."),
                    ["location"] = Param("string", "Region of the workspace.", "[resourceGroup().location]"),
                    ["automationPrincipalId"] = Param("string", "Object (principal) id of the Automation account's managed identity that runs the hunt."),
                    ["dataCollectionEndpointName"] = Param("string", "Name of the data collection endpoint.", "lowslowexfil-dce"),
                    ["dataCollectionRuleName"] = Param("string", "Name of the data collection rule.", "lowslowexfil-dcr"),
                    // The table's documented range (TableProperties.retentionInDays, 2022-10-01): ARM refuses a value
                    // outside it before it creates anything, rather than half-way through the deployment.
                    ["retentionInDays"] = Range(Param("int", "Retention of the LowSlowExfil_CL table, in days (4 to 730).", 90), 4, 730),
                },
                ["resources"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "Microsoft.OperationalInsights/workspaces/tables",
                        ["apiVersion"] = "2022-10-01",
                        ["name"] = "[format('{0}/{1}', parameters('workspaceName'), '" + IngestionRecord.TableName + "')]",
                        ["properties"] = new JsonObject
                        {
                            ["plan"] = "Analytics",
                            ["retentionInDays"] = "[parameters('retentionInDays')]",
                            ["schema"] = new JsonObject { ["name"] = IngestionRecord.TableName, ["columns"] = tableColumns },
                        },
                    },
                    new JsonObject
                    {
                        ["type"] = "Microsoft.Insights/dataCollectionEndpoints",
                        ["apiVersion"] = "2022-06-01",
                        ["name"] = "[parameters('dataCollectionEndpointName')]",
                        ["location"] = "[parameters('location')]",
                        ["properties"] = new JsonObject { ["networkAcls"] = new JsonObject { ["publicNetworkAccess"] = "Enabled" } },
                    },
                    new JsonObject
                    {
                        ["type"] = "Microsoft.Insights/dataCollectionRules",
                        ["apiVersion"] = "2022-06-01",
                        ["name"] = "[parameters('dataCollectionRuleName')]",
                        ["location"] = "[parameters('location')]",
                        ["dependsOn"] = new JsonArray(tableId, dceId),
                        ["properties"] = new JsonObject
                        {
                            ["dataCollectionEndpointId"] = dceId,
                            ["streamDeclarations"] = new JsonObject { [IngestionRecord.StreamName] = new JsonObject { ["columns"] = columns.DeepClone() } },
                            ["destinations"] = new JsonObject
                            {
                                ["logAnalytics"] = new JsonArray(new JsonObject { ["workspaceResourceId"] = workspaceId, ["name"] = "workspace" }),
                            },
                            ["dataFlows"] = new JsonArray(new JsonObject
                            {
                                ["streams"] = new JsonArray(IngestionRecord.StreamName),
                                ["destinations"] = new JsonArray("workspace"),
                                ["transformKql"] = "source",
                                ["outputStream"] = IngestionRecord.StreamName,
                            }),
                        },
                    },
                    new JsonObject
                    {
                        ["type"] = "Microsoft.Authorization/roleAssignments",
                        ["apiVersion"] = "2022-04-01",
                        // The rule's full resource id, as Microsoft's Bicep compiler writes an extension resource's scope.
                        ["scope"] = dcrId,
                        ["name"] = "[guid(" + dcrId.Trim('[', ']') + ", parameters('automationPrincipalId'), '" + MonitoringMetricsPublisherRoleId + "')]",
                        ["dependsOn"] = new JsonArray(dcrId),
                        ["properties"] = new JsonObject
                        {
                            ["roleDefinitionId"] = "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '" + MonitoringMetricsPublisherRoleId + "')]",
                            ["principalId"] = "[parameters('automationPrincipalId')]",
                            ["principalType"] = "ServicePrincipal",
                        },
                    },
                    AnalyticsRule(tableId)),
                ["outputs"] = new JsonObject
                {
                    ["logsIngestionEndpoint"] = new JsonObject { ["type"] = "string", ["value"] = "[reference(" + dceId.Trim('[', ']') + ", '2022-06-01').logsIngestion.endpoint]" },
                    ["dcrImmutableId"] = new JsonObject { ["type"] = "string", ["value"] = "[reference(" + dcrId.Trim('[', ']') + ", '2022-06-01').immutableId]" },
                    ["streamName"] = new JsonObject { ["type"] = "string", ["value"] = IngestionRecord.StreamName },
                },
            };
            return template.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        }

        private static JsonObject AnalyticsRule(string tableId) => new JsonObject
        {
            ["type"] = "Microsoft.SecurityInsights/alertRules",
            ["apiVersion"] = "2023-02-01",
            ["scope"] = "[resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspaceName'))]",
            ["name"] = "[guid(resourceGroup().id, parameters('workspaceName'), 'LowSlowExfil_CL incidents')]",
            ["kind"] = "Scheduled",
            ["dependsOn"] = new JsonArray(tableId),
            ["properties"] = new JsonObject
            {
                ["displayName"] = "Low and slow exfiltration (30-day hunt)",
                ["description"] = "One incident per user the LowSlowExfil runbook flagged over its long window (rows of LowSlowExfil_CL sent by Send-LowSlowExfilResult).",
                ["severity"] = "High",
                ["enabled"] = true,
                ["query"] = RuleQuery,
                ["queryFrequency"] = "PT1H",
                ["queryPeriod"] = "PT2H",
                ["triggerOperator"] = "GreaterThan",
                ["triggerThreshold"] = 0,
                ["suppressionDuration"] = "PT5H",
                ["suppressionEnabled"] = false,
                ["tactics"] = new JsonArray("Exfiltration"),
                ["techniques"] = new JsonArray("T1567", "T1041"),
                ["eventGroupingSettings"] = new JsonObject { ["aggregationKind"] = "AlertPerResult" },
                ["alertDetailsOverride"] = new JsonObject
                {
                    ["alertDisplayNameFormat"] = "{{AlertDisplayName}}",
                    ["alertDescriptionFormat"] = "{{AlertDescription}}",
                },
                ["customDetails"] = new JsonObject
                {
                    ["ZIA_TotalMBSent"] = "ZIA_TotalMBSent",
                    ["ZIA_ActiveDays"] = "ZIA_ActiveDays",
                    ["Zscore"] = "Zscore",
                    ["O365_AnonLinks"] = "O365_AnonLinks",
                    ["DistinctChannels"] = "DistinctChannels",
                    ["Reasons"] = "Reasons",
                },
                ["entityMappings"] = new JsonArray(
                    Entity("Account", ("FullName", "UserName")),
                    Entity("Host", ("HostName", "DestinationHost")),
                    Entity("URL", ("Url", "DestinationUrl"))),
                ["incidentConfiguration"] = new JsonObject
                {
                    ["createIncident"] = true,
                    ["groupingConfiguration"] = new JsonObject
                    {
                        ["enabled"] = false,
                        ["reopenClosedIncident"] = false,
                        ["lookbackDuration"] = "PT5H",
                        ["matchingMethod"] = "AllEntities",
                    },
                },
            },
        };

        private static JsonObject Entity(string type, params (string Identifier, string Column)[] fields) => new JsonObject
        {
            ["entityType"] = type,
            ["fieldMappings"] = new JsonArray(fields.Select(f => (JsonNode)new JsonObject { ["identifier"] = f.Identifier, ["columnName"] = f.Column }).ToArray()),
        };

        private static JsonObject Range(JsonObject parameter, int min, int max)
        {
            parameter["minValue"] = min;
            parameter["maxValue"] = max;
            return parameter;
        }

        private static JsonObject Param(string type, string description, JsonNode? defaultValue = null)
        {
            var p = new JsonObject { ["type"] = type, ["metadata"] = new JsonObject { ["description"] = description } };
            if (defaultValue != null) p["defaultValue"] = defaultValue;
            return p;
        }
    }
}
