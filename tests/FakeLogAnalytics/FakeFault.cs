using System;
using System.Collections.Generic;
using System.Globalization;

namespace FakeLogAnalytics
{
    /// <summary>One misbehaviour of the fake service, applied to one query request (queued with <see cref="FakeLogAnalyticsServer.Enqueue"/>).</summary>
    public sealed class FakeFault
    {
        public string Name { get; set; }
        /// <summary>HTTP status to answer instead of the result (0: answer the query normally).</summary>
        public int Status { get; set; }
        /// <summary>Retry-After header value (delta seconds or an HTTP date).</summary>
        public string RetryAfter { get; set; }
        /// <summary>x-ms-retry-after-ms header value.</summary>
        public string RetryAfterMs { get; set; }
        /// <summary>Wait before answering (a slow query).</summary>
        public TimeSpan Delay { get; set; }
        /// <summary>Answer 200 with the result and a PartialError beside it (not a truncation).</summary>
        public bool PartialError { get; set; }
        /// <summary>A canned body instead of the service's error body.</summary>
        public string Body { get; set; }
        public string ContentType { get; set; } = "application/json; charset=utf-8";
        public List<KeyValuePair<string, string>> Headers { get; } = new List<KeyValuePair<string, string>>();
        /// <summary>A hostile service: its error message repeats the Authorization header it received.</summary>
        public bool EchoAuthorization { get; set; }
        /// <summary>Send the headers and the first half of the answer, then nothing for this long (a stalled body).</summary>
        public TimeSpan StallBody { get; set; }

        public static FakeFault Throttle(string retryAfter = "1") => new FakeFault { Name = "429 Retry-After " + retryAfter, Status = 429, RetryAfter = retryAfter };
        public static FakeFault ThrottleMs(int milliseconds) =>
            new FakeFault { Name = "429 x-ms-retry-after-ms " + milliseconds, Status = 429, RetryAfterMs = milliseconds.ToString(CultureInfo.InvariantCulture) };
        public static FakeFault ThrottleUntil(DateTimeOffset when) =>
            new FakeFault { Name = "429 Retry-After date", Status = 429, RetryAfter = when.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture) };
        public static FakeFault WithStatus(int status) => new FakeFault { Name = status.ToString(CultureInfo.InvariantCulture), Status = status };
        public static FakeFault GatewayTimeout() => WithStatus(504);
        public static FakeFault Slow(TimeSpan delay) => new FakeFault { Name = "slow", Delay = delay };
        public static FakeFault Partial() => new FakeFault { Name = "PartialError", PartialError = true };
        public static FakeFault NoContent() => WithStatus(204);
        public static FakeFault Stalled(TimeSpan stall) => new FakeFault { Name = "stalled body", StallBody = stall };
        public static FakeFault Raw(int status, string body, params (string Name, string Value)[] headers)
        {
            var f = new FakeFault { Name = "raw " + status, Status = status, Body = body };
            foreach (var (n, v) in headers) f.Headers.Add(new KeyValuePair<string, string>(n, v));
            return f;
        }
    }
}
