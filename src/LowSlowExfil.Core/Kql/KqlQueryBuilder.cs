using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Kql
{
    /// <summary>Where a workspace holds the Zscaler web traffic the upload push-down reads.</summary>
    public enum ProxySchema
    {
        /// <summary>The CommonSecurityLog table, as the rule reads it (Zscaler's CEF connector).</summary>
        CommonSecurityLog,
        /// <summary>
        /// Sentinel's normalised web sessions through the ASIM parser <c>_Im_WebSession</c> (ASimWebSessionLogs and every
        /// source a parser normalises), under ASIM's names: EventVendor, DvcOriginalAction/DvcAction, SrcUsername,
        /// DstHostname (else the host of Url), SrcBytes.
        /// </summary>
        Asim,
    }

    /// <summary>
    /// KQL equivalent to the module's own logic, in either mode. The push-down queries return per user, day and
    /// host (ZIA) and per user and operation (O365) aggregates, which the module feeds into the same
    /// accumulators as file events, so a workspace and an export of the same data give identical results.
    /// The hunting query is the whole hunt in one query, for Sentinel hunting or an analytics rule.
    /// Every user-supplied value is an escaped literal (see <see cref="KqlLiteral"/>).
    /// </summary>
    public static class KqlQueryBuilder
    {
        /// <summary>
        /// The destination domains, each written once, as the rule does: <c>let ExfilDomains = dynamic([...]);</c>.
        /// The intent mode lists them lower-cased, without a port or a trailing dot (what a host is compared with).
        /// </summary>
        public static string DomainsLet(HuntOptions o) => "let ExfilDomains = " + KqlLiteral.DynamicArray(QueryDomains(o)) + ";\n";

        /// <summary>The domains as the query lists them.</summary>
        public static IReadOnlyList<string> QueryDomains(HuntOptions o) =>
            o.Destinations is DestinationMatcher.DomainSuffixMatcher m ? m.NormalizedDomains : o.Destinations.Domains;

        /// <summary>Filters of SPEC §1.1 on CommonSecurityLog, in the given mode and window (after <see cref="DomainsLet"/>).</summary>
        public static string ZiaFilter(HuntOptions o) => ZiaFilter(o, WindowPredicate(o));

        private static string ZiaFilter(HuntOptions o, string window, ProxySchema schema = ProxySchema.CommonSecurityLog, DateTime? start = null, DateTime? end = null)
        {
            var q = new StringBuilder();
            if (schema == ProxySchema.Asim)
            {
                // The parser's own time parameters let it filter each source early; the window predicate stays exact.
                q.Append("_Im_WebSession(starttime=").Append(KqlLiteral.DateTime(start ?? o.Window.Start));
                if (end != null) q.Append(", endtime=").Append(KqlLiteral.DateTime(end.Value));
                q.Append(")\n");
                q.Append("| where ").Append(window).Append('\n');
                // ASIM's names under CommonSecurityLog's, as the file readers alias an ASIM export (ExportSchema.AliasAsim):
                // the vendor's own action when the parser keeps it (Zscaler's "Blocked"), else ASIM's normalised one.
                q.Append("| project TimeGenerated, DeviceVendor = EventVendor, DeviceAction = iff(isnotempty(DvcOriginalAction), DvcOriginalAction, DvcAction),\n");
                q.Append("    SourceUserName = SrcUsername, DestinationHostName = iff(isnotempty(DstHostname), DstHostname, extract(")
                 .Append(KqlLiteral.String(UrlHostPattern)).Append(", 1, Url)), SentBytes = SrcBytes\n");
            }
            else
            {
                q.Append("CommonSecurityLog\n");
                q.Append("| where ").Append(window).Append('\n');
            }
            // The term-indexed predicate first, on the raw host: Kusto skips the data that holds none of the terms.
            // In intent mode it cannot drop a host the domain match below keeps (see DomainSuffixMatcher).
            q.Append("| where DestinationHostName has_any (ExfilDomains)\n");
            if (o.KqlCompatible)
            {
                q.Append("| where DeviceVendor == ").Append(KqlLiteral.String(ExfilRule.Vendor)).Append('\n');
                q.Append("| where DeviceAction !in ").Append(KqlLiteral.List(ExfilRule.BlockedActions)).Append('\n');
                q.Append("| where isnotempty(SourceUserName)\n");
            }
            else
            {
                q.Append("| where DeviceVendor =~ ").Append(KqlLiteral.String(ExfilRule.Vendor)).Append('\n');
                q.Append("| where DeviceAction !in~ ").Append(KqlLiteral.List(ExfilRule.BlockedActionsIntent)).Append('\n');
                q.Append("| where isnotempty(SourceUserName)\n");
                // The host lower-cased, without surrounding blanks, a :port or a trailing dot; then equal to a
                // listed domain or a subdomain of one: its last N labels are a listed domain of N labels.
                q.Append("| extend ExfilHost = tolower(trim(@\"\\s+\", DestinationHostName))\n");
                q.Append("| extend ExfilHost = replace_regex(ExfilHost, @\"^([^:]*):[0-9]+$\", @\"\\1\")\n");
                q.Append("| extend ExfilHost = iff(ExfilHost endswith \".\", substring(ExfilHost, 0, strlen(ExfilHost) - 1), ExfilHost)\n");
                string sep = "| where ";
                foreach (int labels in QueryDomains(o).Select(DestinationMatcher.DomainSuffixMatcher.LabelCount).Distinct().OrderBy(n => n))
                {
                    q.Append(sep).Append("extract(@\"").Append(LastLabelsPattern(labels)).Append("\", 1, ExfilHost) in (ExfilDomains)\n");
                    sep = "    or ";
                }
            }
            return q.ToString();
        }

        /// <summary>The host of a URL with or without a scheme (NSS writes none): what the file readers take from an ASIM Url.</summary>
        public const string UrlHostPattern = @"^(?:[A-Za-z][A-Za-z0-9+.\-]*://)?([^/?#]+)";

        /// <summary>
        /// An RE2 pattern whose group 1 is the last <paramref name="labels"/> dot-separated labels of a host (the
        /// whole host when it has exactly that many; no match when it has fewer).
        /// </summary>
        public static string LastLabelsPattern(int labels) =>
            labels <= 1 ? @"(?:^|\.)([^.]*)$" : @"(?:^|\.)([^.]*(?:\.[^.]*){" + (labels - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + "})$";

        /// <summary>Filters of SPEC §1.4 on OfficeActivity.</summary>
        public static string SharingFilter(HuntOptions o) => SharingFilter(WindowPredicate(o));

        private static string SharingFilter(string window) =>
            "OfficeActivity\n" +
            "| where " + window + "\n" +
            "| where isnotempty(UserId)\n" +
            "| where Operation in " + KqlLiteral.List(ExfilRule.SharingOperations) + "\n";

        /// <summary>The anonymous-link count of the mode.</summary>
        public static string AnonLinkCount(HuntOptions o) => o.KqlCompatible
            ? "countif(Operation has \"Anonymous\")"
            : "countif(Operation in~ " + KqlLiteral.List(ExfilRule.AnonymousLinkOperations) + ")";

        /// <summary>Push-down: one row per user, UTC day and destination host.</summary>
        public static string ZiaAggregation(HuntOptions o) => ZiaAggregation(o, o.Window.Start, o.Window.End, o.Window.HasUpperBound);

        /// <summary>Push-down over part of the window, (start, end] (or (start, …) without an upper bound).</summary>
        public static string ZiaAggregation(HuntOptions o, DateTime start, DateTime end, bool upperBound) =>
            ZiaAggregation(o, start, end, upperBound, ProxySchema.CommonSecurityLog);

        /// <summary>Push-down over the window from the given schema (CommonSecurityLog, or ASIM web sessions).</summary>
        public static string ZiaAggregation(HuntOptions o, ProxySchema schema) => ZiaAggregation(o, o.Window.Start, o.Window.End, o.Window.HasUpperBound, schema);

        /// <summary>Push-down over part of the window from the given schema: the same summarize over the same columns.</summary>
        public static string ZiaAggregation(HuntOptions o, DateTime start, DateTime end, bool upperBound, ProxySchema schema) =>
            DomainsLet(o) + ZiaFilter(o, WindowPredicate(start, end, upperBound), schema, start, upperBound ? end : (DateTime?)null) +
            "| extend SentOk = " + SentBytesOk + "\n" +
            "| summarize SentBytes = sumif(SentBytes, SentOk), Requests = countif(SentOk), Negative = countif(SentBytes < 0),\n" +
            "    Oversized = countif(SentBytes > " + KqlLiteral.Long(Readers.ExportSchema.MaxSentBytes) + "),\n" +
            "    FirstSeen = minif(TimeGenerated, SentOk), LastSeen = maxif(TimeGenerated, SentOk)\n" +
            "    by UserName = tolower(SourceUserName), Day = bin(TimeGenerated, 1d), DestinationHostName\n";

        /// <summary>
        /// A record whose bytes sent the file readers count: none, or 0 to 1 TiB (ExportSchema.MaxSentBytes). The
        /// readers skip any other record as an error; the push-down leaves out the same records, counts them
        /// (Negative, Oversized) for the reader to report, and the hunting query leaves them out too.
        /// </summary>
        public static readonly string SentBytesOk = "isnull(SentBytes) or (SentBytes >= 0 and SentBytes <= " +
            KqlLiteral.Long(Readers.ExportSchema.MaxSentBytes) + ")";

        /// <summary>Push-down: one row per user and operation.</summary>
        public static string SharingAggregation(HuntOptions o) => SharingAggregation(o, o.Window.Start, o.Window.End, o.Window.HasUpperBound);

        /// <summary>Push-down over part of the window.</summary>
        public static string SharingAggregation(HuntOptions o, DateTime start, DateTime end, bool upperBound) =>
            SharingFilter(WindowPredicate(start, end, upperBound)) +
            "| summarize Events = count(), AnonLinks = " + AnonLinkCount(o) + ", FirstEvent = min(TimeGenerated), LastEvent = max(TimeGenerated)\n" +
            "    by UserName = tolower(UserId), Operation\n";

        /// <summary>The whole hunt in one query: the rule's shape, with this mode, window, domains and thresholds.</summary>
        public static string HuntingQuery(HuntOptions o, FlagThresholds t)
        {
            var q = new StringBuilder();
            q.Append("// LowSlowExfil hunting query, mode ").Append(o.ModeName).Append(", window ").Append(o.Window).Append('\n');
            q.Append(DomainsLet(o));
            AppendHunt(q, o, t ?? new FlagThresholds(), WindowPredicate(o), materializeHosts: false);
            q.Append("| project UserName, ZIA_TotalMBSent, ZIA_ActiveDays, ZIA_TotalRequests, ZIA_UniqueDestCnt,\n");
            q.Append("    O365_EventCount, O365_AnonLinks, O365_Operations, DistinctChannels, Zscore\n");
            q.Append("| order by Zscore desc, ZIA_TotalMBSent desc, UserName asc\n");
            return q.ToString();
        }

        /// <summary>The columns the scheduled rule's query returns after the rule's ten, for entities and alert texts.</summary>
        public static readonly IReadOnlyList<string> RuleExtraColumns = new[]
        {
            "TopDestination", "TopDestinationHostName", "TopDestinationDnsDomain", "TopDestinationUrl", "AlertName", "AlertDescription",
        };

        /// <summary>
        /// The scheduled analytics rule's query (intent mode): the hunt over the last <paramref name="days"/> days with
        /// <c>ago()</c> and no upper bound, as Sentinel runs it; then, for each flagged user, the destination that received
        /// the most bytes (split for the Host entity, as a URL for the URL entity) and the alert's name and description
        /// as columns, since an alert-details format may name at most three columns and the rule's texts name four or five.
        /// </summary>
        public static string RuleQuery(HuntOptions o, FlagThresholds t, int days)
        {
            if (o.KqlCompatible) throw new ArgumentException("The scheduled rule implements the rule's intent; -KqlCompatible reproduces the rule as written in hunts only.", nameof(o));
            if (days < 1) throw new ArgumentOutOfRangeException(nameof(days), days, "The rule's window is at least one day.");
            string window = days.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var q = new StringBuilder();
            q.Append("// LowSlowExfil scheduled rule, mode Intent, the last ").Append(window).Append(" days (Export-LowSlowExfilRule)\n");
            q.Append("let HuntWindow = ").Append(window).Append("d;\n");
            q.Append(DomainsLet(o));
            AppendHunt(q, o, t ?? new FlagThresholds(), "TimeGenerated > ago(HuntWindow)", materializeHosts: true);
            q.Append("| join kind=leftouter (ZIA_Hosts\n");
            q.Append("    | summarize HostBytes = sum(HostSentBytes) by UserName, ExfilHost\n");
            q.Append("    | summarize arg_max(HostBytes, ExfilHost) by UserName\n");
            q.Append("    | project UserName, TopDestination = ExfilHost) on UserName\n");
            q.Append("| extend TopDestinationHostName = tostring(split(TopDestination, \".\")[0]),\n");
            q.Append("    TopDestinationDnsDomain = iff(indexof(TopDestination, \".\") > 0, substring(TopDestination, indexof(TopDestination, \".\") + 1), \"\"),\n");
            q.Append("    TopDestinationUrl = iff(isempty(TopDestination), \"\", strcat(\"https://\", TopDestination, \"/\"))\n");
            q.Append("| extend AlertName = substring(strcat(\"Low & Slow Exfil Candidate - \", UserName, \" (z=\", Zscore, \", \", ZIA_TotalMBSent, \" MB over \", ZIA_ActiveDays, \" days)\"), 0, 256),\n");
            q.Append("    AlertDescription = strcat(\"User \", UserName, \" uploaded \", ZIA_TotalMBSent, \" MB to non-corporate destinations across \", ZIA_ActiveDays,\n");
            q.Append("        \" active days (z-score: \", Zscore, \"). Anonymous links created: \", O365_AnonLinks, \". Window: the last ").Append(window).Append(" days.\",\n");
            q.Append("        iff(isempty(TopDestination), \"\", strcat(\" Largest destination: \", TopDestination, \".\")))\n");
            q.Append("| project UserName, ZIA_TotalMBSent, ZIA_ActiveDays, ZIA_TotalRequests, ZIA_UniqueDestCnt,\n");
            q.Append("    O365_EventCount, O365_AnonLinks, O365_Operations, DistinctChannels, Zscore,\n");
            q.Append("    ").Append(string.Join(", ", RuleExtraColumns)).Append('\n');
            q.Append("| order by Zscore desc, ZIA_TotalMBSent desc, UserName asc\n");
            return q.ToString();
        }

        /// <summary>
        /// The hunt from the per-user tables to the flag clauses, after <see cref="DomainsLet"/>; the caller projects.
        /// In intent mode the uploads are summed per user, day and host first (ZIA_Hosts) and the days and
        /// destinations counted from those rows: exact, where <c>dcount()</c> is an estimate that "might return a result
        /// that varies between executions". KqlCompatible mode keeps the rule's dcount()s. ZIA_Users feeds the mean,
        /// the standard deviation and the join: materialize() computes it, and scans CommonSecurityLog, once.
        /// </summary>
        private static void AppendHunt(StringBuilder q, HuntOptions o, FlagThresholds t, string window, bool materializeHosts)
        {
            if (o.KqlCompatible)
            {
                q.Append("let ZIA_Daily =\n").Append(ZiaFilter(o, window)).Append("| where ").Append(SentBytesOk).Append('\n');
                q.Append("| summarize DaySentBytes = sum(SentBytes), DayRequestCount = count(), DayDestinCount = dcount(DestinationHostName)\n");
                q.Append("    by UserName = tolower(SourceUserName), Day = bin(TimeGenerated, 1d);\n");
            }
            else
            {
                q.Append(materializeHosts ? "let ZIA_Hosts = materialize(\n" : "let ZIA_Hosts =\n").Append(ZiaFilter(o, window)).Append("| where ").Append(SentBytesOk).Append('\n');
                // The rule names each user's largest destination: the normalised host travels with its raw name.
                q.Append("| summarize HostSentBytes = sum(SentBytes), HostRequests = count()").Append(materializeHosts ? ", ExfilHost = take_any(ExfilHost)" : "").Append('\n');
                q.Append("    by UserName = tolower(SourceUserName), Day = bin(TimeGenerated, 1d), DestinationHostName").Append(materializeHosts ? ");\n" : ";\n");
                q.Append("let ZIA_Daily =\nZIA_Hosts\n");
                q.Append("| summarize DaySentBytes = sum(HostSentBytes), DayRequestCount = sum(HostRequests), DayDestinCount = count()\n");
                q.Append("    by UserName, Day;\n");
            }
            q.Append("let ZIA_Users = materialize(\nZIA_Daily\n");
            q.Append("| summarize ZIA_TotalMBSent = round(toreal(sum(DaySentBytes)) / 1048576, 2), ZIA_ActiveDays = ")
             .Append(o.KqlCompatible ? "dcount(Day)" : "count()").Append(",\n");
            q.Append("    ZIA_TotalRequests = sum(DayRequestCount), ZIA_UniqueDestCnt = sum(DayDestinCount) by UserName);\n");
            q.Append("let globalAvg = toscalar(ZIA_Users | summarize avg(ZIA_TotalMBSent));\n");
            q.Append("let globalStd = toscalar(ZIA_Users | summarize stdev(ZIA_TotalMBSent));\n");
            q.Append("let O365_Sharing =\n").Append(SharingFilter(window));
            q.Append("| summarize O365_EventCount = count(), O365_Operations = make_set(Operation, 10), O365_AnonLinks = ")
             .Append(AnonLinkCount(o)).Append(", O365_LastEvent = max(TimeGenerated)\n");
            q.Append("    by UserName = tolower(UserId);\n");
            q.Append("ZIA_Users\n");
            q.Append("| join kind=leftouter O365_Sharing on UserName\n");
            q.Append("| extend O365_EventCount = coalesce(O365_EventCount, 0), O365_AnonLinks = coalesce(O365_AnonLinks, 0)\n");
            q.Append("| extend Zscore = iff(globalStd > 0, round((ZIA_TotalMBSent - globalAvg) / globalStd, 2), 0.0),\n");
            q.Append("    DistinctChannels = iff(ZIA_TotalMBSent > 5, 1, 0) + iff(O365_EventCount > 0, 1, 0)\n");
            q.Append("| where Zscore >= ").Append(KqlLiteral.Real(t.ZScore)).Append('\n');
            q.Append("    or (O365_AnonLinks >= ").Append(KqlLiteral.Long(t.AnonymousLinks)).Append(" and ZIA_TotalMBSent > ").Append(KqlLiteral.Real(t.AnonymousLinkMinMB)).Append(")\n");
            q.Append("    or (ZIA_ActiveDays >= ").Append(KqlLiteral.Long(t.PersistenceDays)).Append(" and ZIA_TotalMBSent > ").Append(KqlLiteral.Real(t.PersistenceMinMB)).Append(")\n");
        }

        private static string WindowPredicate(HuntOptions o) => WindowPredicate(o.Window.Start, o.Window.End, o.Window.HasUpperBound);

        private static string WindowPredicate(DateTime start, DateTime end, bool upperBound) =>
            "TimeGenerated > " + KqlLiteral.DateTime(start) + (upperBound ? " and TimeGenerated <= " + KqlLiteral.DateTime(end) : "");
    }
}
