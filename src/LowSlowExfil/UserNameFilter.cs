using System.Linq;
using System.Management.Automation;

namespace LowSlowExfil.Commands
{
    /// <summary>-UserName: wildcard patterns, case-insensitive; no patterns means everyone.</summary>
    internal sealed class UserNameFilter
    {
        private readonly WildcardPattern[] _patterns;

        public UserNameFilter(string[] patterns)
        {
            _patterns = patterns?.Where(p => !string.IsNullOrEmpty(p))
                .Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant)).ToArray()
                ?? new WildcardPattern[0];
        }

        public bool IsMatch(string user) => _patterns.Length == 0 || _patterns.Any(p => p.IsMatch(user));
    }
}
