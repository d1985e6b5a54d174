using System.Threading;
using Azure.Core;

namespace LowSlowExfil.Engine.Pipeline
{
    /// <summary>The credential, remembering the last token it handed out so that no text can carry it.</summary>
    internal sealed class TokenTracker : TokenCredential
    {
        private readonly TokenCredential _inner;
        public TokenTracker(TokenCredential inner) { _inner = inner; }
        public string Last { get; private set; }

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            var t = _inner.GetToken(requestContext, cancellationToken);
            Last = t.Token;
            return t;
        }

        public override async System.Threading.Tasks.ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            var t = await _inner.GetTokenAsync(requestContext, cancellationToken).ConfigureAwait(false);
            Last = t.Token;
            return t;
        }
    }
}
