using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace LowSlowExfil.Engine.Json
{
    /// <summary>
    /// The service's <c>error</c> object: Log Analytics' <c>{code, message, details[], innererror{…}}</c> or Azure
    /// Data Explorer's <c>{code, message, @message, @type}</c>, flattened to a code, a message and the inner
    /// messages that say what actually went wrong.
    /// </summary>
    internal sealed class ServiceError
    {
        public ServiceError(string code, string message, IReadOnlyList<(string Code, string Message)> inner)
        {
            Code = string.IsNullOrEmpty(code) ? null : code;
            Message = message ?? string.Empty;
            Inner = inner ?? new (string, string)[0];
        }

        public string Code { get; }
        public string Message { get; }
        /// <summary>Inner errors and details, outermost first.</summary>
        public IReadOnlyList<(string Code, string Message)> Inner { get; }

        /// <summary>The innermost code that is not a bare number (Kusto's innermost codes are HRESULTs).</summary>
        public string InnermostCode => Inner.Select(i => i.Code).LastOrDefault(c => !string.IsNullOrEmpty(c) && !c.TrimStart('-').All(char.IsDigit));

        /// <summary>"message. inner: message; …" without repeating a message.</summary>
        public string Describe()
        {
            var parts = new List<string>();
            if (Message.Length > 0) parts.Add(Message.TrimEnd('.', ' ') + ".");
            var seen = new HashSet<string>(StringComparer.Ordinal) { Message };
            foreach (var (code, message) in Inner)
            {
                if (string.IsNullOrEmpty(message) || !seen.Add(message)) continue;
                bool numeric = string.IsNullOrEmpty(code) || code.TrimStart('-').All(char.IsDigit);
                parts.Add((numeric ? "" : code + ": ") + message.TrimEnd('.', ' ') + ".");
            }
            return string.Join(" ", parts);
        }

        /// <summary>
        /// True when the error says the result was cut off for its size: E_QUERY_RESULT_SET_TOO_LARGE, or a message
        /// about exceeding the record count (500,000) or data size (64 MB) limits, or truncation.
        /// </summary>
        public bool IsResultTooLarge
        {
            get
            {
                foreach (string s in new[] { Code, Message }.Concat(Inner.SelectMany(i => new[] { i.Code, i.Message })))
                {
                    if (string.IsNullOrEmpty(s)) continue;
                    if (s.IndexOf("E_QUERY_RESULT_SET_TOO_LARGE", StringComparison.OrdinalIgnoreCase) >= 0 ||
                        s.IndexOf("ResultSetTooLarge", StringComparison.OrdinalIgnoreCase) >= 0 ||
                        s.IndexOf("truncat", StringComparison.OrdinalIgnoreCase) >= 0)
                        return true;
                    if (s.IndexOf("exceed", StringComparison.OrdinalIgnoreCase) >= 0 &&
                        (s.IndexOf("record count", StringComparison.OrdinalIgnoreCase) >= 0 || s.IndexOf("data size", StringComparison.OrdinalIgnoreCase) >= 0 ||
                         s.IndexOf("result set", StringComparison.OrdinalIgnoreCase) >= 0 || s.IndexOf("64 MB", StringComparison.OrdinalIgnoreCase) >= 0 ||
                         s.IndexOf("67108864", StringComparison.Ordinal) >= 0 || s.IndexOf("500000", StringComparison.Ordinal) >= 0 ||
                         s.IndexOf("500,000", StringComparison.Ordinal) >= 0))
                        return true;
                }
                return false;
            }
        }

        /// <summary>The error of an error body (<c>{"error": {…}}</c>), or null when the body has none.</summary>
        public static ServiceError FromBody(byte[] body)
        {
            if (body == null || body.Length == 0) return null;
            try
            {
                using (var doc = JsonDocument.Parse(body))
                {
                    var root = doc.RootElement;
                    if (root.ValueKind != JsonValueKind.Object) return null;
                    if (TryGet(root, "error", out var e) && e.ValueKind == JsonValueKind.Object) return FromElement(e);
                    if (TryGet(root, "Exceptions", out var ex) && ex.ValueKind == JsonValueKind.Array) return FromExceptions(ex);
                    return null;
                }
            }
            catch (JsonException)
            {
                return null;
            }
            catch (InvalidOperationException)
            {
                return null;   // a string that is not valid UTF-8 (decoded only when read): no usable error object
            }
        }

        /// <summary>An <c>error</c> object's JSON text.</summary>
        public static ServiceError FromObjectText(string json)
        {
            using (var doc = JsonDocument.Parse(json)) return FromElement(doc.RootElement);
        }

        /// <summary>ADX v1's in-table <c>{"Exceptions": ["…"]}</c> row, as JSON text.</summary>
        public static ServiceError FromExceptionsRow(string json)
        {
            using (var doc = JsonDocument.Parse(json))
                return TryGet(doc.RootElement, "Exceptions", out var ex) && ex.ValueKind == JsonValueKind.Array ? FromExceptions(ex) : null;
        }

        private static ServiceError FromExceptions(JsonElement array)
        {
            var inner = new List<(string, string)>();
            foreach (var x in array.EnumerateArray()) inner.Add((null, x.ValueKind == JsonValueKind.String ? x.GetString() : x.GetRawText()));
            return new ServiceError("PartialError", "The query returned exceptions beside its result.", inner);
        }

        private static ServiceError FromElement(JsonElement e)
        {
            if (e.ValueKind != JsonValueKind.Object) return new ServiceError(null, e.ToString(), null);
            string code = Str(e, "code"), message = Str(e, "message");
            var inner = new List<(string, string)>();
            string adx = Str(e, "@message");
            if (!string.IsNullOrEmpty(adx)) inner.Add((Str(e, "@type"), adx));
            Collect(e, inner, 0);
            return new ServiceError(code, message, inner);
        }

        private static void Collect(JsonElement e, List<(string, string)> into, int depth)
        {
            if (depth > 8) return;
            if (TryGet(e, "details", out var details) && details.ValueKind == JsonValueKind.Array)
            {
                foreach (var d in details.EnumerateArray())
                {
                    if (d.ValueKind != JsonValueKind.Object) continue;
                    into.Add((Str(d, "code"), Str(d, "message")));
                    Collect(d, into, depth + 1);
                }
            }
            if (TryGet(e, "innererror", out var ie) && ie.ValueKind == JsonValueKind.Object)
            {
                into.Add((Str(ie, "code"), Str(ie, "message")));
                Collect(ie, into, depth + 1);
            }
        }

        private static string Str(JsonElement e, string name) =>
            TryGet(e, name, out var v) ? (v.ValueKind == JsonValueKind.String ? v.GetString() : v.ValueKind == JsonValueKind.Null ? null : v.GetRawText()) : null;

        private static bool TryGet(JsonElement e, string name, out JsonElement value)
        {
            foreach (var p in e.EnumerateObject())
            {
                if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    value = p.Value;
                    return true;
                }
            }
            value = default;
            return false;
        }
    }
}
