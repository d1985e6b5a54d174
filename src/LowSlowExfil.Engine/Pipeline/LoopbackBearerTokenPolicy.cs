using System;
using System.Threading;
using System.Threading.Tasks;
using Azure.Core;
using Azure.Core.Pipeline;

namespace LowSlowExfil.Engine.Pipeline
{
    /// <summary>
    /// Azure.Core's BearerTokenAuthenticationPolicy refuses any URL that is not https. Local test servers speak
    /// plain http on a loopback address, where nothing crosses a network; this policy is used for those alone
    /// (the connection checks the endpoint is loopback before building the pipeline) and real endpoints keep
    /// Azure.Core's policy. It refuses, again, any request that is neither https nor loopback.
    /// </summary>
    internal sealed class LoopbackBearerTokenPolicy : HttpPipelinePolicy
    {
        private static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);
        private readonly TokenCredential _credential;
        private readonly string[] _scopes;
        private readonly object _sync = new object();
        private AccessToken? _token;

        public LoopbackBearerTokenPolicy(TokenCredential credential, string scope)
        {
            _credential = credential ?? throw new ArgumentNullException(nameof(credential));
            _scopes = new[] { scope };
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Authorize(message, GetToken(message, async: false).GetAwaiter().GetResult());
            ProcessNext(message, pipeline);
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Authorize(message, await GetToken(message, async: true).ConfigureAwait(false));
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }

        private static void Authorize(HttpMessage message, string token)
        {
            var uri = message.Request.Uri.ToUri();
            if (!EndpointRules.IsTls(uri) && !EndpointRules.IsLoopback(uri))
                throw new InvalidOperationException("Bearer token authentication over plain http is permitted only for loopback addresses.");
            message.Request.Headers.SetValue("Authorization", "Bearer " + token);
        }

        private async Task<string> GetToken(HttpMessage message, bool async)
        {
            lock (_sync)
            {
                if (_token.HasValue && _token.Value.ExpiresOn - RefreshBefore > DateTimeOffset.UtcNow) return _token.Value.Token;
            }
            var context = new TokenRequestContext(_scopes, message.Request.ClientRequestId);
            AccessToken t = async
                ? await _credential.GetTokenAsync(context, message.CancellationToken).ConfigureAwait(false)
                : _credential.GetToken(context, message.CancellationToken);
            lock (_sync) _token = t;
            return t.Token;
        }
    }
}
