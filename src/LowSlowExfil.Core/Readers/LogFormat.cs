namespace LowSlowExfil.Readers
{
    /// <summary>The file formats the readers recognise.</summary>
    public enum LogFormat
    {
        Unknown,
        CommonSecurityLogCsv,
        OfficeActivityCsv,
        /// <summary>JSON records: exports, Cloud NSS, audit records (an array, JSON lines, or a known envelope).</summary>
        Json,
        /// <summary>Zscaler NSS web feed, CEF over syslog.</summary>
        NssCef,
        /// <summary>Purview / Search-UnifiedAuditLog CSV export (AuditData JSON per row).</summary>
        PurviewAuditCsv,
        /// <summary>A Zscaler feed output format template (placeholders, no events).</summary>
        FeedTemplate,
        /// <summary>Zscaler NSS web feed as key=value pairs: QRadar LEEF, or name-value pairs under NSS's own field names.</summary>
        NssKeyValue,
        /// <summary>Objects piped in (Import-Csv rows, ConvertFrom-Json objects, audit-log search results), not a file.</summary>
        PipelineObjects,
    }
}
