using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
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
    /// Runs KQL against a Log Analytics workspace (<c>POST {endpoint}/v1/workspaces/{id}/query</c>) or an Azure
    /// Data Explorer database (<c>POST {cluster}/v1/rest/query</c>) on Azure.Core's HttpPipeline: a bearer token
    /// from Azure.Identity, this module's retry policy instead of Azure.Core's, the response streamed and parsed
    /// into a typed <see cref="QueryTable"/>, every failure turned into a <see cref="QueryFailedException"/> that
    /// carries the service's own code and message and never a secret. The body is read under
    /// <see cref="ResponseLimits"/> and within the client-side timeout counted from the request's sending to the
    /// body's last byte, and stops promptly on cancellation, whatever the server does (<see cref="ResponseBodyStream"/>).
    /// </summary>
    internal sealed class KustoQueryClient : IQueryClient
    {
        private const int MaxErrorBody = 1024 * 1024;
        private const string SentAt = "LowSlowExfil.SentAt";   // the attempt's Stopwatch timestamp, set as the request leaves
        private readonly HttpPipeline _pipeline;
        private readonly ServicePipeline _http;
        private readonly Uri _queryUri;
        private readonly bool _adx;
        private readonly string _service;
        private readonly string _target;
        private readonly string _database;
        private readonly int _waitSeconds;
        private readonly TimeSpan _networkTimeout;
        private readonly bool _allowPartial;
        private readonly int _maxRetries;
        private readonly Action<string> _log;
        private readonly TokenTracker _tokens;

        /// <param name="limits">How much of an answer to read; the defaults unless a test sets small ones.</param>
        public KustoQueryClient(QueryConnection c, ResponseLimits limits = null)
        {
            if (c == null) throw new ArgumentNullException(nameof(c));
            Limits = limits ?? new ResponseLimits();
            var cloud = CloudEnvironment.Resolve(c.Environment);
            bool hasWorkspace = !string.IsNullOrWhiteSpace(c.WorkspaceId);
            if (hasWorkspace == (c.ClusterUri != null))
                throw new ArgumentException("Give either a Log Analytics workspace id or an Azure Data Explorer cluster (with its database), not both.",
                    hasWorkspace ? nameof(QueryConnection.ClusterUri) : nameof(QueryConnection.WorkspaceId));
            if (c.MaxRetries < 0) throw new ArgumentOutOfRangeException(nameof(QueryConnection.MaxRetries), c.MaxRetries, "MaxRetries cannot be negative.");

            Uri resource;
            if (hasWorkspace)
            {
                _service = "Log Analytics";
                string ws = c.WorkspaceId.Trim();
                _target = $"workspace '{ws}'";
                var root = c.Endpoint != null ? EndpointRules.Validate(c.Endpoint, nameof(QueryConnection.Endpoint)) : cloud.LogAnalyticsEndpoint;
                _queryUri = EndpointRules.Append(root, "/v1/workspaces/" + Uri.EscapeDataString(ws) + "/query");
                resource = cloud.LogAnalyticsEndpoint;
            }
            else
            {
                if (string.IsNullOrWhiteSpace(c.Database))
                    throw new ArgumentException("An Azure Data Explorer query needs the database name.", nameof(QueryConnection.Database));
                _adx = true;
                _service = "Azure Data Explorer";
                _database = c.Database.Trim();
                var cluster = EndpointRules.Validate(c.ClusterUri, nameof(QueryConnection.ClusterUri));
                _target = $"database '{_database}' on {cluster.GetLeftPart(UriPartial.Authority)}";
                var root = c.Endpoint != null ? EndpointRules.Validate(c.Endpoint, nameof(QueryConnection.Endpoint)) : cluster;
                _queryUri = EndpointRules.Append(root, "/v1/rest/query");
                resource = cluster;
            }

            var server = c.ServerTimeout <= TimeSpan.Zero ? TimeSpan.FromMinutes(3) : c.ServerTimeout;
            if (server > TimeSpan.FromMinutes(10)) server = TimeSpan.FromMinutes(10);
            _waitSeconds = Math.Max(1, (int)Math.Ceiling(server.TotalSeconds));
            // A little longer than the server may take, so the server's own timeout (504, not retried) comes first.
            double margin = Math.Min(30, Math.Max(1, _waitSeconds / 10.0));
            _networkTimeout = TimeSpan.FromSeconds(_waitSeconds + margin);
            _allowPartial = c.AllowPartialResults;
            _maxRetries = c.MaxRetries;
            _http = new ServicePipeline(CredentialFactory.Create(c.Authentication, cloud), EndpointRules.Scope(resource), _queryUri, c.Log,
                c.MaxRetries, c.MaxRetryDelay, _networkTimeout, Statistics, _service, new SentAtPolicy());
            _pipeline = _http.Pipeline;
            _tokens = _http.Tokens;
            _log = _http.Log;
        }

        public QueryStatistics Statistics { get; } = new QueryStatistics();

        public ResponseLimits Limits { get; }

        /// <summary>The URL queries are posted to (no secret in it).</summary>
        public Uri QueryUri => _queryUri;

        public QueryTable Query(string kql, DateTime startUtc, DateTime? endUtc, CancellationToken cancellation)
        {
            if (string.IsNullOrWhiteSpace(kql)) throw new ArgumentException("The query is empty.", nameof(kql));
            startUtc = Rule.HuntWindow.ToUtc(startUtc);
            endUtc = endUtc.HasValue ? Rule.HuntWindow.ToUtc(endUtc.Value) : (DateTime?)null;
            if (endUtc <= startUtc) throw new ArgumentException("The query's time range ends before it starts.", nameof(endUtc));

            using (var message = _pipeline.CreateMessage())
            {
                message.BufferResponse = false;                 // streamed: a result may be tens of MB
                message.NetworkTimeout = _networkTimeout;
                var request = message.Request;
                request.Method = RequestMethod.Post;
                request.Uri.Reset(_queryUri);
                request.Headers.SetValue("Content-Type", _adx ? "application/json; charset=utf-8" : "application/json");
                request.Headers.SetValue("Accept", "application/json");
                request.Headers.SetValue("Accept-Encoding", "gzip, deflate");
                if (!_adx) request.Headers.SetValue("Prefer", "wait=" + _waitSeconds.ToString(CultureInfo.InvariantCulture));
                else request.Headers.SetValue("x-ms-app", "LowSlowExfil");
                request.Content = RequestContent.Create(Body(kql, startUtc, endUtc));
                _log?.Invoke($"{_service}: POST {_queryUri} for ({startUtc:yyyy-MM-ddTHH:mm:ss.fffZ}, " +
                    (endUtc.HasValue ? $"{endUtc.Value:yyyy-MM-ddTHH:mm:ss.fffZ}]" : "…) without an upper bound") + $", query of {kql.Length} characters.");

                try
                {
                    _pipeline.Send(message, cancellation);
                    return ReadResponse(message, cancellation);
                }
                catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
                {
                    throw;
                }
                catch (OperationCanceledException e)
                {
                    throw Fail($"{_service} sent no complete answer within {_networkTimeout.TotalSeconds:0.#} s (the client-side timeout, a little over the " +
                        $"server timeout of {_waitSeconds} s). The query was not re-run automatically; narrow the time window or raise the server timeout.",
                        0, "ClientTimeout", e);
                }
                catch (IOException e) when (!cancellation.IsCancellationRequested)
                {
                    throw Fail($"The connection to {_service} failed while the answer was read: {e.Message}. The query was not re-run automatically.", 0, "ConnectionLost", e);
                }
                catch (AuthenticationFailedException e)
                {
                    throw Fail($"Could not get a token for {_service}: {e.Message}", 0, "AuthenticationFailed", e);
                }
                catch (RequestFailedException e) when (e.Status == 0)
                {
                    throw Fail($"Could not reach {_service} at {_queryUri.GetLeftPart(UriPartial.Authority)}: {e.Message}", 0, "ConnectionFailed", e);
                }
                catch (ResponseLimitException e)
                {
                    // Not QueryResultTooLargeException: a narrower time range would not make a hostile answer smaller.
                    throw Fail($"{_service} sent an answer larger than the service ever sends: {e.Message}. Reading stopped there and the query " +
                        $"was not re-run automatically. A real answer is at most about 64 MB compressed and 500,000 rows; check that " +
                        $"{_queryUri.GetLeftPart(UriPartial.Authority)} really is {_service}.", 200, "ResponseTooLarge", e);
                }
                catch (JsonException e)
                {
                    // The parser's own findings say what is wrong with the answer; System.Text.Json's speak to programmers.
                    string why = e.LineNumber.HasValue ? Readers.JsonErrorText.NotValid(e.Message, e.LineNumber, e.BytePositionInLine, 1, 0) : e.Message.TrimEnd('.');
                    throw Fail($"{_service} sent an answer that could not be read: {why}", 200, "InvalidResponse", e);
                }
            }
        }

        private byte[] Body(string kql, DateTime start, DateTime? end)
        {
            using (var ms = new MemoryStream())
            {
                using (var w = new Utf8JsonWriter(ms))
                {
                    w.WriteStartObject();
                    if (_adx)
                    {
                        w.WriteString("db", _database);
                        w.WriteString("csl", kql);
                        w.WriteStartObject("properties");
                        w.WriteStartObject("Options");
                        w.WriteString("servertimeout", TimeSpan.FromSeconds(_waitSeconds).ToString("c", CultureInfo.InvariantCulture));
                        w.WriteEndObject();
                        w.WriteEndObject();
                    }
                    else
                    {
                        w.WriteString("query", kql);
                        // The query's own predicate is (start, end]; the timespan must not cut off events at end itself.
                        // An open range sends none: the timespan is optional and applied in addition to the query's
                        // own filter, so any end given would drop rows stamped after it (clock skew, future-dated records).
                        if (end.HasValue) w.WriteString("timespan", Iso(start) + "/" + Iso(end.Value.AddMilliseconds(1)));
                    }
                    w.WriteEndObject();
                }
                return ms.ToArray();
            }
        }

        private static string Iso(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

        private QueryTable ReadResponse(HttpMessage message, CancellationToken ct)
        {
            var response = message.Response;
            int status = response.Status;
            if (status == 204)
            {
                response.ContentStream?.Dispose();
                _log?.Invoke($"{_service}: 204, no data.");
                return new QueryTable(new QueryColumn[0], new object[0][]);
            }
            if (status != 200)
                throw ErrorFor(message, ct);

            ParsedResponse parsed;
            var wire = Guard(message, ct);
            using (wire)                                        // also when Decode refuses the encoding
            using (var body = Decode(response, wire))
                parsed = QueryResponseParser.Parse(body, limits: Limits);
            Statistics.BytesReceived += wire.Count;
            Statistics.RowsReceived += parsed.Rows.Count;
            ct.ThrowIfCancellationRequested();
            _log?.Invoke($"{_service}: 200, {parsed.Rows.Count} rows, {wire.Count} bytes.");

            if (parsed.Tables == 0 && parsed.Error == null)
                throw Fail($"{_service} answered without a result table.", 200, "InvalidResponse");
            QueryPartialError partial = null;
            if (parsed.Error != null)
            {
                var e = parsed.Error;
                string code = e.Code ?? "PartialError";
                if (e.IsResultTooLarge)
                    throw new QueryResultTooLargeException(Clean(
                        $"{_service} cut the result off at its size limits ({code}): {e.Describe()}"), 200, e.InnermostCode ?? code);
                if (!_allowPartial)
                    throw Fail($"{_service} returned a partial result ({code}): {e.Describe()} A partial result is never used silently: " +
                        "narrow the query or accept partial results explicitly.", 200, code);
                partial = new QueryPartialError(code, Clean(e.Describe()));
                _log?.Invoke($"{_service}: accepted a partial result ({code}): {e.Describe()}");
            }
            return new QueryTable(parsed.Columns, parsed.Rows, partial);
        }

        /// <summary>
        /// The body off the wire under the byte limit, the deadline (the client-side timeout, counted from the sending
        /// of this attempt's request) and the caller's cancellation.
        /// </summary>
        private ResponseBodyStream Guard(HttpMessage message, CancellationToken ct)
        {
            TimeSpan left = _networkTimeout;
            if (message.TryGetProperty(SentAt, out object sent) && sent is long at)
                left -= TimeSpan.FromSeconds((Stopwatch.GetTimestamp() - at) / (double)Stopwatch.Frequency);
            return new ResponseBodyStream(message.Response.ContentStream, Limits.MaxWireBytes, left, ct);
        }

        private Stream Decode(Response response, Stream raw)
        {
            if (!response.Headers.TryGetValue("Content-Encoding", out string enc) || string.IsNullOrWhiteSpace(enc)) return raw;
            switch (enc.Trim().ToLowerInvariant())
            {
                case "gzip": return new DecodedLimitStream(new GZipStream(raw, CompressionMode.Decompress), Limits.MaxDecodedBytes);
                case "deflate": return new DecodedLimitStream(new DeflateStream(raw, CompressionMode.Decompress), Limits.MaxDecodedBytes);
                case "identity": return raw;
                default: throw new JsonException($"The answer is encoded as '{enc}', which this client did not ask for.");
            }
        }

        private QueryFailedException ErrorFor(HttpMessage message, CancellationToken ct)
        {
            var response = message.Response;
            int status = response.Status;
            byte[] body = ReadSome(message, ct, out long bytes);
            Statistics.BytesReceived += bytes;
            var error = ServiceError.FromBody(body);
            string code = error?.Code ?? response.ReasonPhrase?.Replace(" ", "") ?? "Error";
            string text = error?.Describe();
            if (string.IsNullOrEmpty(text))
                text = body.Length > 0 && body.Length < 2000 ? Encoding.UTF8.GetString(body).Trim() : response.ReasonPhrase;
            if (error != null && error.IsResultTooLarge && (status == 400 || status == 413))
                return new QueryResultTooLargeException(Clean($"{_service} refused the result for its size ({status} {code}): {text}"), status, code);

            string what;
            string hint = "";
            switch (status)
            {
                case 400:
                    what = "rejected the query";
                    break;
                case 401:
                    what = "refused the credentials";
                    hint = $" The token was not accepted for {_target}: check the identity signs in to the right tenant and environment.";
                    break;
                case 403:
                    what = "denied access";
                    hint = _adx ? " The identity needs the Viewer role on the database." : " The identity needs read access to the workspace (e.g. Log Analytics Reader or Microsoft Sentinel Reader).";
                    break;
                case 404:
                    what = "found no " + _target;
                    hint = _adx ? " Check the cluster URL and the database name." : " Check the workspace id (the workspace's Workspace ID, a GUID, not its name) and the environment.";
                    break;
                case 429:
                    what = "throttled the query";
                    hint = $" Still throttled after {_maxRetries} retries; try again later.";
                    break;
                case 500:
                case 502:
                case 503:
                    what = "was unavailable";
                    hint = $" Still failing after {_maxRetries} retries.";
                    break;
                case 504:
                    what = "timed out running the query";
                    hint = $" A timed-out query is not re-run automatically; narrow the time window or raise the server timeout (now {_waitSeconds} s, at most 600).";
                    break;
                default:
                    what = "failed the query";
                    break;
            }
            return Fail($"{_service} {what} ({status} {code}): {text}{hint}", status, code);
        }

        /// <summary>The start of an error body (enough for its message), read under the same bounds as a result.</summary>
        private byte[] ReadSome(HttpMessage message, CancellationToken ct, out long bytes)
        {
            bytes = 0;
            var response = message.Response;
            if (response.ContentStream == null) return new byte[0];
            using (var counted = Guard(message, ct))
            using (var decoded = Decode(response, counted))
            using (var ms = new MemoryStream())
            {
                var buf = new byte[16384];
                try
                {
                    int n;
                    while (ms.Length < MaxErrorBody && (n = decoded.Read(buf, 0, buf.Length)) > 0) ms.Write(buf, 0, n);
                }
                catch (IOException) { }
                catch (InvalidDataException) { }
                catch (JsonException) { }
                catch (ResponseLimitException) { }     // a status and the start of its message are still worth reporting
                bytes = counted.Count;
                return ms.ToArray();
            }
        }

        private string Clean(string text) => Redaction.Clean(text, _tokens.Last);

        private QueryFailedException Fail(string message, int status, string code, Exception inner = null) =>
            new QueryFailedException(Clean(message), status, code, inner == null ? null : new QueryEngineException(Clean(inner.GetType().Name + ": " + inner.Message)));

        public void Dispose() => _http.Dispose();

        /// <summary>Marks when each attempt's request leaves (after retries' waits and the token), for the body's deadline.</summary>
        private sealed class SentAtPolicy : HttpPipelineSynchronousPolicy
        {
            public override void OnSendingRequest(HttpMessage message) => message.SetProperty(SentAt, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>The cause of a <see cref="QueryFailedException"/>, as text only (Azure exception types stay inside the engine).</summary>
    internal sealed class QueryEngineException : Exception
    {
        public QueryEngineException(string message) : base(message) { }
    }
}
