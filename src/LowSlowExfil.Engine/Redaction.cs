using System;
using System.Text.RegularExpressions;

namespace LowSlowExfil.Engine
{
    /// <summary>
    /// Last line of defence for text that leaves the engine (exception messages, log lines): anything shaped like a
    /// bearer token or a JWT is masked, whatever a service or a library put into it.
    /// </summary>
    internal static class Redaction
    {
        private static readonly Regex Jwt = new Regex(@"eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*", RegexOptions.CultureInvariant);
        private static readonly Regex Bearer = new Regex(@"(?i)\bbearer\s+[A-Za-z0-9_\-\.~\+/=]{8,}", RegexOptions.CultureInvariant);

        public static string Clean(string text, string secret = null)
        {
            if (string.IsNullOrEmpty(text)) return text;
            if (!string.IsNullOrEmpty(secret) && secret.Length >= 8) text = text.Replace(secret, "***");
            text = Jwt.Replace(text, "***");
            return Bearer.Replace(text, "Bearer ***");
        }
    }
}
