using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using LowSlowExfil.Workspace;

namespace LowSlowExfil.Engine.Pipeline
{
    /// <summary>
    /// Replaces Azure.Core's retry policy, which also retries 504 and client-side timeouts: a query that ran into
    /// the server's or the client's time limit has already cost its full duration and would only do so again.
    /// This policy retries only answers that say the query did not run — 429 (throttled) and 500/502/503
    /// (unavailable) — at most <c>MaxRetries</c> times, waiting what Retry-After (seconds or an HTTP date),
    /// x-ms-retry-after-ms or retry-after-ms say, else an exponential backoff with jitter; every wait is capped
    /// at <c>MaxRetryDelay</c>. Exceptions (timeouts, cancellation, connection failures) pass through untouched.
    /// It also counts round trips and retries.
    /// </summary>
    internal sealed class QueryRetryPolicy : HttpPipelinePolicy
    {
        private static readonly TimeSpan BaseDelay = TimeSpan.FromSeconds(1);
        private readonly int _maxRetries;
        private readonly TimeSpan _maxDelay;
        private readonly QueryStatistics _stats;
        private readonly Action<string> _log;
        private readonly string _service;
        [ThreadStatic] private static Random _threadRandom;

        public QueryRetryPolicy(int maxRetries, TimeSpan maxDelay, QueryStatistics stats, Action<string> log, string service)
        {
            if (maxRetries < 0) throw new ArgumentOutOfRangeException(nameof(maxRetries), maxRetries, "MaxRetries cannot be negative.");
            _maxRetries = maxRetries;
            _maxDelay = maxDelay < TimeSpan.Zero ? TimeSpan.Zero : maxDelay;
            _stats = stats;
            _log = log;
            _service = service;
        }

        public static bool IsRetriable(int status) => status == 429 || status == 500 || status == 502 || status == 503;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline, async: false).GetAwaiter().GetResult();

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            new ValueTask(ProcessAsync(message, pipeline, async: true));

        private async Task ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline, bool async)
        {
            for (int attempt = 0; ; attempt++)
            {
                _stats.RoundTrips++;
                if (async) await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
                else ProcessNext(message, pipeline);

                int status = message.Response.Status;
                if (!IsRetriable(status) || attempt >= _maxRetries) return;

                TimeSpan delay = DelayFor(message.Response, attempt, out string source);
                _stats.Retries++;
                _log?.Invoke(string.Format(CultureInfo.InvariantCulture,
                    "{0} answered {1} to {2} {3}; retry {4} of {5} in {6:0.###} s ({7}).",
                    _service, status, message.Request.Method, message.Request.Uri.ToUri().GetLeftPart(UriPartial.Path),
                    attempt + 1, _maxRetries, delay.TotalSeconds, source));
                // The answer is discarded: release its connection before waiting.
                message.Response.ContentStream?.Dispose();
                if (delay > TimeSpan.Zero)
                {
                    if (async) await Task.Delay(delay, message.CancellationToken).ConfigureAwait(false);
                    else if (message.CancellationToken.WaitHandle.WaitOne(delay)) message.CancellationToken.ThrowIfCancellationRequested();
                }
                message.CancellationToken.ThrowIfCancellationRequested();
            }
        }

        /// <summary>The wait before retry number <paramref name="attempt"/> + 1, capped at MaxRetryDelay.</summary>
        internal TimeSpan DelayFor(Response response, int attempt, out string source)
        {
            TimeSpan? asked = ServerDelay(response, DateTimeOffset.UtcNow, out source);
            TimeSpan delay;
            if (asked.HasValue)
            {
                delay = asked.Value;
            }
            else
            {
                // 1 s, 2 s, 4 s, … with ±20 % jitter.
                var r = _threadRandom ?? (_threadRandom = new Random(Guid.NewGuid().GetHashCode()));
                double factor = Math.Pow(2, Math.Min(attempt, 16)) * (0.8 + 0.4 * r.NextDouble());
                delay = TimeSpan.FromMilliseconds(BaseDelay.TotalMilliseconds * factor);
                source = "exponential backoff";
            }
            if (delay > _maxDelay)
            {
                delay = _maxDelay;
                source += ", capped at MaxRetryDelay";
            }
            return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
        }

        /// <summary>What the service asked for: x-ms-retry-after-ms, retry-after-ms, then Retry-After (delta seconds or HTTP date).</summary>
        internal static TimeSpan? ServerDelay(Response response, DateTimeOffset now, out string source)
        {
            foreach (string name in new[] { "x-ms-retry-after-ms", "retry-after-ms" })
            {
                if (response.Headers.TryGetValue(name, out string ms) &&
                    double.TryParse(ms.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= 0 && value < 1e9)
                {
                    source = name + ": " + ms.Trim();
                    return TimeSpan.FromMilliseconds(value);
                }
            }
            if (response.Headers.TryGetValue("Retry-After", out string ra))
            {
                ra = ra.Trim();
                if (double.TryParse(ra, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds >= 0 && seconds < 1e7)
                {
                    source = "Retry-After: " + ra;
                    return TimeSpan.FromSeconds(seconds);
                }
                if (DateTimeOffset.TryParseExact(ra, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when) ||
                    DateTimeOffset.TryParse(ra, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out when))
                {
                    source = "Retry-After: " + ra;
                    var d = when - now;
                    return d > TimeSpan.Zero ? d : TimeSpan.Zero;
                }
            }
            source = null;
            return null;
        }
    }
}
