using System;
using System.Net;
using Azure.Identity;
using LowSlowExfil.Workspace;

namespace LowSlowExfil.Engine
{
    /// <summary>An Azure cloud: where Log Analytics answers and where Entra ID signs in.</summary>
    internal sealed class CloudEnvironment
    {
        private CloudEnvironment(string name, string logAnalytics, Uri authorityHost)
        {
            Name = name;
            LogAnalyticsEndpoint = new Uri(logAnalytics);
            AuthorityHost = authorityHost;
        }

        public string Name { get; }
        /// <summary>The query API, which is also the token audience (scope <c>{endpoint}/.default</c>).</summary>
        public Uri LogAnalyticsEndpoint { get; }
        public Uri AuthorityHost { get; }

        public static CloudEnvironment Resolve(string name)
        {
            switch ((name ?? string.Empty).Trim().ToLowerInvariant())
            {
                case "":
                case "azurecloud":
                case "azurepubliccloud":
                case "public":
                    return new CloudEnvironment("AzureCloud", "https://api.loganalytics.io", AzureAuthorityHosts.AzurePublicCloud);
                case "azureusgovernment":
                case "azuregovernment":
                case "usgov":
                    return new CloudEnvironment("AzureUSGovernment", "https://api.loganalytics.us", AzureAuthorityHosts.AzureGovernment);
                case "azurechinacloud":
                case "azurechina":
                case "china":
                    return new CloudEnvironment("AzureChinaCloud", "https://api.loganalytics.azure.cn", AzureAuthorityHosts.AzureChina);
                default:
                    throw new ArgumentException(
                        $"Unknown Azure environment '{name}'. Use AzureCloud, AzureUSGovernment or AzureChinaCloud.", nameof(QueryConnection.Environment));
            }
        }
    }

    /// <summary>Checks of the URLs a connection may send a bearer token to.</summary>
    internal static class EndpointRules
    {
        /// <summary>
        /// https anywhere; plain http only to a loopback address (127.0.0.0/8, ::1, localhost), where nothing
        /// leaves the machine (local test servers). Anything else is refused before a token is ever requested.
        /// </summary>
        public static Uri Validate(Uri uri, string parameter)
        {
            if (uri == null) throw new ArgumentNullException(parameter);
            if (!uri.IsAbsoluteUri)
                throw new ArgumentException($"The {parameter} '{uri}' is not an absolute URL.", parameter);
            if (!string.IsNullOrEmpty(uri.UserInfo))
                throw new ArgumentException($"The {parameter} must not carry user information.", parameter);
            if (string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
                return uri;
            if (string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase))
            {
                if (IsLoopback(uri)) return uri;
                throw new ArgumentException(
                    $"The {parameter} '{uri.GetLeftPart(UriPartial.Authority)}' uses plain http, which is accepted only for a loopback address " +
                    "(127.0.0.0/8, ::1, localhost); a bearer token is never sent unencrypted over a network. Use https.", parameter);
            }
            throw new ArgumentException($"The {parameter} '{uri.GetLeftPart(UriPartial.Authority)}' must be an https URL.", parameter);
        }

        public static bool IsTls(Uri uri) => string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase);

        public static bool IsLoopback(Uri uri)
        {
            string host = uri.Host;
            if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
            if (host.StartsWith("[", StringComparison.Ordinal) && host.EndsWith("]", StringComparison.Ordinal)) host = host.Substring(1, host.Length - 2);
            return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
        }

        /// <summary>The token scope of a service root: <c>https://api.loganalytics.io/.default</c>.</summary>
        public static string Scope(Uri resource) => resource.GetLeftPart(UriPartial.Authority) + "/.default";

        /// <summary>The base URL with <paramref name="path"/> appended (no doubled "/v1" when the base already ends with it).</summary>
        public static Uri Append(Uri baseUri, string path)
        {
            string b = baseUri.GetLeftPart(UriPartial.Path).TrimEnd('/');
            if (b.EndsWith("/v1", StringComparison.OrdinalIgnoreCase) && path.StartsWith("/v1/", StringComparison.Ordinal))
                path = path.Substring(3);
            return new Uri(b + path);
        }
    }
}
