using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net;
using System.Text.Json;

namespace FakeLogAnalytics
{
    /// <summary>
    /// A stand-in for the Logs Ingestion API: <c>POST /dataCollectionRules/{immutableId}/streams/{stream}?api-version=2023-01-01</c>
    /// with a bearer token, Content-Type application/json, gzip, a JSON array of objects that match the stream's
    /// declared columns, and at most 1 MB both compressed and uncompressed. Answers 204 and keeps what it accepted;
    /// faults queued with <see cref="Enqueue"/> (429 storms, 500, 403, 413, slow) apply to ingestion requests too.
    /// </summary>
    public sealed partial class FakeLogAnalyticsServer
    {
        public const string DefaultDcrImmutableId = "dcr-00000000000000000000000000000001";
        public const string DefaultStream = "Custom-LowSlowExfil_CL";
        public const int MaxIngestionBytes = 1000000;

        /// <summary>
        /// Largest body accepted, compressed and uncompressed alike (413 above it). The service's is 1 MB; tests set
        /// less to make a service that refuses batches the client thought small enough.
        /// </summary>
        public int IngestionLimitBytes { get; set; } = MaxIngestionBytes;

        private readonly List<JsonElement> _ingested = new List<JsonElement>();

        /// <summary>The one rule this service knows (404 for any other).</summary>
        public string DcrImmutableId { get; set; } = DefaultDcrImmutableId;
        /// <summary>The one stream the rule declares.</summary>
        public string StreamName { get; set; } = DefaultStream;
        /// <summary>The stream's columns (name → string, int, long, real, boolean, datetime, dynamic); null accepts any column. TimeGenerated is always required.</summary>
        public IDictionary<string, string> StreamColumns { get; set; }

        /// <summary>Records accepted so far (each a JSON object).</summary>
        public IReadOnlyList<JsonElement> Ingested
        {
            get { lock (_sync) return _ingested.ToList(); }
        }

        public IReadOnlyList<RecordedRequest> IngestionRequests => Requests.Where(r => r.Path.StartsWith("/dataCollectionRules/", StringComparison.Ordinal)).ToList();

        private void Ingest(HttpListenerContext ctx, RecordedRequest rec, byte[] raw)
        {
            var req = ctx.Request;
            string[] parts = rec.Path.Split('/');                // "", dataCollectionRules, {id}, streams, {stream}
            if (req.HttpMethod != "POST" || parts.Length != 5 || parts[3] != "streams")
            {
                Send(ctx, rec, 404, ErrorBody("NotFound", "The requested path does not exist"));
                return;
            }
            var q = System.Web.HttpUtility.ParseQueryString(req.Url.Query);
            if (q["api-version"] != "2023-01-01")
            {
                Send(ctx, rec, 400, ErrorBody("InvalidApiVersion", $"The api-version '{q["api-version"]}' is not supported."));
                return;
            }
            string auth = req.Headers["Authorization"];
            rec.HadAuthorization = auth != null;
            string token = auth != null && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth.Substring(7).Trim() : null;
            rec.TokenValid = token != null && (token == Token || ForbiddenTokens.Contains(token));
            if (!rec.TokenValid)
            {
                Send(ctx, rec, 401, ErrorBody("InvalidToken", "The authentication token provided is not valid."), authChallenge: true);
                return;
            }
            string dcr = Uri.UnescapeDataString(parts[2]), stream = Uri.UnescapeDataString(parts[4]);
            if (!string.Equals(dcr, DcrImmutableId, StringComparison.Ordinal))
            {
                Send(ctx, rec, 404, ErrorBody("InvalidDataCollectionRule", $"Data collection rule with immutable Id '{dcr}' not found."));
                return;
            }
            if (ForbiddenTokens.Contains(token))
            {
                Send(ctx, rec, 403, ErrorBody("OperationFailed", $"The authentication token provided does not have access to ingest data for the data collection rule with immutable Id '{dcr}'."));
                return;
            }
            if (!string.Equals(stream, StreamName, StringComparison.Ordinal))
            {
                Send(ctx, rec, 404, ErrorBody("InvalidStream", $"Stream '{stream}' is not declared in data collection rule '{dcr}'."));
                return;
            }

            _faults.TryDequeue(out var fault);
            var delay = ResponseDelay + (fault?.Delay ?? TimeSpan.Zero);
            if (delay > TimeSpan.Zero && _stop.Token.WaitHandle.WaitOne(delay)) { TryAbort(ctx); return; }
            if (fault != null)
            {
                rec.Fault = fault.Name;
                if (fault.Status != 0) { SendFault(ctx, rec, fault, adx: false); return; }
            }

            if (!(req.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            {
                Send(ctx, rec, 415, ErrorBody("UnsupportedMediaType", $"Content-Type '{req.ContentType}' is not supported; use application/json."));
                return;
            }
            int limit = IngestionLimitBytes;
            if (raw.Length > limit)
            {
                Send(ctx, rec, 413, ErrorBody("ContentLengthLimitExceeded", $"The request body is {raw.Length} bytes; the limit is {limit}."));
                return;
            }
            byte[] json = raw;
            if (string.Equals(req.Headers["Content-Encoding"], "gzip", StringComparison.OrdinalIgnoreCase))
            {
                try
                {
                    using (var gz = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress))
                    using (var ms = new MemoryStream())
                    {
                        var buf = new byte[65536];
                        int n;
                        while ((n = gz.Read(buf, 0, buf.Length)) > 0)
                        {
                            ms.Write(buf, 0, n);
                            if (ms.Length > limit) break;
                        }
                        json = ms.ToArray();
                    }
                }
                catch (InvalidDataException e)
                {
                    Send(ctx, rec, 400, ErrorBody("InvalidContentEncoding", "The body is not valid gzip: " + e.Message));
                    return;
                }
                rec.Body = System.Text.Encoding.UTF8.GetString(json);
            }
            if (json.Length > limit)
            {
                Send(ctx, rec, 413, ErrorBody("ContentLengthLimitExceeded", $"The uncompressed request body is over {limit} bytes."));
                return;
            }
            var accepted = new List<JsonElement>();
            try
            {
                using (var doc = JsonDocument.Parse(json))
                {
                    if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new FormatException("The body must be a JSON array of records.");
                    foreach (var r in doc.RootElement.EnumerateArray())
                    {
                        string problem = CheckRecord(r);
                        if (problem != null) throw new FormatException($"Record {accepted.Count + 1}: {problem}");
                        accepted.Add(Stored(r));
                    }
                }
            }
            catch (Exception e) when (e is JsonException || e is FormatException)
            {
                Send(ctx, rec, 400, ErrorBody("InvalidContent", "The request body does not match the stream's schema: " + e.Message));
                return;
            }
            rec.Rows = accepted.Count;
            lock (_sync) _ingested.AddRange(accepted);
            Send(ctx, rec, 204, null);
        }

        /// <summary>Log Analytics keeps at most 64 KB of a field and drops the rest, without an error: so does the stand-in.</summary>
        public const int MaxFieldBytes = 64 * 1024;

        private static JsonElement Stored(JsonElement r)
        {
            if (!r.EnumerateObject().Any(p => p.Value.ValueKind == JsonValueKind.String && System.Text.Encoding.UTF8.GetByteCount(p.Value.GetString()) > MaxFieldBytes))
                return r.Clone();
            var obj = System.Text.Json.Nodes.JsonNode.Parse(r.GetRawText()).AsObject();
            foreach (string key in obj.Select(p => p.Key).ToList())
            {
                if (!(obj[key] is System.Text.Json.Nodes.JsonValue v) || !v.TryGetValue(out string text)) continue;
                byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text);
                if (bytes.Length <= MaxFieldBytes) continue;
                int n = MaxFieldBytes;
                while (n > 0 && (bytes[n] & 0xC0) == 0x80) n--;          // not inside a character
                obj[key] = System.Text.Encoding.UTF8.GetString(bytes, 0, n);
            }
            using (var doc = JsonDocument.Parse(obj.ToJsonString()))
                return doc.RootElement.Clone();
        }

        private string CheckRecord(JsonElement r)
        {
            if (r.ValueKind != JsonValueKind.Object) return "not a JSON object.";
            if (!r.TryGetProperty("TimeGenerated", out var tg) || tg.ValueKind != JsonValueKind.String || !tg.TryGetDateTimeOffset(out _))
                return "TimeGenerated is missing or not an ISO 8601 date.";
            if (StreamColumns == null) return null;
            foreach (var p in r.EnumerateObject())
            {
                if (!StreamColumns.TryGetValue(p.Name, out string type)) return $"column '{p.Name}' is not declared in the stream.";
                if (p.Value.ValueKind == JsonValueKind.Null) continue;
                bool ok;
                switch (type)
                {
                    case "string": ok = p.Value.ValueKind == JsonValueKind.String; break;
                    case "datetime": ok = p.Value.ValueKind == JsonValueKind.String && p.Value.TryGetDateTimeOffset(out _); break;
                    case "int": ok = p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out _); break;
                    case "long": ok = p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt64(out _); break;
                    case "real": ok = p.Value.ValueKind == JsonValueKind.Number; break;
                    case "boolean": ok = p.Value.ValueKind == JsonValueKind.True || p.Value.ValueKind == JsonValueKind.False; break;
                    case "dynamic": ok = true; break;
                    default: ok = false; break;
                }
                if (!ok) return $"column '{p.Name}' is declared {type} but holds {p.Value.ValueKind}.";
            }
            return null;
        }
    }
}
