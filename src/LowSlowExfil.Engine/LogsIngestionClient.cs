using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Text;
using System.Threading;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using LowSlowExfil.Engine.Json;
using LowSlowExfil.Engine.Pipeline;
using LowSlowExfil.Workspace;

namespace LowSlowExfil.Engine
{
    /// <summary>
    /// Posts records to a data collection rule's stream through the Logs Ingestion API
    /// (<c>POST {endpoint}/dataCollectionRules/{immutableId}/streams/{stream}?api-version=2023-01-01</c>, a JSON
    /// array, gzip-encoded) on the same pipeline as the query client: Azure.Identity's token for the monitor scope,
    /// this module's retry policy (429/500/502/503 after Retry-After), redaction of every text that leaves.
    /// Only a 204 answer counts a batch as sent.
    /// Service limits (MicrosoftDocs/azure-docs, includes/azure-monitor-limits-custom-logs.md, "Logs Ingestion API"
    /// in Azure Monitor service limits): 1 MB per call, compressed and uncompressed alike (see
    /// <see cref="IngestionLimits.MaxRequestBytes"/>); 2 GB and 12,000 requests per minute per DCR, over which the
    /// service answers 429 with Retry-After (retried here; one sequential sender of 1 MB batches stays far below);
    /// field values over 64 KB are truncated by the service. The tutorial's troubleshooting: 413 means the message is
    /// too large (split and resent here), 403 or 503 can mean a role assignment not yet in effect (up to 30 minutes).
    /// </summary>
    internal sealed class LogsIngestionClient : IIngestionClient
    {
        private const string ApiVersion = "2023-01-01";
        private const string Service = "The Logs Ingestion API";
        private const int MaxErrorBody = 64 * 1024;
        private readonly HttpPipeline _pipeline;
        private readonly ServicePipeline _http;
        private readonly Uri _uri;
        private readonly int _maxBatch;
        private readonly int _maxRetries;
        private readonly string _dcr;
        private readonly string _stream;
        private readonly Action<string> _log;
        private readonly TokenTracker _tokens;

        public LogsIngestionClient(IngestionConnection c)
        {
            if (c == null) throw new ArgumentNullException(nameof(c));
            var cloud = CloudEnvironment.Resolve(c.Environment);
            if (c.Endpoint == null)
                throw new ArgumentException("Give the logs ingestion endpoint (the data collection endpoint's or the rule's own Logs Ingestion URL).", nameof(IngestionConnection.Endpoint));
            var root = EndpointRules.Validate(c.Endpoint, nameof(IngestionConnection.Endpoint));
            _dcr = (c.DcrImmutableId ?? string.Empty).Trim();
            _stream = (c.StreamName ?? string.Empty).Trim();
            if (_dcr.Length == 0 || _dcr.IndexOfAny(new[] { '/', '?', '#', ' ' }) >= 0)
                throw new ArgumentException($"'{c.DcrImmutableId}' is not a data collection rule immutable id (it looks like dcr-0123…; see the rule's JSON view).", nameof(IngestionConnection.DcrImmutableId));
            if (_stream.Length == 0 || _stream.IndexOfAny(new[] { '/', '?', '#', ' ' }) >= 0)
                throw new ArgumentException($"'{c.StreamName}' is not a stream name (it looks like Custom-LowSlowExfil_CL).", nameof(IngestionConnection.StreamName));
            if (c.MaxRetries < 0) throw new ArgumentOutOfRangeException(nameof(IngestionConnection.MaxRetries), c.MaxRetries, "MaxRetries cannot be negative.");
            if (c.MaxBatchBytes < 1024 || c.MaxBatchBytes > IngestionLimits.MaxRequestBytes)
                throw new ArgumentOutOfRangeException(nameof(IngestionConnection.MaxBatchBytes), c.MaxBatchBytes, $"The batch size must lie between 1024 and {IngestionLimits.MaxRequestBytes} bytes.");
            _maxBatch = c.MaxBatchBytes;
            _maxRetries = c.MaxRetries;
            _uri = new Uri(EndpointRules.Append(root, "/dataCollectionRules/" + Uri.EscapeDataString(_dcr) + "/streams/" + Uri.EscapeDataString(_stream)) +
                "?api-version=" + ApiVersion);
            _http = new ServicePipeline(CredentialFactory.Create(c.Authentication, cloud), MonitorScope(cloud), _uri, c.Log,
                c.MaxRetries, c.MaxRetryDelay, c.Timeout <= TimeSpan.Zero ? TimeSpan.FromSeconds(100) : c.Timeout, Statistics, Service);
            _pipeline = _http.Pipeline;
            _tokens = _http.Tokens;
            _log = _http.Log;
        }

        public QueryStatistics Statistics { get; } = new QueryStatistics();

        /// <summary>The URL batches are posted to (no secret in it).</summary>
        public Uri IngestionUri => _uri;

        /// <summary>
        /// The token scope of the Logs Ingestion API, as Microsoft documents it: <c>https://monitor.azure.com//.default</c>
        /// (the resource is https://monitor.azure.com/ with its trailing slash, so the scope has two). Sources:
        /// MicrosoftDocs/azure-docs, articles/azure-monitor/logs/tutorial-logs-ingestion-api.md ("Send sample data",
        /// Step 1: the token request's scope); Azure/azure-sdk-for-net, sdk/monitor/Azure.Monitor.Ingestion/src/
        /// LogsIngestionAudience.cs (AzurePublicCloud, AzureGovernment https://monitor.azure.us//.default,
        /// AzureChina https://monitor.azure.cn//.default). A managed identity is asked for resource
        /// https://monitor.azure.com/, as Microsoft's own client asks.
        /// </summary>
        internal static string MonitorScope(CloudEnvironment cloud)
        {
            switch (cloud.Name)
            {
                case "AzureUSGovernment": return "https://monitor.azure.us//.default";
                case "AzureChinaCloud": return "https://monitor.azure.cn//.default";
                default: return "https://monitor.azure.com//.default";
            }
        }

        public IngestionResult Send(IReadOnlyList<string> recordsJson, CancellationToken cancellation)
        {
            if (recordsJson == null) throw new ArgumentNullException(nameof(recordsJson));
            var result = new IngestionResult();
            var batch = new List<Pending>();
            int size = 2;                                       // "[" and "]"
            int index = 0;
            foreach (string json in recordsJson)
            {
                index++;
                byte[] record = Encoding.UTF8.GetBytes(json ?? "null");
                if (record.Length + 2 > _maxBatch)
                {
                    // One record over the limit can never be accepted: reported, never truncated.
                    result.Batches++;
                    result.BatchesFailed++;
                    result.RecordsFailed++;
                    result.Failures.Add(new IngestionBatchFailure(result.Batches, 1, 0, "RecordTooLarge",
                        $"Record {index} holds {record.Length:N0} bytes of JSON, more than the {_maxBatch:N0} bytes one request may carry; it was not sent."));
                    continue;
                }
                if (record.Length > IngestionLimits.MaxFieldBytes) WarnLongFields(index, record, result);
                if (batch.Count > 0 && size + 1 + record.Length > _maxBatch)
                {
                    SendBatch(batch, result, cancellation);
                    batch.Clear();
                    size = 2;
                }
                size += (batch.Count > 0 ? 1 : 0) + record.Length;
                batch.Add(new Pending(index, record));
            }
            if (batch.Count > 0) SendBatch(batch, result, cancellation);
            return result;
        }

        /// <summary>A record waiting to be sent and its 1-based place in the input (to name it in an error).</summary>
        private readonly struct Pending
        {
            public Pending(int index, byte[] json) { Index = index; Json = json; }
            public int Index { get; }
            public byte[] Json { get; }
        }

        /// <summary>
        /// Posts one batch. A 413 means the service's limit is below what this client batched at (a proxy or a
        /// stricter endpoint in front of it): nothing of the batch was stored, so it is split in half and each half
        /// sent again, down to one record; a record refused on its own is a failure naming it.
        /// </summary>
        private void SendBatch(List<Pending> records, IngestionResult result, CancellationToken ct)
        {
            int number = ++result.Batches;
            var (status, failureCode, failureText) = Post(records, number, result, ct);
            if (status == 204 || status == 200) return;

            if (status == 413 && records.Count > 1)
            {
                // The refused request is not a batch of its own: its halves take its number and the next.
                result.Batches--;
                int half = records.Count / 2;
                _log?.Invoke($"{Service} refused batch {number} of {records.Count} records as too large (413); sending it again as two batches of {half} and {records.Count - half}.");
                SendBatch(records.GetRange(0, half), result, ct);
                SendBatch(records.GetRange(half, records.Count - half), result, ct);
                return;
            }
            if (status == 413)
                failureText = $"record {records[0].Index}{UserOf(records[0].Json)} is too large for the service on its own ({records[0].Json.Length:N0} bytes of JSON), so it was not stored: {failureText}";

            result.BatchesFailed++;
            result.RecordsFailed += records.Count;
            string text = Redaction.Clean($"{Service} did not accept batch {number} of {records.Count} records ({(status == 0 ? "" : status + " ")}{failureCode}): {failureText}", _tokens.Last);
            result.Failures.Add(new IngestionBatchFailure(number, records.Count, status, failureCode, text));
            _log?.Invoke(text);
        }

        /// <summary>
        /// The service stores a field over 64 KB cut short and says nothing (<see cref="IngestionLimits.MaxFieldBytes"/>):
        /// such a row is still sent, and the analyst is told which row and field will arrive incomplete.
        /// </summary>
        private static void WarnLongFields(int index, byte[] json, IngestionResult result)
        {
            try
            {
                using (var doc = System.Text.Json.JsonDocument.Parse(json))
                {
                    if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object) return;
                    foreach (var p in doc.RootElement.EnumerateObject())
                    {
                        int bytes = p.Value.ValueKind == System.Text.Json.JsonValueKind.String
                            ? Encoding.UTF8.GetByteCount(p.Value.GetString())
                            : Encoding.UTF8.GetByteCount(p.Value.GetRawText());
                        if (bytes > IngestionLimits.MaxFieldBytes)
                            result.Warnings.Add($"Record {index}{UserOf(json)}: {p.Name} holds {bytes:N0} bytes; Log Analytics keeps only the first 64 KB of a field, so this row will be stored with {p.Name} cut short.");
                    }
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // Not JSON: the service will refuse the batch and say so; nothing to warn about here.
            }
        }

        /// <summary>The record's user, for an analyst to know which candidate did not arrive (empty when it has none).</summary>
        private static string UserOf(byte[] json)
        {
            try
            {
                using (var doc = System.Text.Json.JsonDocument.Parse(json))
                {
                    if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object ||
                        !doc.RootElement.TryGetProperty("UserName", out var u) || u.ValueKind != System.Text.Json.JsonValueKind.String)
                        return "";
                    // A hostile user name can be huge: enough of it to find the row, not the whole of it.
                    string name = u.GetString();
                    return name.Length <= 100 ? $" (user {name})" : $" (user {name.Substring(0, 100)}… of {name.Length:N0} characters)";
                }
            }
            catch (System.Text.Json.JsonException)
            {
                return "";
            }
        }

        /// <summary>One POST of the batch; the status (0 when no answer came) and, unless accepted, why not.</summary>
        private (int Status, string Code, string Text) Post(List<Pending> records, int number, IngestionResult result, CancellationToken ct)
        {
            int size = 1;
            foreach (var r in records) size += r.Json.Length + 1;
            byte[] body = Gzip(records, size);
            string failureCode = null, failureText = null;
            int status = 0;
            using (var message = _pipeline.CreateMessage())
            {
                var request = message.Request;
                request.Method = RequestMethod.Post;
                request.Uri.Reset(_uri);
                request.Headers.SetValue("Content-Type", "application/json");
                request.Headers.SetValue("Content-Encoding", "gzip");
                request.Content = RequestContent.Create(body);
                _log?.Invoke($"{Service}: POST batch {number} ({records.Count} records, {size:N0} bytes, {body.Length:N0} gzipped) to {_uri.GetLeftPart(UriPartial.Path)}.");
                try
                {
                    _pipeline.Send(message, ct);
                    status = message.Response.Status;
                    if (status == 204 || status == 200)
                    {
                        message.Response.ContentStream?.Dispose();
                        result.RecordsSent += records.Count;
                        result.BytesSent += body.Length;
                        _log?.Invoke($"{Service}: batch {number} accepted ({status}).");
                        return (status, null, null);
                    }
                    (failureCode, failureText) = Describe(message.Response);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    throw;
                }
                catch (OperationCanceledException)
                {
                    failureCode = "ClientTimeout";
                    failureText = "no answer came in time; the batch may or may not have been stored, so it is counted as failed (sending it again may duplicate it).";
                }
                catch (AuthenticationFailedException e)
                {
                    failureCode = "AuthenticationFailed";
                    failureText = "could not get a token for the monitor scope: " + e.Message;
                }
                catch (RequestFailedException e) when (e.Status == 0)
                {
                    failureCode = "ConnectionFailed";
                    failureText = $"could not reach {_uri.GetLeftPart(UriPartial.Authority)}: {e.Message}";
                }
                catch (IOException e)
                {
                    failureCode = "ConnectionLost";
                    failureText = "the connection failed: " + e.Message + " The batch may or may not have been stored.";
                }
            }
            return (status, failureCode, failureText);
        }

        private (string Code, string Text) Describe(Response response)
        {
            int status = response.Status;
            byte[] body = ReadSome(response);
            var error = ServiceError.FromBody(body);
            string code = error?.Code ?? response.ReasonPhrase?.Replace(" ", "") ?? "Error";
            string text = error?.Describe();
            if (string.IsNullOrEmpty(text))
                text = body.Length > 0 && body.Length < 2000 ? Encoding.UTF8.GetString(body).Trim() : response.ReasonPhrase;
            string hint;
            switch (status)
            {
                case 400: hint = " Check the stream's columns match what this module sends (Export-LowSlowExfilDeployment's table)."; break;
                case 401: hint = " The token was refused: check the identity signs in to the right tenant and environment."; break;
                // Microsoft's tutorial: a new role assignment can take up to 30 minutes to take effect.
                case 403: hint = $" The identity needs the Monitoring Metrics Publisher role on data collection rule {_dcr} (a role assigned in the last 30 minutes may not have taken effect yet)."; break;
                case 404: hint = $" Check the endpoint, the rule's immutable id ({_dcr}) and the stream name ({_stream})."; break;
                case 413: hint = " The service refused the request as too large."; break;
                case 429: hint = $" Still throttled after {_maxRetries} retries."; break;
                case 500: case 502: case 503: hint = $" Still failing after {_maxRetries} retries."; break;
                default: hint = ""; break;
            }
            return (code, text + hint);
        }

        private static byte[] ReadSome(Response response)
        {
            var s = response.ContentStream;
            if (s == null) return new byte[0];
            using (s)
            using (var ms = new MemoryStream())
            {
                var buf = new byte[8192];
                try
                {
                    int n;
                    while (ms.Length < MaxErrorBody && (n = s.Read(buf, 0, buf.Length)) > 0) ms.Write(buf, 0, n);
                }
                catch (IOException) { }
                return ms.ToArray();
            }
        }

        private static byte[] Gzip(List<Pending> records, int size)
        {
            using (var ms = new MemoryStream(size / 4 + 64))
            {
                using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true))
                {
                    gz.WriteByte((byte)'[');
                    for (int i = 0; i < records.Count; i++)
                    {
                        if (i > 0) gz.WriteByte((byte)',');
                        gz.Write(records[i].Json, 0, records[i].Json.Length);
                    }
                    gz.WriteByte((byte)']');
                }
                return ms.ToArray();
            }
        }

        public void Dispose() => _http.Dispose();
    }
}
