using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using System.Xml;

namespace FakeLogAnalytics
{
    /// <summary>
    /// A real HTTP server on 127.0.0.1 that answers like the Log Analytics query API
    /// (<c>POST /v1/workspaces/{id}/query</c>), Azure Data Explorer's v1 query endpoint (<c>POST /v1/rest/query</c>)
    /// and the App Service / Azure Automation managed-identity endpoint (<c>GET /msi/token</c>), over the events of an
    /// <see cref="EventStore"/>. It evaluates the module's two push-down queries (see <see cref="QueryInterpreter"/>),
    /// checks the bearer token and the workspace, injects faults on demand, truncates results over
    /// <see cref="MaxRows"/> the way the service does, and records every request (never a token).
    /// Control endpoints for scripts: <c>POST /_fake/faults</c>, <c>POST /_fake/settings</c>, <c>GET /_fake/requests</c>,
    /// <c>POST /_fake/reset</c>; <c>POST /_fake/webhook</c> stands in for a Logic App trigger (<c>GET</c> lists what it was sent).
    /// </summary>
    public sealed partial class FakeLogAnalyticsServer : IDisposable
    {
        public const string DefaultWorkspaceId = "8f0c3a52-2d1e-4d7b-9a36-5c4e1b7f0a21";
        public const string DefaultDatabase = "SecurityLogs";
        public const string TruncationMessage =
            "Query result set has exceeded the internal record count limit 500000 (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)";

        private readonly HttpListener _listener;
        private readonly Thread _loop;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly ConcurrentQueue<FakeFault> _faults = new ConcurrentQueue<FakeFault>();
        private readonly List<RecordedRequest> _requests = new List<RecordedRequest>();
        private readonly List<string> _webhookBodies = new List<string>();
        private readonly object _sync = new object();
        private int _inFlight;

        public FakeLogAnalyticsServer(EventStore store = null, string token = null, int port = 0)
        {
            Store = store ?? new EventStore();
            Token = token ?? "fake-token-" + Guid.NewGuid().ToString("N");
            IdentityHeader = "identity-header-" + Guid.NewGuid().ToString("N");
            for (int attempt = 0; ; attempt++)
            {
                int p = port != 0 ? port : FreePort();
                var listener = new HttpListener();
                listener.Prefixes.Add($"http://127.0.0.1:{p}/");
                try
                {
                    listener.Start();
                    _listener = listener;
                    BaseUri = new Uri($"http://127.0.0.1:{p}/");
                    break;
                }
                catch (HttpListenerException) when (port == 0 && attempt < 10)
                {
                    listener.Close();
                }
            }
            _loop = new Thread(Loop) { IsBackground = true, Name = "FakeLogAnalytics" };
            _loop.Start();
        }

        /// <summary>A server over every log file under <paramref name="folder"/>.</summary>
        public static FakeLogAnalyticsServer FromFolder(string folder, string token = null, int port = 0) =>
            new FakeLogAnalyticsServer(EventStore.Load(folder), token, port);

        /// <summary>http://127.0.0.1:{port}/ — the Endpoint for Log Analytics, the cluster URI for ADX.</summary>
        public Uri BaseUri { get; }
        public EventStore Store { get; }
        /// <summary>The bearer token accepted (401 for any other).</summary>
        public string Token { get; set; }
        /// <summary>Tokens that authenticate but lack access (403).</summary>
        public HashSet<string> ForbiddenTokens { get; } = new HashSet<string>(StringComparer.Ordinal);
        /// <summary>The one workspace this service knows (404 for any other).</summary>
        public string WorkspaceId { get; set; } = DefaultWorkspaceId;
        /// <summary>The one ADX database this cluster knows.</summary>
        public string Database { get; set; } = DefaultDatabase;
        /// <summary>Rows a result may have; over it the result is truncated with E_QUERY_RESULT_SET_TOO_LARGE, as the service does at 500,000.</summary>
        public int MaxRows { get; set; } = 500000;
        /// <summary>Added to every query's answer time.</summary>
        public TimeSpan ResponseDelay { get; set; }
        /// <summary>gzip the answer when the client accepts it (as the service does).</summary>
        public bool CompressResponses { get; set; } = true;
        /// <summary>Add a spare column of every other Kusto type to results (bool, dynamic, real, guid, decimal, timespan, int).</summary>
        public bool SpareColumns { get; set; } = true;
        /// <summary>Every Nth row carries its long values as strings (the service does this at times); 0 never.</summary>
        public int LongAsStringEvery { get; set; } = 3;
        /// <summary>The X-IDENTITY-HEADER value the managed-identity endpoint expects (IDENTITY_HEADER).</summary>
        public string IdentityHeader { get; }
        /// <summary>IDENTITY_ENDPOINT for ManagedIdentityCredential.</summary>
        public Uri IdentityEndpoint => new Uri(BaseUri, "msi/token");

        public void Enqueue(FakeFault fault, int times = 1)
        {
            for (int i = 0; i < times; i++) _faults.Enqueue(fault);
        }

        public int PendingFaults => _faults.Count;

        public IReadOnlyList<RecordedRequest> Requests
        {
            get { lock (_sync) return _requests.ToList(); }
        }

        /// <summary>Requests to the query endpoints (Log Analytics and ADX).</summary>
        public IReadOnlyList<RecordedRequest> QueryRequests => Requests.Where(r => r.Path.EndsWith("/query", StringComparison.Ordinal)).ToList();

        public IReadOnlyList<RecordedRequest> IdentityRequests => Requests.Where(r => r.Path == "/msi/token").ToList();

        public void ClearRequests()
        {
            lock (_sync) _requests.Clear();
        }

        public void Reset()
        {
            while (_faults.TryDequeue(out _)) { }
            ClearRequests();
            lock (_sync) _webhookBodies.Clear();
            lock (_sync) _ingested.Clear();
        }

        // ───────────────────────── the loop ─────────────────────────

        private static int FreePort()
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            int port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            return port;
        }

        private void Loop()
        {
            while (!_stop.IsCancellationRequested)
            {
                HttpListenerContext ctx;
                try
                {
                    ctx = _listener.GetContext();
                }
                catch (Exception) when (_stop.IsCancellationRequested) { return; }
                catch (HttpListenerException) { continue; }
                catch (ObjectDisposedException) { return; }
                catch (InvalidOperationException) { return; }
                Interlocked.Increment(ref _inFlight);
                // A thread of its own per request, not the thread pool: with tests running side by side on two cores
                // the pool can be busy for seconds, and a client timeout test then saw no request reach the server.
                new Thread(() =>
                {
                    try { Handle(ctx); }
                    catch (Exception) { TryAbort(ctx); }
                    finally { Interlocked.Decrement(ref _inFlight); }
                }) { IsBackground = true, Name = "FakeLogAnalytics request" }.Start();
            }
        }

        private static void TryAbort(HttpListenerContext ctx)
        {
            try { ctx.Response.Abort(); } catch (Exception) { }
        }

        private void Handle(HttpListenerContext ctx)
        {
            var req = ctx.Request;
            byte[] raw;
            using (var ms = new MemoryStream())
            {
                req.InputStream.CopyTo(ms);
                raw = ms.ToArray();
            }
            // Ingestion bodies are gzip: kept as bytes; every other body is UTF-8 text.
            string body = string.Equals(req.Headers["Content-Encoding"], "gzip", StringComparison.OrdinalIgnoreCase) ? string.Empty : Encoding.UTF8.GetString(raw);
            var rec = new RecordedRequest
            {
                ReceivedUtc = DateTime.UtcNow,
                Method = req.HttpMethod,
                Path = req.Url.AbsolutePath,
                QueryString = req.Url.Query,
                Body = body,
                Headers = RecordHeaders(req),
            };
            lock (_sync) _requests.Add(rec);
            string path = rec.Path;

            if (path.StartsWith("/_fake/", StringComparison.Ordinal)) { Control(ctx, rec); return; }
            if (path == "/msi/token") { Identity(ctx, rec); return; }
            if (path.StartsWith("/dataCollectionRules/", StringComparison.Ordinal)) { Ingest(ctx, rec, raw); return; }
            bool la = req.HttpMethod == "POST" && path.StartsWith("/v1/workspaces/", StringComparison.Ordinal) && path.EndsWith("/query", StringComparison.Ordinal);
            bool adx = req.HttpMethod == "POST" && path == "/v1/rest/query";
            if (!la && !adx)
            {
                Send(ctx, rec, 404, ErrorBody("PathNotFoundError", "The requested path does not exist"));
                return;
            }

            // Authentication first, then the workspace, as the service does.
            string auth = req.Headers["Authorization"];
            rec.HadAuthorization = auth != null;
            string token = auth != null && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth.Substring(7).Trim() : null;
            rec.TokenValid = token != null && (token == Token || ForbiddenTokens.Contains(token));
            _faults.TryPeek(out var peek);
            if (peek != null && peek.EchoAuthorization && _faults.TryDequeue(out var echo))
            {
                rec.Fault = "echo Authorization";
                Send(ctx, rec, 401, ErrorBody("InvalidTokenError", "The provided authentication is not valid for this resource: " + auth,
                    ("SignatureVerificationFailed", "Token " + token + " failed signature validation")), authChallenge: true);
                return;
            }
            if (token == null)
            {
                Send(ctx, rec, 401, adx ? AdxError("Unauthorized", "Unauthorized", "Kusto.Common.Svc.Exceptions.UnauthorizedOperationException", "Request is not authorized: no bearer token.")
                                        : ErrorBody("AuthorizationRequiredError", "Valid authentication was not provided"), authChallenge: true);
                return;
            }
            if (!rec.TokenValid)
            {
                Send(ctx, rec, 401, adx ? AdxError("Unauthorized", "Unauthorized", "Kusto.Common.Svc.Exceptions.UnauthorizedOperationException", "The token is not valid for this cluster.")
                                        : ErrorBody("InvalidTokenError", "The provided authentication is not valid for this resource",
                                            ("SignatureVerificationFailed", "Signature validation failed")), authChallenge: true);
                return;
            }
            if (ForbiddenTokens.Contains(token))
            {
                Send(ctx, rec, 403, adx ? AdxError("Forbidden", "Forbidden", "Kusto.Common.Svc.Exceptions.UnauthorizedOperationException", "Principal is not authorized to read database '" + Database + "'.")
                                        : ErrorBody("InsufficientAccessError", "The provided credentials have insufficient access to perform the requested operation"));
                return;
            }

            string text, timespan = null, db = null;
            try
            {
                using (var doc = JsonDocument.Parse(body.Length == 0 ? "{}" : body))
                {
                    var root = doc.RootElement;
                    text = Prop(root, adx ? "csl" : "query");
                    if (adx) db = Prop(root, "db");
                    else timespan = Prop(root, "timespan");
                }
            }
            catch (JsonException e)
            {
                Send(ctx, rec, 400, ErrorBody("BadArgumentError", "The request had some invalid properties", ("InvalidJson", e.Message)));
                return;
            }
            rec.Query = text;
            rec.Timespan = timespan;
            rec.Database = db;

            if (la)
            {
                string ws = Uri.UnescapeDataString(path.Substring("/v1/workspaces/".Length, path.Length - "/v1/workspaces/".Length - "/query".Length));
                if (!string.Equals(ws, WorkspaceId, StringComparison.OrdinalIgnoreCase))
                {
                    Send(ctx, rec, 404, ErrorBody("WorkspaceNotFoundError", $"The workspace {ws} could not be found"));
                    return;
                }
            }
            else if (!string.Equals(db, Database, StringComparison.OrdinalIgnoreCase))
            {
                Send(ctx, rec, 400, AdxError("General_BadRequest", "Request is invalid and cannot be executed.",
                    "Kusto.Data.Exceptions.EntityNotFoundException", $"Entity ID '{db}' of kind 'Database' was not found."));
                return;
            }

            // Faults.
            _faults.TryDequeue(out var fault);
            var delay = ResponseDelay + (fault?.Delay ?? TimeSpan.Zero);
            if (delay > TimeSpan.Zero && _stop.Token.WaitHandle.WaitOne(delay)) { TryAbort(ctx); return; }
            if (fault != null)
            {
                rec.Fault = fault.Name;
                if (fault.Status != 0)
                {
                    SendFault(ctx, rec, fault, adx);
                    return;
                }
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                Send(ctx, rec, 400, ErrorBody("BadArgumentError", "The request had some invalid properties", ("MissingQuery", "The query is missing.")));
                return;
            }
            ParsedQuery parsed;
            try
            {
                parsed = QueryInterpreter.Parse(text);
            }
            catch (KqlRejectedException e)
            {
                Send(ctx, rec, 400, adx
                    ? AdxError("General_BadRequest", "Request is invalid and cannot be executed.", "Kusto.Data.Exceptions.SyntaxException", "Syntax error: " + e.Code + ": " + e.Message)
                    : ErrorBody("BadArgumentError", "The request had some invalid properties",
                        ("SyntaxError", "A recognition error occurred in the query."), (e.Code, e.Message)));
                return;
            }
            rec.Parsed = parsed;
            DateTime? from = null, to = null;
            if (!string.IsNullOrEmpty(timespan) && !TryParseTimespan(timespan, out from, out to))
            {
                Send(ctx, rec, 400, ErrorBody("BadArgumentError", "The request had some invalid properties", ("InvalidTimespan", $"'{timespan}' is not an ISO 8601 interval.")));
                return;
            }

            var table = QueryInterpreter.Evaluate(parsed, Store, from, to);
            bool truncated = table.Rows.Count > MaxRows;
            if (truncated) table.Rows.RemoveRange(MaxRows, table.Rows.Count - MaxRows);
            rec.Rows = table.Rows.Count;
            rec.Truncated = truncated;
            string partial = truncated ? TruncationMessage
                : fault != null && fault.PartialError ? "Partial query failure: Low memory condition (E_LOW_MEMORY_CONDITION). (message: 'bad allocation', details: '')"
                : null;
            byte[] json = adx ? AdxResult(table, partial) : LaResult(table, partial);
            Send(ctx, rec, 200, json, stall: fault?.StallBody ?? TimeSpan.Zero);
        }

        private void SendFault(HttpListenerContext ctx, RecordedRequest rec, FakeFault f, bool adx)
        {
            var headers = new List<KeyValuePair<string, string>>(f.Headers);
            if (f.RetryAfter != null) headers.Add(new KeyValuePair<string, string>("Retry-After", f.RetryAfter));
            if (f.RetryAfterMs != null) headers.Add(new KeyValuePair<string, string>("x-ms-retry-after-ms", f.RetryAfterMs));
            byte[] body;
            string contentType = "application/json; charset=utf-8";
            if (f.Body != null)
            {
                body = Encoding.UTF8.GetBytes(f.Body);
                contentType = f.ContentType;
            }
            else
            {
                switch (f.Status)
                {
                    case 204: body = new byte[0]; break;
                    case 429: body = ErrorBody("ThrottledError", "Too many requests. The request was throttled; retry after the time in the Retry-After header."); break;
                    case 500: body = ErrorBody("InternalServerError", "An unexpected error occurred."); break;
                    case 502:
                        body = Encoding.UTF8.GetBytes("<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>");
                        contentType = "text/html";
                        break;
                    case 503: body = ErrorBody("ServiceUnavailableError", "The service is temporarily unavailable. Please try again later."); break;
                    case 504:
                        body = adx ? AdxError("General_InternalServerError", "Query timed out", "Kusto.Data.Exceptions.QueryTimeoutException", "Query execution has exceeded the allowed limits (80DA0001).")
                                   : ErrorBody("GatewayTimeout", "The query exceeded the allotted time and was cancelled.", ("QueryTimeout", "Query execution has exceeded the allowed limits (80DA0001).")); break;
                    default: body = ErrorBody("Error" + f.Status.ToString(CultureInfo.InvariantCulture), "Fault injected by the fake service."); break;
                }
            }
            Send(ctx, rec, f.Status, body, headers: headers, contentType: contentType);
        }

        private void Send(HttpListenerContext ctx, RecordedRequest rec, int status, byte[] body, bool authChallenge = false,
            IEnumerable<KeyValuePair<string, string>> headers = null, string contentType = "application/json; charset=utf-8", TimeSpan stall = default)
        {
            rec.Status = status;
            var resp = ctx.Response;
            try
            {
                resp.StatusCode = status;
                resp.Headers["x-ms-correlation-request-id"] = Guid.NewGuid().ToString();
                if (authChallenge)
                    resp.Headers["WWW-Authenticate"] = "Bearer authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", error=\"invalid_token\"";
                if (headers != null) foreach (var h in headers) resp.Headers[h.Key] = h.Value;
                if (status == 204 || body == null || body.Length == 0)
                {
                    resp.ContentLength64 = 0;
                    resp.Close();
                    return;
                }
                resp.ContentType = contentType;
                string accept = ctx.Request.Headers["Accept-Encoding"] ?? string.Empty;
                if (CompressResponses && accept.IndexOf("gzip", StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    using (var ms = new MemoryStream())
                    {
                        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(body, 0, body.Length);
                        body = ms.ToArray();
                    }
                    resp.Headers["Content-Encoding"] = "gzip";
                }
                resp.ContentLength64 = body.Length;
                int first = stall > TimeSpan.Zero ? Math.Max(1, body.Length / 2) : body.Length;
                resp.OutputStream.Write(body, 0, first);
                if (first < body.Length)
                {
                    resp.OutputStream.Flush();
                    rec.BodyStalled = true;
                    if (_stop.Token.WaitHandle.WaitOne(stall)) { TryAbort(ctx); return; }
                    resp.OutputStream.Write(body, first, body.Length - first);
                }
                resp.Close();
            }
            catch (Exception e) when (e is HttpListenerException || e is IOException || e is ObjectDisposedException || e is InvalidOperationException)
            {
                TryAbort(ctx);   // the client gave up (e.g. its timeout)
            }
        }

        // ───────────────────────── managed identity ─────────────────────────

        private void Identity(HttpListenerContext ctx, RecordedRequest rec)
        {
            var q = System.Web.HttpUtility.ParseQueryString(ctx.Request.Url.Query);
            string header = ctx.Request.Headers["X-IDENTITY-HEADER"];
            if (ctx.Request.HttpMethod != "GET" || header != IdentityHeader)
            {
                Send(ctx, rec, 401, Json(w =>
                {
                    w.WriteString("error", "invalid_request");
                    w.WriteString("error_description", "The X-IDENTITY-HEADER header is missing or not valid.");
                }));
                return;
            }
            string resource = q["resource"];
            if (string.IsNullOrEmpty(resource) || q["api-version"] != "2019-08-01")
            {
                Send(ctx, rec, 400, Json(w =>
                {
                    w.WriteString("error", "invalid_request");
                    w.WriteString("error_description", "resource and api-version=2019-08-01 are required.");
                }));
                return;
            }
            long expires = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
            Send(ctx, rec, 200, Json(w =>
            {
                w.WriteString("access_token", Token);
                w.WriteString("expires_on", expires.ToString(CultureInfo.InvariantCulture));
                w.WriteString("resource", resource);
                w.WriteString("token_type", "Bearer");
                w.WriteString("client_id", q["client_id"] ?? "5e29463d-71da-4fe0-8e69-999b57db23b0");
            }));
        }

        // ───────────────────────── control (for scripts) ─────────────────────────

        private void Control(HttpListenerContext ctx, RecordedRequest rec)
        {
            try
            {
                switch (rec.Path)
                {
                    case "/_fake/faults" when rec.Method == "POST":
                    {
                        // [{"status":429,"retryAfter":"1","retryAfterMs":null,"delayMs":0,"partial":false,"stallBodyMs":0,"count":2}]
                        using (var doc = JsonDocument.Parse(rec.Body))
                            foreach (var f in doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement.EnumerateArray().ToArray() : new[] { doc.RootElement })
                            {
                                var fault = new FakeFault
                                {
                                    Status = Int(f, "status") ?? 0,
                                    RetryAfter = Prop(f, "retryAfter"),
                                    RetryAfterMs = Prop(f, "retryAfterMs"),
                                    Delay = TimeSpan.FromMilliseconds(Int(f, "delayMs") ?? 0),
                                    PartialError = f.TryGetProperty("partial", out var p) && p.ValueKind == JsonValueKind.True,
                                    StallBody = TimeSpan.FromMilliseconds(Int(f, "stallBodyMs") ?? 0),
                                };
                                fault.Name = Prop(f, "name") ?? (fault.Status != 0 ? fault.Status.ToString(CultureInfo.InvariantCulture) : fault.PartialError ? "PartialError" : "slow");
                                Enqueue(fault, Int(f, "count") ?? 1);
                            }
                        Send(ctx, rec, 200, Json(w => w.WriteNumber("pending", PendingFaults)));
                        return;
                    }
                    case "/_fake/settings" when rec.Method == "POST":
                        using (var doc = JsonDocument.Parse(rec.Body))
                        {
                            var s = doc.RootElement;
                            if (Int(s, "maxRows") is int mr) MaxRows = mr;
                            if (Int(s, "delayMs") is int d) ResponseDelay = TimeSpan.FromMilliseconds(d);
                            if (Prop(s, "token") is string t) Token = t;
                            if (Prop(s, "workspaceId") is string ws) WorkspaceId = ws;
                            // {"ingestionLimitBytes":20000}: 413 for an ingestion body over this size.
                            if (Int(s, "ingestionLimitBytes") is int il) IngestionLimitBytes = il;
                            // {"streamColumns":{"TimeGenerated":"datetime",…}}: the ingestion stream's schema.
                            if (s.TryGetProperty("streamColumns", out var cols) && cols.ValueKind == JsonValueKind.Object)
                                StreamColumns = cols.EnumerateObject().ToDictionary(c => c.Name, c => c.Value.GetString(), StringComparer.Ordinal);
                        }
                        Send(ctx, rec, 200, Json(w => w.WriteNumber("maxRows", MaxRows)));
                        return;
                    case "/_fake/webhook" when rec.Method == "POST":
                        // Stands in for a Logic App's HTTP trigger (the alert examples post there): keeps the body,
                        // answers 202 Accepted with no body, as a trigger does.
                        lock (_sync) _webhookBodies.Add(rec.Body ?? "");
                        Send(ctx, rec, 202, null);
                        return;
                    case "/_fake/webhook" when rec.Method == "GET":
                    {
                        List<string> bodies;
                        lock (_sync) bodies = _webhookBodies.ToList();
                        Send(ctx, rec, 200, JsonArray(w => { foreach (string b in bodies) w.WriteStringValue(b); }));
                        return;
                    }
                    case "/_fake/ingested" when rec.Method == "GET":
                    {
                        // What the ingestion stand-in accepted, and its requests (status, rows, headers that matter).
                        var records = Ingested;
                        var reqs = IngestionRequests;
                        Send(ctx, rec, 200, Json(w =>
                        {
                            w.WriteStartArray("records");
                            foreach (var r in records) r.WriteTo(w);
                            w.WriteEndArray();
                            w.WriteStartArray("requests");
                            foreach (var r in reqs)
                            {
                                w.WriteStartObject();
                                w.WriteString("path", r.Path);
                                w.WriteString("query", r.QueryString);
                                w.WriteNumber("status", r.Status);
                                w.WriteString("fault", r.Fault);
                                w.WriteNumber("rows", r.Rows);
                                w.WriteNumber("uncompressedBytes", Encoding.UTF8.GetByteCount(r.Body ?? ""));
                                w.WriteString("contentEncoding", r.Header("Content-Encoding"));
                                w.WriteBoolean("tokenValid", r.TokenValid);
                                w.WriteEndObject();
                            }
                            w.WriteEndArray();
                        }));
                        return;
                    }
                    case "/_fake/reset" when rec.Method == "POST":
                        Reset();
                        Send(ctx, rec, 200, Json(w => { }));
                        return;
                    case "/_fake/requests" when rec.Method == "GET":
                    {
                        var list = QueryRequests;
                        Send(ctx, rec, 200, JsonArray(w =>
                        {
                            foreach (var r in list)
                            {
                                w.WriteStartObject();
                                w.WriteString("method", r.Method);
                                w.WriteString("path", r.Path);
                                w.WriteNumber("status", r.Status);
                                w.WriteString("fault", r.Fault);
                                w.WriteNumber("rows", r.Rows);
                                w.WriteBoolean("truncated", r.Truncated);
                                w.WriteBoolean("bodyStalled", r.BodyStalled);
                                w.WriteString("prefer", r.Header("Prefer"));
                                w.WriteString("timespan", r.Timespan);
                                w.WriteString("query", r.Query);
                                w.WriteEndObject();
                            }
                        }));
                        return;
                    }
                }
                Send(ctx, rec, 404, ErrorBody("PathNotFoundError", "No such control endpoint."));
            }
            catch (JsonException e)
            {
                Send(ctx, rec, 400, ErrorBody("BadArgumentError", e.Message));
            }
        }

        // ───────────────────────── bodies ─────────────────────────

        private static IReadOnlyDictionary<string, string> RecordHeaders(HttpListenerRequest req)
        {
            var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string name in req.Headers.AllKeys)
                d[name] = string.Equals(name, "Authorization", StringComparison.OrdinalIgnoreCase) ? "Bearer <redacted>" : req.Headers[name];
            return d;
        }

        private static string Prop(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        private static int? Int(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : (int?)null;

        private static byte[] Json(Action<Utf8JsonWriter> body)
        {
            using (var ms = new MemoryStream())
            {
                using (var w = new Utf8JsonWriter(ms))
                {
                    w.WriteStartObject();
                    body(w);
                    w.WriteEndObject();
                }
                return ms.ToArray();
            }
        }

        private static byte[] JsonArray(Action<Utf8JsonWriter> body)
        {
            using (var ms = new MemoryStream())
            {
                using (var w = new Utf8JsonWriter(ms))
                {
                    w.WriteStartArray();
                    body(w);
                    w.WriteEndArray();
                }
                return ms.ToArray();
            }
        }

        /// <summary>Log Analytics' error body: {"error":{"message","code","correlationId","innererror":{…}}}.</summary>
        public static byte[] ErrorBody(string code, string message, params (string Code, string Message)[] inner) => Json(w =>
        {
            w.WriteStartObject("error");
            WriteErrorObject(w, code, message, inner, 0);
            w.WriteString("correlationId", Guid.NewGuid().ToString());
            w.WriteEndObject();
        });

        private static void WriteErrorObject(Utf8JsonWriter w, string code, string message, (string Code, string Message)[] inner, int at)
        {
            w.WriteString("message", message);
            w.WriteString("code", code);
            if (at < inner.Length)
            {
                w.WriteStartObject("innererror");
                WriteErrorObject(w, inner[at].Code, inner[at].Message, inner, at + 1);
                w.WriteEndObject();
            }
        }

        /// <summary>Azure Data Explorer's error body.</summary>
        private static byte[] AdxError(string code, string message, string type, string detail) => Json(w =>
        {
            w.WriteStartObject("error");
            w.WriteString("code", code);
            w.WriteString("message", message);
            w.WriteString("@type", type);
            w.WriteString("@message", detail);
            w.WriteStartObject("@context");
            w.WriteString("clientRequestId", "LowSlowExfil;" + Guid.NewGuid());
            w.WriteEndObject();
            w.WriteBoolean("@permanent", true);
            w.WriteEndObject();
        });

        private static readonly (string Name, string Type)[] Spares =
        {
            ("IsSample", "bool"), ("Properties", "dynamic"), ("Score", "real"), ("CorrelationId", "guid"),
            ("Cost", "decimal"), ("Duration", "timespan"), ("Shard", "int"),
        };

        /// <summary>The spare columns' values for row <paramref name="i"/>, as the client should parse them.</summary>
        public static object[] SpareValues(int i) => new object[]
        {
            i % 2 == 0,
            "{\"row\":" + i.ToString(CultureInfo.InvariantCulture) + ",\"tags\":[\"a\",\"b\\\"q\"],\"nested\":{\"x\":null}}",
            (i % 4) switch { 0 => double.NaN, 1 => double.PositiveInfinity, 2 => double.NegativeInfinity, _ => 0.25 * i },
            new Guid(i, 0x1d2e, 0x4f3a, 0x9b, 0x8c, 0x7d, 0x6e, 0x5f, 0x40, 0x31, 0x22),
            i % 2 == 0 ? 12345678901234567.890m + i : 1.25m * i,
            i % 2 == 0 ? new TimeSpan(1, 2, 3, 4, 500) : new TimeSpan(2, 3, 4),
            i % 5 == 4 ? null : (object)i,
        };

        private static string Iso(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

        private void WriteCell(Utf8JsonWriter w, string type, object v, int row, bool adx, bool spare)
        {
            if (v == null) { w.WriteNullValue(); return; }
            switch (type)
            {
                case "string": w.WriteStringValue((string)v); break;
                case "datetime": w.WriteStringValue(Iso((DateTime)v)); break;
                case "long":
                    if (LongAsStringEvery > 0 && row % LongAsStringEvery == LongAsStringEvery - 1) w.WriteStringValue(((long)v).ToString(CultureInfo.InvariantCulture));
                    else w.WriteNumberValue((long)v);
                    break;
                case "int": w.WriteNumberValue((int)v); break;
                case "bool": w.WriteBooleanValue((bool)v); break;
                case "dynamic":
                    // Log Analytics sends dynamic as a string holding JSON; ADX v1 as the JSON itself (every other row here).
                    if (adx && row % 2 == 0) { using (var doc = JsonDocument.Parse((string)v)) doc.RootElement.WriteTo(w); }
                    else w.WriteStringValue((string)v);
                    break;
                case "real":
                {
                    double d = (double)v;
                    if (double.IsNaN(d)) w.WriteStringValue("NaN");
                    else if (double.IsPositiveInfinity(d)) w.WriteStringValue("Infinity");
                    else if (double.IsNegativeInfinity(d)) w.WriteStringValue("-Infinity");
                    else w.WriteNumberValue(d);
                    break;
                }
                case "guid": w.WriteStringValue(((Guid)v).ToString()); break;
                case "decimal":
                    if (row % 2 == 0) w.WriteStringValue(((decimal)v).ToString(CultureInfo.InvariantCulture));
                    else w.WriteNumberValue((decimal)v);
                    break;
                case "timespan": w.WriteStringValue(((TimeSpan)v).ToString(row % 2 == 0 ? "c" : "hh\\:mm\\:ss", CultureInfo.InvariantCulture)); break;
                default: w.WriteStringValue(Convert.ToString(v, CultureInfo.InvariantCulture)); break;
            }
            _ = spare;
        }

        private byte[] LaResult(ResultTable t, string partial) => Json(w =>
        {
            w.WriteStartArray("tables");
            w.WriteStartObject();
            w.WriteString("name", "PrimaryResult");
            w.WriteStartArray("columns");
            foreach (var (name, type) in AllColumns(t))
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                w.WriteString("type", type);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            WriteRows(w, t, "rows", adx: false);
            w.WriteEndObject();
            w.WriteEndArray();
            if (partial != null)
            {
                w.WriteStartObject("error");
                w.WriteString("message", "Response contained partial errors");
                w.WriteString("code", "PartialError");
                w.WriteStartArray("details");
                w.WriteStartObject();
                w.WriteString("code", "EngineError");
                w.WriteString("message", "Something went wrong processing your query on the server.");
                w.WriteStartObject("innererror");
                w.WriteString("code", "-2133196797");
                w.WriteString("message", partial);
                w.WriteNumber("severity", 2);
                w.WriteString("severityName", "Error");
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
            }
        });

        private byte[] AdxResult(ResultTable t, string partial) => Json(w =>
        {
            w.WriteStartArray("Tables");
            w.WriteStartObject();
            w.WriteString("TableName", "Table_0");
            w.WriteStartArray("Columns");
            foreach (var (name, type) in AllColumns(t))
            {
                w.WriteStartObject();
                w.WriteString("ColumnName", name);
                w.WriteString("DataType", DataType(type));
                w.WriteString("ColumnType", type);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            WriteRows(w, t, "Rows", adx: true, exceptions: partial);
            w.WriteEndObject();
            // The other tables of a v1 answer: properties, status, table of contents.
            w.WriteStartObject();
            w.WriteString("TableName", "Table_1");
            w.WriteStartArray("Columns");
            w.WriteStartObject(); w.WriteString("ColumnName", "Value"); w.WriteString("DataType", "String"); w.WriteString("ColumnType", "string"); w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartArray("Rows");
            w.WriteStartArray(); w.WriteStringValue("{\"Visualization\":null,\"Title\":null}"); w.WriteEndArray();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject();
            w.WriteString("TableName", "Table_2");
            w.WriteStartArray("Columns");
            foreach (var (n, dt) in new[] { ("Ordinal", "Int64"), ("Kind", "String"), ("Name", "String"), ("Id", "String"), ("PrettyName", "String") })
            {
                w.WriteStartObject(); w.WriteString("ColumnName", n); w.WriteString("DataType", dt); w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("Rows");
            w.WriteStartArray(); w.WriteNumberValue(0); w.WriteStringValue("QueryResult"); w.WriteStringValue("PrimaryResult"); w.WriteStringValue(Guid.NewGuid().ToString()); w.WriteStringValue(""); w.WriteEndArray();
            w.WriteStartArray(); w.WriteNumberValue(1); w.WriteStringValue("QueryProperties"); w.WriteStringValue("@ExtendedProperties"); w.WriteStringValue(Guid.NewGuid().ToString()); w.WriteStringValue(""); w.WriteEndArray();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
        });

        private IEnumerable<(string Name, string Type)> AllColumns(ResultTable t) => SpareColumns ? t.Columns.Concat(Spares) : t.Columns;

        private void WriteRows(Utf8JsonWriter w, ResultTable t, string name, bool adx, string exceptions = null)
        {
            w.WriteStartArray(name);
            for (int i = 0; i < t.Rows.Count; i++)
            {
                w.WriteStartArray();
                for (int c = 0; c < t.Columns.Count; c++) WriteCell(w, t.Columns[c].Type, t.Rows[i][c], i, adx, false);
                if (SpareColumns)
                {
                    var spare = SpareValues(i);
                    for (int c = 0; c < Spares.Length; c++) WriteCell(w, Spares[c].Type, spare[c], i, adx, true);
                }
                w.WriteEndArray();
            }
            if (exceptions != null)
            {
                w.WriteStartObject();
                w.WriteStartArray("Exceptions");
                w.WriteStringValue(exceptions);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }

        private static string DataType(string type)
        {
            switch (type)
            {
                case "bool": return "Boolean";
                case "datetime": return "DateTime";
                case "dynamic": return "Object";
                case "int": return "Int32";
                case "long": return "Int64";
                case "real": return "Double";
                case "guid": return "Guid";
                case "decimal": return "Decimal";
                case "timespan": return "TimeSpan";
                default: return "String";
            }
        }

        /// <summary>Log Analytics' timespan: "start/end", "start/duration", "duration/end" or "duration" (ending now); [from, to).</summary>
        public static bool TryParseTimespan(string s, out DateTime? from, out DateTime? to)
        {
            from = to = null;
            try
            {
                string[] parts = s.Split('/');
                if (parts.Length == 1)
                {
                    var now = DateTime.UtcNow;
                    from = now - XmlConvert.ToTimeSpan(parts[0]);
                    to = now;
                    return true;
                }
                if (parts.Length != 2) return false;
                bool d0 = parts[0].StartsWith("P", StringComparison.Ordinal), d1 = parts[1].StartsWith("P", StringComparison.Ordinal);
                if (d0 && d1) return false;
                if (!d0) from = ParseInstant(parts[0]);
                if (!d1) to = ParseInstant(parts[1]);
                if (d0) from = to.Value - XmlConvert.ToTimeSpan(parts[0]);
                if (d1) to = from.Value + XmlConvert.ToTimeSpan(parts[1]);
                return from < to;
            }
            catch (FormatException) { return false; }
        }

        private static DateTime ParseInstant(string s) =>
            DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal).UtcDateTime;

        public void Dispose()
        {
            if (_stop.IsCancellationRequested) return;
            _stop.Cancel();
            try { _listener.Stop(); } catch (ObjectDisposedException) { }
            try { _listener.Close(); } catch (ObjectDisposedException) { }
            _loop.Join(TimeSpan.FromSeconds(5));
        }
    }
}
