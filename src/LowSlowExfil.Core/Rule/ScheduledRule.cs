using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using LowSlowExfil.Kql;

namespace LowSlowExfil.Rule
{
    /// <summary>
    /// The limits a Microsoft Sentinel scheduled analytics rule must keep. Sources:
    /// - Microsoft's template validation in the Sentinel content repository (Azure/Azure-Sentinel,
    ///   .script/tests/detectionTemplateSchemaValidation/Models): ScheduledTemplateInternalModel (query 1 to 10,000
    ///   characters; queryFrequency and queryPeriod 5 minutes to 14 days; customDetails at most 20, keys of at most
    ///   20 characters matching ^[a-zA-Z]+\w*$, values column names matching ^[a-zA-Z_]+\w*$; entityMappings 1 to 5,
    ///   each with 1 to 3 field mappings), PeriodGreaterThanOrEqualFrequency (queryPeriod ≥ queryFrequency),
    ///   FrequencyLimitationForLongPeriodQuery (a queryPeriod of 2 days or more needs a queryFrequency of at least
    ///   1 hour), AlertDetailsOverride with MaxAmountOfDynamicContentPlaceHolders(3) (alertDisplayNameFormat 1 to 256
    ///   characters, alertDescriptionFormat 1 to 5,000, each with at most 3 {{column}} parameters), and
    ///   EntityMappingIdentifiers (Account: FullName; Host: HostName, DnsDomain; URL: Url).
    /// - A public deployment log of an analytics-rule Bicep template reports the service's own errors for the same
    ///   limits: "QueryPeriod must be between PT5M and P14D" and "AlertDescriptionFormat has 4 parameters, max is 3".
    /// - The resource: Microsoft.SecurityInsights/alertRules, API version 2024-09-01 (azure-rest-api-specs,
    ///   specification/securityinsights/.../stable/2024-09-01/AlertRules.json): a Scheduled rule requires
    ///   displayName, enabled, severity, query, queryFrequency, queryPeriod, triggerOperator, triggerThreshold,
    ///   suppressionEnabled and suppressionDuration; tactics are AttackTactic names (Exfiltration); this version has
    ///   techniques but no subTechniques, so T1567.002 is named in the description and in the content-repository
    ///   YAML's relevantTechniques only.
    /// </summary>
    public static class ScheduledRuleLimits
    {
        public const int MaxQueryLength = 10000;
        public static readonly TimeSpan MinPeriod = TimeSpan.FromMinutes(5);
        public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(14);
        /// <summary>From a queryPeriod of this length on, queryFrequency must be at least <see cref="MinFrequencyForLongPeriod"/>.</summary>
        public static readonly TimeSpan LongPeriod = TimeSpan.FromDays(2);
        public static readonly TimeSpan MinFrequencyForLongPeriod = TimeSpan.FromHours(1);
        public const int MaxAlertNameFormatLength = 256, MaxAlertDescriptionFormatLength = 5000, MaxFormatParameters = 3;
        public const int MaxCustomDetails = 20, MaxCustomDetailKeyLength = 20;
        public const int MaxEntityMappings = 5, MaxFieldMappings = 3;
        public const int MaxDisplayNameLength = 256, MaxDescriptionLength = 5000;
        public const string ApiVersion = "2024-09-01";
    }

    /// <summary>
    /// The hunt as a Microsoft Sentinel scheduled analytics rule: its query (intent mode, <c>ago()</c>, at most
    /// 14 days), schedule, thresholds, entities, custom details and alert texts, written as an ARM template or as
    /// the YAML of the Sentinel content repository. Thresholds that depend on the window's length are scaled to
    /// the rule's shorter window unless given, and <see cref="Warnings"/> says what that window cannot see.
    /// </summary>
    public sealed class ScheduledRule
    {
        /// <summary>The rule's id: the same on every export, so deploying again updates the rule instead of adding one.</summary>
        public static readonly Guid RuleId = new Guid("b7c59d70-cde2-4b13-be2c-691316bcff38");

        public const string DisplayName = "LowSlowExfil - Multi-Channel Low & Slow Exfiltration (scheduled)";
        public const string Version = "1.0.0";

        /// <summary>Custom details: key = column (keys at most 20 characters).</summary>
        public static readonly IReadOnlyList<string> CustomDetailColumns = new[]
        {
            "ZIA_TotalMBSent", "ZIA_ActiveDays", "ZIA_TotalRequests", "ZIA_UniqueDestCnt", "Zscore",
            "O365_EventCount", "O365_AnonLinks", "DistinctChannels", "TopDestination",
        };

        /// <summary>Entity mappings: entity type and (identifier, column) pairs.</summary>
        public static readonly IReadOnlyList<(string EntityType, (string Identifier, string Column)[] Fields)> EntityMappings = new[]
        {
            ("Account", new[] { ("FullName", "UserName") }),
            ("Host", new[] { ("HostName", "TopDestinationHostName"), ("DnsDomain", "TopDestinationDnsDomain") }),
            ("URL", new[] { ("Url", "TopDestinationUrl") }),
        };

        public const string AlertNameFormat = "{{AlertName}}";
        public const string AlertDescriptionFormat = "{{AlertDescription}}";

        private ScheduledRule() { }

        public int Days { get; private set; }
        public TimeSpan Period => TimeSpan.FromDays(Days);
        public TimeSpan Frequency { get; private set; }
        // Create sets all four; the constructor is private.
        public FlagThresholds Thresholds { get; private set; } = null!;
        public string Query { get; private set; } = null!;
        public IReadOnlyList<string> Domains { get; private set; } = null!;
        public IReadOnlyList<string> Warnings { get; private set; } = null!;

        /// <summary>
        /// The rule over the last <paramref name="days"/> days (1 to 14), run every <paramref name="frequency"/>.
        /// <paramref name="given"/> holds the thresholds; PersistenceDays and PersistenceMinMB are scaled to the
        /// window (the rule's 20 days and 50 MB are for 30 days) unless <paramref name="persistenceDaysGiven"/> or
        /// <paramref name="persistenceMinMBGiven"/>. Throws ArgumentException, with the reason, for what a rule
        /// cannot hold.
        /// </summary>
        public static ScheduledRule Create(HuntOptions options, FlagThresholds given, int days, TimeSpan frequency,
            bool persistenceDaysGiven = false, bool persistenceMinMBGiven = false)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            given = given ?? new FlagThresholds();
            var period = TimeSpan.FromDays(days);
            if (days < 1 || period > ScheduledRuleLimits.MaxPeriod)
                throw new ArgumentOutOfRangeException(nameof(days), days,
                    $"A scheduled rule looks back at most {ScheduledRuleLimits.MaxPeriod.TotalDays:0} days (its queryPeriod runs from 5 minutes to 14 days): " +
                    "give -Days from 1 to 14, and run the 30-day hunt from a scheduled runbook (Find-LowSlowExfil -WorkspaceId ... -UseManagedIdentity).");
            if (frequency < ScheduledRuleLimits.MinPeriod || frequency > ScheduledRuleLimits.MaxPeriod)
                throw new ArgumentOutOfRangeException(nameof(frequency), frequency, "A scheduled rule runs at most every 5 minutes and at least every 14 days: give -Frequency within that range.");
            if (frequency.Ticks % TimeSpan.TicksPerMinute != 0)
                throw new ArgumentOutOfRangeException(nameof(frequency), frequency, "A scheduled rule runs every so many whole minutes: give -Frequency without seconds.");
            if (frequency > period)
                throw new ArgumentOutOfRangeException(nameof(frequency), frequency, $"The rule would run every {Describe(frequency)} over only the last {Describe(period)}, leaving time unseen: give -Frequency of at most -Days.");
            if (period >= ScheduledRuleLimits.LongPeriod && frequency < ScheduledRuleLimits.MinFrequencyForLongPeriod)
                throw new ArgumentOutOfRangeException(nameof(frequency), frequency, "A rule that looks back 2 days or more runs at most once an hour: give -Frequency of at least 1 hour.");

            // A window of N days touches at most N + 1 UTC days: more active days can never be counted.
            long reachableDays = days + 1;
            var t = new FlagThresholds
            {
                ZScore = given.ZScore,
                AnonymousLinks = given.AnonymousLinks,
                AnonymousLinkMinMB = given.AnonymousLinkMinMB,
                PersistenceDays = given.PersistenceDays,
                PersistenceMinMB = given.PersistenceMinMB,
            };
            if (persistenceDaysGiven && given.PersistenceDays > reachableDays)
                throw new ArgumentOutOfRangeException(nameof(given), given.PersistenceDays,
                    $"-PersistenceDays {given.PersistenceDays} can never be reached by a rule that looks back {days} days: its window touches at most {reachableDays} UTC days. Give at most {reachableDays}, or leave it out to scale the rule's 20 of 30 days.");
            var warnings = new List<string>();
            var scaled = new List<string>();
            double share = days / (double)HuntOptions.DefaultDays;
            if (!persistenceDaysGiven)
            {
                t.PersistenceDays = Math.Max(1, (long)Math.Ceiling(FlagThresholds.DefaultPersistenceDays * share - 1e-9));
                scaled.Add($"{t.PersistenceDays} active days (from {FlagThresholds.DefaultPersistenceDays})");
            }
            if (!persistenceMinMBGiven)
            {
                t.PersistenceMinMB = Math.Round(FlagThresholds.DefaultPersistenceMinMB * share, 2, MidpointRounding.AwayFromZero);
                scaled.Add($"more than {t.PersistenceMinMB.ToString("0.##", CultureInfo.InvariantCulture)} MB (from {FlagThresholds.DefaultPersistenceMinMB.ToString(CultureInfo.InvariantCulture)} MB)");
            }
            string seen = $"A scheduled rule looks back at most 14 days; this one looks back {days}, where the hunt looks back {HuntOptions.DefaultDays}. " +
                $"It cannot see uploads spread thinner than its window over a month (for example a little every other day for 30 days), and it compares users over {days} days only. ";
            if (scaled.Count > 0)
                seen += $"The persistence clause is scaled to the same share of the window: {string.Join(" and ", scaled)}. ";
            seen += "Run the 30-day hunt from a scheduled runbook (Find-LowSlowExfil -WorkspaceId ... -UseManagedIdentity) to see the rest.";
            warnings.Add(seen);

            string query = KqlQueryBuilder.RuleQuery(options, t, days);
            if (query.Length > ScheduledRuleLimits.MaxQueryLength)
                throw new ArgumentException($"The rule's query is {query.Length:N0} characters with {KqlQueryBuilder.QueryDomains(options).Count} destination domains; a scheduled rule holds at most {ScheduledRuleLimits.MaxQueryLength:N0}. " +
                    "Hunt fewer domains in the rule (each takes its length plus 4 characters), and the rest from a runbook.", nameof(options));
            return new ScheduledRule
            {
                Days = days,
                Frequency = frequency,
                Thresholds = t,
                Query = query,
                Domains = KqlQueryBuilder.QueryDomains(options),
                Warnings = warnings,
            };
        }

        /// <summary>The rule's description: what it flags, over which window, with which thresholds.</summary>
        public string Description =>
            $"Flags users who upload to non-corporate cloud storage, code hosting, messaging and webmail ({Domains.Count} destination domains) little by little over the last {Days} days " +
            $"(Zscaler ZIA, CommonSecurityLog), with their Microsoft 365 external sharing (OfficeActivity): a z-score of at least {Num(Thresholds.ZScore)} against all users, " +
            $"or at least {Thresholds.AnonymousLinks} anonymous links with more than {Num(Thresholds.AnonymousLinkMinMB)} MB uploaded, or uploads on at least {Thresholds.PersistenceDays} days " +
            $"totalling more than {Num(Thresholds.PersistenceMinMB)} MB. Written by LowSlowExfil's Export-LowSlowExfilRule from the rule 'Zscaler ZIA - Patient APT: Multi-Channel Low & Slow " +
            $"Exfiltration', with its intent: domains matched as domains, blocked traffic excluded in any letter case, anonymous links counted, exact counts. " +
            $"MITRE ATT&CK: Exfiltration (TA0010), T1041, T1567, T1567.002. A scheduled rule looks back at most 14 days: run the module's 30-day hunt from a scheduled runbook.";

        /// <summary>The rule as an ARM template deploying one Microsoft.SecurityInsights/alertRules resource (kind Scheduled) to a workspace.</summary>
        public string ToArmTemplate()
        {
            using (var ms = new MemoryStream())
            {
                using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                {
                    w.WriteStartObject();
                    w.WriteString("$schema", "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#");
                    w.WriteString("contentVersion", "1.0.0.0");
                    w.WriteStartObject("parameters");
                    w.WriteStartObject("workspace");
                    w.WriteString("type", "string");
                    w.WriteStartObject("metadata");
                    w.WriteString("description", "The name of the Log Analytics workspace that Microsoft Sentinel runs on.");
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteStartArray("resources");
                    w.WriteStartObject();
                    w.WriteString("type", "Microsoft.SecurityInsights/alertRules");
                    w.WriteString("apiVersion", ScheduledRuleLimits.ApiVersion);
                    w.WriteString("name", RuleId.ToString());
                    w.WriteString("kind", "Scheduled");
                    // An extension resource of the workspace.
                    w.WriteString("scope", "[format('Microsoft.OperationalInsights/workspaces/{0}', parameters('workspace'))]");
                    w.WriteStartObject("properties");
                    w.WriteString("displayName", DisplayName);
                    w.WriteString("description", Description);
                    w.WriteString("severity", ExfilRule.Severity);
                    w.WriteBoolean("enabled", true);
                    w.WriteString("query", Query);
                    w.WriteString("queryFrequency", XmlDuration(Frequency));
                    w.WriteString("queryPeriod", XmlDuration(Period));
                    w.WriteString("triggerOperator", "GreaterThan");
                    w.WriteNumber("triggerThreshold", 0);
                    w.WriteBoolean("suppressionEnabled", false);
                    w.WriteString("suppressionDuration", "PT5H");
                    w.WriteStartArray("tactics");
                    w.WriteStringValue(ExfilRule.Tactic);
                    w.WriteEndArray();
                    w.WriteStartArray("techniques");
                    foreach (string t in Techniques) w.WriteStringValue(t);
                    w.WriteEndArray();
                    w.WriteStartObject("alertDetailsOverride");
                    w.WriteString("alertDisplayNameFormat", AlertNameFormat);
                    w.WriteString("alertDescriptionFormat", AlertDescriptionFormat);
                    w.WriteEndObject();
                    w.WriteStartObject("customDetails");
                    foreach (string c in CustomDetailColumns) w.WriteString(c, c);
                    w.WriteEndObject();
                    w.WriteStartArray("entityMappings");
                    foreach (var (type, fields) in EntityMappings)
                    {
                        w.WriteStartObject();
                        w.WriteString("entityType", type);
                        w.WriteStartArray("fieldMappings");
                        foreach (var (id, column) in fields)
                        {
                            w.WriteStartObject();
                            w.WriteString("identifier", id);
                            w.WriteString("columnName", column);
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteStartObject("eventGroupingSettings");
                    w.WriteString("aggregationKind", "AlertPerResult");   // one alert per flagged user
                    w.WriteEndObject();
                    w.WriteStartObject("incidentConfiguration");
                    w.WriteBoolean("createIncident", true);
                    w.WriteStartObject("groupingConfiguration");
                    w.WriteBoolean("enabled", true);
                    w.WriteBoolean("reopenClosedIncident", false);
                    w.WriteString("lookbackDuration", "P1D");
                    w.WriteString("matchingMethod", "Selected");
                    w.WriteStartArray("groupByEntities");
                    w.WriteStringValue("Account");
                    w.WriteEndArray();
                    w.WriteStartArray("groupByAlertDetails");
                    w.WriteEndArray();
                    w.WriteStartArray("groupByCustomDetails");
                    w.WriteEndArray();
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
            }
        }

        /// <summary>The rule as the YAML of a scheduled rule in the Microsoft Sentinel content repository (Solutions/*/Analytic Rules).</summary>
        public string ToContentYaml()
        {
            // A block scalar holds YAML's printable characters only (no escapes): a domain with another one is refused.
            int bad = FirstNonPrintable(Query);
            if (bad >= 0)
                throw new ArgumentException($"The rule's query holds the character U+{(int)Query[bad]:X4}, which YAML cannot hold without escapes; " +
                    "write the ARM template instead (-Format Arm), or leave out the domain that holds it.");
            var y = new StringBuilder();
            y.Append("id: ").Append(RuleId.ToString()).Append('\n');
            y.Append("name: ").Append(YamlString(DisplayName)).Append('\n');
            y.Append("description: |\n").Append(YamlBlock(Description, 2));
            y.Append("severity: ").Append(ExfilRule.Severity).Append('\n');
            y.Append("requiredDataConnectors:\n");
            y.Append("  - connectorId: Zscaler\n    dataTypes:\n      - CommonSecurityLog\n");
            y.Append("  - connectorId: Office365\n    dataTypes:\n      - OfficeActivity\n");
            y.Append("queryFrequency: ").Append(ShortDuration(Frequency)).Append('\n');
            y.Append("queryPeriod: ").Append(ShortDuration(Period)).Append('\n');
            y.Append("triggerOperator: gt\n");
            y.Append("triggerThreshold: 0\n");
            y.Append("tactics:\n  - ").Append(ExfilRule.Tactic).Append('\n');
            y.Append("relevantTechniques:\n");
            foreach (string t in ExfilRule.Techniques) y.Append("  - ").Append(t).Append('\n');
            y.Append("query: |\n").Append(YamlBlock(Query, 2));
            y.Append("entityMappings:\n");
            foreach (var (type, fields) in EntityMappings)
            {
                y.Append("  - entityType: ").Append(type).Append("\n    fieldMappings:\n");
                foreach (var (id, column) in fields)
                    y.Append("      - identifier: ").Append(id).Append("\n        columnName: ").Append(column).Append('\n');
            }
            y.Append("customDetails:\n");
            foreach (string c in CustomDetailColumns) y.Append("  ").Append(c).Append(": ").Append(c).Append('\n');
            y.Append("alertDetailsOverride:\n");
            y.Append("  alertDisplayNameFormat: ").Append(YamlString(AlertNameFormat)).Append('\n');
            y.Append("  alertDescriptionFormat: ").Append(YamlString(AlertDescriptionFormat)).Append('\n');
            y.Append("eventGroupingSettings:\n  aggregationKind: AlertPerResult\n");
            y.Append("incidentConfiguration:\n  createIncident: true\n  groupingConfiguration:\n    enabled: true\n    reopenClosedIncident: false\n");
            y.Append("    lookbackDuration: P1D\n    matchingMethod: Selected\n    groupByEntities:\n      - Account\n    groupByAlertDetails: []\n    groupByCustomDetails: []\n");
            y.Append("version: ").Append(Version).Append('\n');
            y.Append("kind: Scheduled\n");
            return y.ToString();
        }

        /// <summary>The techniques of the 2024-09-01 resource, which has no subTechniques: T1041 and T1567.</summary>
        public static IEnumerable<string> Techniques => ExfilRule.Techniques.Where(t => t.IndexOf('.') < 0);

        /// <summary>The {{column}} parameters of an alert-details format, as Sentinel counts them.</summary>
        public static IReadOnlyList<string> FormatParameters(string format) =>
            Regex.Matches(format ?? string.Empty, @"\{\{([^{}]*)\}\}").Cast<Match>().Select(m => m.Groups[1].Value).ToList();

        private static string Num(double d) => d.ToString("0.##", CultureInfo.InvariantCulture);

        private static string Describe(TimeSpan t) =>
            t.TotalDays >= 1 && t.Ticks % TimeSpan.TicksPerDay == 0 ? $"{t.TotalDays:0} day(s)" : t.TotalHours >= 1 && t.Ticks % TimeSpan.TicksPerHour == 0 ? $"{t.TotalHours:0} hour(s)" : $"{t.TotalMinutes:0.#} minute(s)";

        /// <summary>ISO 8601 duration, as ARM wants it: P14D, PT5H, PT30M.</summary>
        public static string XmlDuration(TimeSpan t) => System.Xml.XmlConvert.ToString(t);

        /// <summary>The content repository's short form: 14d, 5h, 30m (its converter reads &lt;number&gt;&lt;m|h|d&gt;).</summary>
        public static string ShortDuration(TimeSpan t) =>
            t.Ticks % TimeSpan.TicksPerDay == 0 ? ((long)t.TotalDays).ToString(CultureInfo.InvariantCulture) + "d"
            : t.Ticks % TimeSpan.TicksPerHour == 0 ? ((long)t.TotalHours).ToString(CultureInfo.InvariantCulture) + "h"
            : ((long)Math.Ceiling(t.TotalMinutes)).ToString(CultureInfo.InvariantCulture) + "m";

        /// <summary>
        /// The index of the first character a YAML block scalar cannot hold as itself (YAML's printable set: tab, line
        /// feed, U+0020–U+007E, U+00A0–U+D7FF, U+E000–U+FFFD and whole surrogate pairs; U+0085, U+2028 and U+2029
        /// read as line breaks in YAML 1.1), or −1.
        /// </summary>
        public static int FirstNonPrintable(string s)
        {
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (c == '\t' || c == '\n' || (c >= 0x20 && c <= 0x7E)) continue;
                if (c == 0x85 || c == 0x2028 || c == 0x2029 || c == 0xFEFF) return i;
                if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
                if ((c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD)) continue;
                return i;
            }
            return -1;
        }

        /// <summary>A single-quoted YAML scalar ('' for a quote); no escape sequences, so any text stays itself.</summary>
        private static string YamlString(string s) => "'" + (s ?? string.Empty).Replace("'", "''") + "'";

        /// <summary>The lines of a literal block scalar (after "key: |"), indented; the text keeps its line breaks.</summary>
        private static string YamlBlock(string text, int indent)
        {
            string pad = new string(' ', indent);
            var sb = new StringBuilder();
            foreach (string line in text.TrimEnd('\n').Split('\n'))
                sb.Append(line.Length == 0 ? "" : pad + line).Append('\n');
            return sb.ToString();
        }
    }
}
