using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Azure.Core;
using Azure.Identity;
using LowSlowExfil.Workspace;

namespace LowSlowExfil.Engine
{
    /// <summary>Azure.Identity credentials for the authentication kinds of <see cref="QueryAuthentication"/>.</summary>
    internal static class CredentialFactory
    {
        public static TokenCredential Create(QueryAuthentication auth, CloudEnvironment cloud)
        {
            auth = auth ?? new QueryAuthentication();
            switch (auth.Kind)
            {
                case QueryAuthenticationKind.Default:
                {
                    var o = new DefaultAzureCredentialOptions { AuthorityHost = cloud.AuthorityHost };
                    if (!string.IsNullOrWhiteSpace(auth.TenantId)) o.TenantId = auth.TenantId.Trim();
                    if (!string.IsNullOrWhiteSpace(auth.ClientId))
                    {
                        o.ManagedIdentityClientId = auth.ClientId.Trim();
                        o.WorkloadIdentityClientId = auth.ClientId.Trim();
                    }
                    return new DefaultAzureCredential(o);
                }
                case QueryAuthenticationKind.ManagedIdentity:
                {
                    var id = string.IsNullOrWhiteSpace(auth.ClientId)
                        ? ManagedIdentityId.SystemAssigned
                        : ManagedIdentityId.FromUserAssignedClientId(auth.ClientId.Trim());
                    return new ManagedIdentityCredential(new ManagedIdentityCredentialOptions(id) { AuthorityHost = cloud.AuthorityHost });
                }
                case QueryAuthenticationKind.ClientCertificate:
                    return CreateCertificateCredential(auth, cloud);
                case QueryAuthenticationKind.AccessToken:
                    if (auth.AccessToken == null || auth.AccessToken.Length == 0)
                        throw new ArgumentException("AccessToken authentication needs the token (a SecureString).", nameof(QueryAuthentication.AccessToken));
                    return new SecureStringTokenCredential(auth.AccessToken);
                default:
                    throw new ArgumentException($"Unknown authentication kind '{auth.Kind}'.", nameof(QueryAuthentication.Kind));
            }
        }

        private static TokenCredential CreateCertificateCredential(QueryAuthentication auth, CloudEnvironment cloud)
        {
            if (string.IsNullOrWhiteSpace(auth.TenantId))
                throw new ArgumentException("ClientCertificate authentication needs the tenant id.", nameof(QueryAuthentication.TenantId));
            if (string.IsNullOrWhiteSpace(auth.ClientId))
                throw new ArgumentException("ClientCertificate authentication needs the application (client) id.", nameof(QueryAuthentication.ClientId));
            bool byPath = !string.IsNullOrWhiteSpace(auth.CertificatePath), byThumbprint = !string.IsNullOrWhiteSpace(auth.CertificateThumbprint);
            if (byPath == byThumbprint)
                throw new ArgumentException("ClientCertificate authentication needs either a certificate file or a certificate thumbprint (one of them).",
                    byPath ? nameof(QueryAuthentication.CertificateThumbprint) : nameof(QueryAuthentication.CertificatePath));

            var options = new ClientCertificateCredentialOptions { AuthorityHost = cloud.AuthorityHost, SendCertificateChain = true };
            string tenant = auth.TenantId.Trim(), client = auth.ClientId.Trim();
            if (byPath)
            {
                string path = Path.GetFullPath(auth.CertificatePath);
                if (!File.Exists(path)) throw new ArgumentException($"The certificate file '{path}' does not exist.", nameof(QueryAuthentication.CertificatePath));
                if (auth.CertificatePassword == null || auth.CertificatePassword.Length == 0)
                    return new ClientCertificateCredential(tenant, client, path, options); // PFX without password or PEM
                // The password is turned into text only here, for the moment the file is opened.
                X509Certificate2 cert;
                string password = SecureStringTokenCredential.Reveal(auth.CertificatePassword);
                try
                {
                    cert = OpenPfx(path, password);
                }
                catch (System.Security.Cryptography.CryptographicException e)
                {
                    throw new ArgumentException($"The certificate file '{path}' could not be opened (wrong password or not a PFX file): {e.Message}",
                        nameof(QueryAuthentication.CertificatePath), e);
                }
                finally
                {
                    password = null;
                }
                if (!cert.HasPrivateKey)
                    throw new ArgumentException($"The certificate in '{path}' has no private key.", nameof(QueryAuthentication.CertificatePath));
                return new ClientCertificateCredential(tenant, client, cert, options);
            }
            return new ClientCertificateCredential(tenant, client, FindInStore(auth.CertificateThumbprint), options);
        }

        /// <summary>Opens a PFX with its private key kept in memory (EphemeralKeySet) where the platform allows it.</summary>
        private static X509Certificate2 OpenPfx(string path, string password)
        {
            const X509KeyStorageFlags EphemeralKeySet = (X509KeyStorageFlags)32;   // not in netstandard2.0's enum
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
            {
                try
                {
                    return new X509Certificate2(path, password, EphemeralKeySet);
                }
                catch (ArgumentException) { /* an old framework without ephemeral keys */ }
                catch (PlatformNotSupportedException) { }
            }
            return new X509Certificate2(path, password, X509KeyStorageFlags.DefaultKeySet);
        }

        /// <summary>The certificate with this thumbprint and a private key, from CurrentUser\My, else LocalMachine\My.</summary>
        internal static X509Certificate2 FindInStore(string thumbprint)
        {
            var sb = new StringBuilder();
            foreach (char c in thumbprint)
                if (Uri.IsHexDigit(c)) sb.Append(char.ToUpperInvariant(c));
            string tp = sb.ToString();
            if (tp.Length != 40 && tp.Length != 64)
                throw new ArgumentException($"'{thumbprint}' is not a certificate thumbprint (40 hexadecimal digits).", nameof(QueryAuthentication.CertificateThumbprint));
            foreach (var location in new[] { StoreLocation.CurrentUser, StoreLocation.LocalMachine })
            {
                try
                {
                    using (var store = new X509Store(StoreName.My, location))
                    {
                        store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                        foreach (var cert in store.Certificates.Find(X509FindType.FindByThumbprint, tp, validOnly: false))
                            if (cert.HasPrivateKey) return cert;
                    }
                }
                catch (System.Security.Cryptography.CryptographicException) { /* store missing on this platform */ }
            }
            throw new ArgumentException($"No certificate with thumbprint {tp} and a private key was found in Cert:\\CurrentUser\\My or Cert:\\LocalMachine\\My.",
                nameof(QueryAuthentication.CertificateThumbprint));
        }
    }

    /// <summary>
    /// A token the caller already holds, kept as a SecureString and turned into text only when a request needs it.
    /// Its expiry comes from the JWT's <c>exp</c> claim when it has one; an expired token fails with a clear message.
    /// </summary>
    internal sealed class SecureStringTokenCredential : TokenCredential
    {
        private readonly SecureString _token;

        public SecureStringTokenCredential(SecureString token)
        {
            _token = token ?? throw new ArgumentNullException(nameof(token));
        }

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            string token = Reveal(_token);
            token = token.Trim();
            if (token.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) token = token.Substring(7).Trim();
            DateTimeOffset? exp = JwtExpiry(token);
            if (exp.HasValue && exp.Value <= DateTimeOffset.UtcNow)
                throw new AuthenticationFailedException(
                    $"The access token given expired at {exp.Value.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC. Get a new one for {string.Join(" ", requestContext.Scopes)}.");
            return new AccessToken(token, exp ?? DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new ValueTask<AccessToken>(GetToken(requestContext, cancellationToken));

        internal static string Reveal(SecureString s)
        {
            IntPtr p = IntPtr.Zero;
            try
            {
                p = Marshal.SecureStringToGlobalAllocUnicode(s);
                return Marshal.PtrToStringUni(p) ?? string.Empty;
            }
            finally
            {
                if (p != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(p);
            }
        }

        /// <summary>The <c>exp</c> claim of a JWT, or null when the token is not a JWT or has none.</summary>
        internal static DateTimeOffset? JwtExpiry(string token)
        {
            string[] parts = token.Split('.');
            if (parts.Length != 3) return null;
            try
            {
                string b64 = parts[1].Replace('-', '+').Replace('_', '/');
                b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
                using (var doc = JsonDocument.Parse(Convert.FromBase64String(b64)))
                {
                    if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("exp", out var exp) &&
                        exp.ValueKind == JsonValueKind.Number && exp.TryGetInt64(out long seconds))
                        return DateTimeOffset.FromUnixTimeSeconds(seconds);
                }
            }
            catch (FormatException) { }
            catch (JsonException) { }
            catch (ArgumentOutOfRangeException) { }
            return null;
        }
    }
}
