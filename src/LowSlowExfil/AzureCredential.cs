using System;
using System.Management.Automation;
using System.Security;
using LowSlowExfil.Workspace;

namespace LowSlowExfil.Commands
{
    /// <summary>The ways to sign in to Azure a cmdlet offers (the hunting cmdlets' workspace sets, Send-LowSlowExfilResult).</summary>
    internal interface IAzureCredentialParameters
    {
        SwitchParameter UseManagedIdentity { get; }
        string ClientId { get; }
        string TenantId { get; }
        string CertificatePath { get; }
        SecureString CertificatePassword { get; }
        string CertificateThumbprint { get; }
        SecureString AccessToken { get; }
    }

    /// <summary>
    /// Turns the credential parameters into the engine's <see cref="QueryAuthentication"/>, the same for querying a
    /// workspace and for sending results: one way at most, a certificate with its tenant and application.
    /// </summary>
    internal static class AzureCredential
    {
        public static QueryAuthentication Choose(PSCmdlet cmdlet, IAzureCredentialParameters p)
        {
            var auth = new QueryAuthentication
            {
                ClientId = p.ClientId,
                TenantId = p.TenantId,
                CertificatePath = p.CertificatePath == null ? null : cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(p.CertificatePath),
                CertificatePassword = p.CertificatePassword,
                CertificateThumbprint = p.CertificateThumbprint,
                AccessToken = p.AccessToken,
            };
            bool certificate = p.CertificatePath != null || p.CertificateThumbprint != null;
            int chosen = (p.AccessToken != null ? 1 : 0) + (p.UseManagedIdentity ? 1 : 0) + (certificate ? 1 : 0);
            if (chosen > 1)
                cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException("Choose one way to authenticate: -AccessToken, -UseManagedIdentity, or a certificate (-CertificatePath / -CertificateThumbprint)."),
                    "AmbiguousAuthentication", ErrorCategory.InvalidArgument, null));
            if (p.AccessToken != null) auth.Kind = QueryAuthenticationKind.AccessToken;
            else if (p.UseManagedIdentity) auth.Kind = QueryAuthenticationKind.ManagedIdentity;
            else if (certificate)
            {
                if (string.IsNullOrEmpty(p.TenantId) || string.IsNullOrEmpty(p.ClientId))
                    cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException("A certificate needs -TenantId and -ClientId (the application id)."),
                        "IncompleteServicePrincipal", ErrorCategory.InvalidArgument, null));
                auth.Kind = QueryAuthenticationKind.ClientCertificate;
            }
            else auth.Kind = QueryAuthenticationKind.Default;
            return auth;
        }
    }
}
