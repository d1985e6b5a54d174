using System;
using System.Collections.Generic;
using System.Threading;

namespace LowSlowExfil.Workspace
{
    /// <summary>
    /// Sends records to a Log Analytics table through the Logs Ingestion API (a data collection rule's stream).
    /// Implemented by the engine assembly, loaded in isolation like <see cref="IQueryClient"/>; records cross the
    /// boundary as JSON object text, so no Azure or JSON-library type does.
    /// </summary>
    public interface IIngestionClient : IDisposable
    {
        /// <summary>
        /// Sends the records in batches under the request size limit. A batch the service refuses is reported in
        /// the result with its record count and the service's message; the remaining batches are still sent.
        /// Throws only for cancellation.
        /// </summary>
        IngestionResult Send(IReadOnlyList<string> recordsJson, CancellationToken cancellation);

        QueryStatistics Statistics { get; }
    }

    /// <summary>Where to send and how to authenticate.</summary>
    public sealed class IngestionConnection
    {
        /// <summary>The data collection endpoint's (or the DCR's own) logs ingestion URL, e.g. https://my-dce-abcd.westeurope-1.ingest.monitor.azure.com.</summary>
        public Uri? Endpoint { get; set; }

        /// <summary>The data collection rule's immutable id (dcr-…).</summary>
        public string? DcrImmutableId { get; set; }

        /// <summary>The stream declared in the rule (Custom-…).</summary>
        public string? StreamName { get; set; }

        /// <summary>AzureCloud (default), AzureUSGovernment, AzureChinaCloud.</summary>
        public string Environment { get; set; } = "AzureCloud";

        public QueryAuthentication Authentication { get; set; } = new QueryAuthentication();

        /// <summary>Retries of throttled (429) or unavailable (500/502/503) answers per batch.</summary>
        public int MaxRetries { get; set; } = 5;

        /// <summary>Longest wait between retries, whatever Retry-After says.</summary>
        public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>Per-request timeout.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(100);

        /// <summary>Largest uncompressed batch in bytes (at most the API's 1,000,000; tests set less).</summary>
        public int MaxBatchBytes { get; set; } = IngestionLimits.MaxRequestBytes;

        /// <summary>Receives diagnostic lines (never tokens or secrets).</summary>
        public Action<string>? Log { get; set; }
    }

    public static class IngestionLimits
    {
        /// <summary>
        /// The Logs Ingestion API takes at most 1 MB per call, counted on the uncompressed and on the compressed data
        /// alike (MicrosoftDocs/azure-docs, includes/azure-monitor-limits-custom-logs.md: "Maximum size of API call |
        /// 1 MB | Both compressed and uncompressed data"; tutorial-logs-ingestion-api.md: 413 means the message is
        /// over 1 MB). Microsoft's .NET client (Azure.Monitor.Ingestion, LogsIngestionClient) batches uncompressed
        /// JSON at 1,000,000 bytes (1024 x 1024 in some versions); this module takes the smaller, 1,000,000, so a
        /// batch and its gzip body stay under 1 MB whichever way "MB" is counted.
        /// </summary>
        public const int MaxRequestBytes = 1000000;

        /// <summary>
        /// Log Analytics keeps at most 64 KB of one field and truncates the rest, without an error (same service
        /// limits table: "Maximum size for field values | 64 KB | Fields longer than 64 KB are truncated").
        /// </summary>
        public const int MaxFieldBytes = 64 * 1024;
    }

    /// <summary>What the service accepted and what it refused. Nothing counts as sent unless the service answered 204.</summary>
    public sealed class IngestionResult
    {
        public int RecordsSent { get; set; }
        public int RecordsFailed { get; set; }
        public int Batches { get; set; }
        public int BatchesFailed { get; set; }
        public long BytesSent { get; set; }
        public List<IngestionBatchFailure> Failures { get; } = new List<IngestionBatchFailure>();

        /// <summary>Rows sent that the service will store cut short (a field over <see cref="IngestionLimits.MaxFieldBytes"/>), one line each.</summary>
        public List<string> Warnings { get; } = new List<string>();
    }

    public sealed class IngestionBatchFailure
    {
        public IngestionBatchFailure(int batch, int records, int status, string code, string message)
        {
            Batch = batch;
            Records = records;
            Status = status;
            Code = code;
            Message = message;
        }

        /// <summary>1-based batch number.</summary>
        public int Batch { get; }
        public int Records { get; }
        /// <summary>HTTP status (0 when no answer came).</summary>
        public int Status { get; }
        public string Code { get; }
        /// <summary>The service's own message with a hint; never a token.</summary>
        public string Message { get; }
    }
}
