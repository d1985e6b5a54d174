using System;
using System.Threading;
using Azure.Core;
using Azure.Core.Pipeline;
using LowSlowExfil.Workspace;

namespace LowSlowExfil.Engine.Pipeline
{
    /// <summary>
    /// The HTTP pipeline the query and ingestion clients both send on: Azure.Identity's token for the service's
    /// scope (Azure.Core's bearer policy for https, <see cref="LoopbackBearerTokenPolicy"/> for a loopback test
    /// server), this module's <see cref="QueryRetryPolicy"/> instead of Azure.Core's retries, Azure.Core's own
    /// logging of content, headers and query parameters off, and a log whose every line is cleaned of the token.
    /// </summary>
    internal sealed class ServicePipeline : IDisposable
    {
        private readonly IDisposable _transport;

        /// <param name="service">The service's name in log lines ("Log Analytics", "The Logs Ingestion API").</param>
        /// <param name="target">The URL requests go to: https gets Azure.Core's bearer policy, loopback http the module's.</param>
        /// <param name="perRetry">Policies run on each attempt after the token (e.g. the query client's SentAt mark).</param>
        public ServicePipeline(TokenCredential credential, string scope, Uri target, Action<string> log, int maxRetries, TimeSpan maxRetryDelay,
            TimeSpan networkTimeout, QueryStatistics statistics, string service, params HttpPipelinePolicy[] perRetry)
        {
            Tokens = new TokenTracker(credential);
            Log = log == null ? null : new Action<string>(line => log(Redaction.Clean(line, Tokens.Last)));

            var options = new EngineClientOptions();
            options.Retry.MaxRetries = 0;                       // no retries of Azure.Core's own…
            options.RetryPolicy = new QueryRetryPolicy(maxRetries, maxRetryDelay, statistics, Log, service);  // …this one instead
            options.Retry.NetworkTimeout = networkTimeout;
            options.Diagnostics.ApplicationId = "LowSlowExfil";
            options.Diagnostics.IsLoggingContentEnabled = false;
            options.Diagnostics.LoggedHeaderNames.Clear();      // Azure.Core's event-source log redacts every header
            options.Diagnostics.LoggedQueryParameters.Clear();
            options.Diagnostics.IsDistributedTracingEnabled = false;
            var transport = new HttpClientTransport();
            options.Transport = transport;
            _transport = transport;
            HttpPipelinePolicy auth = EndpointRules.IsTls(target)
                ? new BearerTokenAuthenticationPolicy(Tokens, scope)
                : (HttpPipelinePolicy)new LoopbackBearerTokenPolicy(Tokens, scope);
            var policies = new HttpPipelinePolicy[1 + perRetry.Length];
            policies[0] = auth;
            perRetry.CopyTo(policies, 1);
            Pipeline = HttpPipelineBuilder.Build(options, new HttpPipelinePolicy[0], policies, new ResponseClassifier());
        }

        public HttpPipeline Pipeline { get; }

        /// <summary>The credential, remembering the last token so that no text can carry it.</summary>
        public TokenTracker Tokens { get; }

        /// <summary>The caller's log with the token cleaned out of every line; null without one.</summary>
        public Action<string> Log { get; }

        public void Dispose() => _transport?.Dispose();

        private sealed class EngineClientOptions : ClientOptions { }
    }
}
