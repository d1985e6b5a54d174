using System;
using System.Collections.Generic;
using System.Threading;

namespace LowSlowExfil.Workspace
{
    /// <summary>
    /// Runs KQL against a Log Analytics workspace or an Azure Data Explorer database. Implemented by the engine
    /// assembly (LowSlowExfil.Engine, on Azure.Core), which the module loads in isolation; only this contract and
    /// the types below cross that boundary, so they use no Azure or JSON-library types.
    /// </summary>
    public interface IQueryClient : IDisposable
    {
        /// <summary>
        /// Runs one query over a time range; the range is also sent as the request's timespan. Without
        /// <paramref name="endUtc"/> the range is open, as the query's own window: no timespan is sent, since the
        /// service applies it on top of the query and would cut the range at the caller's clock.
        /// </summary>
        QueryTable Query(string kql, DateTime startUtc, DateTime? endUtc, CancellationToken cancellation);

        /// <summary>Round trips and bytes so far (for -Verbose and the benchmark).</summary>
        QueryStatistics Statistics { get; }
    }

    /// <summary>Where to query and how to authenticate.</summary>
    public sealed class QueryConnection
    {
        /// <summary>Log Analytics workspace id (a GUID). Exclusive with <see cref="ClusterUri"/>.</summary>
        public string? WorkspaceId { get; set; }

        /// <summary>Azure Data Explorer cluster, e.g. https://mycluster.westeurope.kusto.windows.net.</summary>
        public Uri? ClusterUri { get; set; }

        /// <summary>ADX database (with <see cref="ClusterUri"/>).</summary>
        public string? Database { get; set; }

        /// <summary>Overrides the service URL (private link, other clouds, tests). Plain http only for loopback.</summary>
        public Uri? Endpoint { get; set; }

        /// <summary>AzureCloud (default), AzureUSGovernment, AzureChinaCloud.</summary>
        public string Environment { get; set; } = "AzureCloud";

        public QueryAuthentication Authentication { get; set; } = new QueryAuthentication();

        /// <summary>Server-side timeout asked for with "Prefer: wait=N" (at most 600 s).</summary>
        public TimeSpan ServerTimeout { get; set; } = TimeSpan.FromMinutes(10);

        /// <summary>Accept a PartialError result (with a warning and a mark on the results) instead of failing.</summary>
        public bool AllowPartialResults { get; set; }

        /// <summary>Retries of throttled (429) or unavailable (500/502/503) answers; 504 and client timeouts are never retried.</summary>
        public int MaxRetries { get; set; } = 5;

        /// <summary>Longest wait between retries, whatever Retry-After says.</summary>
        public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>Receives diagnostic lines (never tokens or secrets).</summary>
        public Action<string>? Log { get; set; }
    }

    public enum QueryAuthenticationKind
    {
        /// <summary>Azure.Identity's DefaultAzureCredential chain.</summary>
        Default,
        /// <summary>A system- or user-assigned managed identity (Azure Automation, VMs).</summary>
        ManagedIdentity,
        /// <summary>A service principal with a certificate.</summary>
        ClientCertificate,
        /// <summary>A bearer token the caller already holds.</summary>
        AccessToken,
    }

    public sealed class QueryAuthentication
    {
        public QueryAuthenticationKind Kind { get; set; } = QueryAuthenticationKind.Default;
        /// <summary>User-assigned managed identity client id, or the service principal's application id.</summary>
        public string? ClientId { get; set; }
        public string? TenantId { get; set; }
        /// <summary>Path of a PFX/PEM certificate file for <see cref="QueryAuthenticationKind.ClientCertificate"/>.</summary>
        public string? CertificatePath { get; set; }
        /// <summary>Password of the certificate file, if any. Never logged.</summary>
        public System.Security.SecureString? CertificatePassword { get; set; }
        /// <summary>Thumbprint of a certificate in the current user's or machine's store.</summary>
        public string? CertificateThumbprint { get; set; }
        /// <summary>The token for <see cref="QueryAuthenticationKind.AccessToken"/>. Never logged.</summary>
        public System.Security.SecureString? AccessToken { get; set; }

        public override string ToString() => Kind.ToString(); // no secret ever reaches text
    }

    /// <summary>A result table, values typed: string, long, int, double, bool, DateTime (UTC), Guid, decimal, TimeSpan; dynamic as its JSON text; null.</summary>
    public sealed class QueryTable
    {
        public QueryTable(IReadOnlyList<QueryColumn> columns, IReadOnlyList<object[]> rows, QueryPartialError? partialError = null)
        {
            Columns = columns;
            Rows = rows;
            PartialError = partialError;
        }

        public IReadOnlyList<QueryColumn> Columns { get; }
        public IReadOnlyList<object[]> Rows { get; }
        /// <summary>Set only when the caller allowed partial results and the service returned one.</summary>
        public QueryPartialError? PartialError { get; }

        public int IndexOf(string column)
        {
            for (int i = 0; i < Columns.Count; i++)
                if (string.Equals(Columns[i].Name, column, StringComparison.Ordinal)) return i;
            return -1;
        }
    }

    public sealed class QueryColumn
    {
        public QueryColumn(string name, string type)
        {
            Name = name;
            Type = type;
        }

        public string Name { get; }
        /// <summary>bool, datetime, dynamic, int, long, real, string, guid, decimal, timespan.</summary>
        public string Type { get; }
    }

    public sealed class QueryPartialError
    {
        public QueryPartialError(string code, string message)
        {
            Code = code;
            Message = message;
        }

        public string Code { get; }
        public string Message { get; }
    }

    public sealed class QueryStatistics
    {
        public int RoundTrips { get; set; }
        public int Retries { get; set; }
        public long BytesReceived { get; set; }
        public long RowsReceived { get; set; }
    }

    /// <summary>The service refused or failed a query. Message carries the service's own message; never a token.</summary>
    public class QueryFailedException : Exception
    {
        public QueryFailedException(string message, int status, string code, Exception? inner = null) : base(message, inner)
        {
            Status = status;
            Code = code;
        }

        /// <summary>HTTP status (0 when no answer came).</summary>
        public int Status { get; }
        /// <summary>The service's error code (e.g. BadArgumentError, PartialError), if any.</summary>
        public string Code { get; }
    }

    /// <summary>The result exceeded the service's limits (rows or size): the caller splits the time range and asks again.</summary>
    public sealed class QueryResultTooLargeException : QueryFailedException
    {
        public QueryResultTooLargeException(string message, int status, string code) : base(message, status, code) { }
    }
}
