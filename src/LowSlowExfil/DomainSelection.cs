using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// The destinations of -ExfilDomain, -ExtendedDomains and -DomainCatalogPath, read the same way by the hunting
    /// cmdlets and by the cmdlets that write KQL, so that a query reproduces the hunt it was made for.
    /// </summary>
    internal static class DomainSelection
    {
        /// <summary>The domains to hunt and the catalogue of channels; an unreadable catalogue file ends the command.</summary>
        public static (IEnumerable<string> Domains, DomainCatalog Catalog) Resolve(PSCmdlet cmdlet, string[] exfilDomain, bool extendedDomains, string domainCatalogPath)
        {
            var catalog = DomainCatalog.Default;
            IEnumerable<string> domains = exfilDomain ?? ExfilRule.DefaultExfilDomains;
            // The upload hosts the rule misses (not the rule's own 24 again: -ExfilDomain may have replaced them).
            if (extendedDomains) domains = domains.Concat(catalog.Domains.Where(d => !d.InRule).Select(d => d.Domain));
            if (domainCatalogPath != null)
            {
                string path = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(domainCatalogPath);
                try
                {
                    var builtIn = catalog;
                    var extended = catalog.ExtendFromFile(path);
                    // The file's rows (every entry not taken from the built-in catalogue), listed now: a lazy query
                    // would see 'catalog' after it is reassigned below and add nothing.
                    var fromFile = extended.Domains.Where(d => !builtIn.Domains.Contains(d)).Select(d => d.Domain).ToList();
                    domains = domains.Concat(fromFile);
                    catalog = extended;
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is InvalidDataException)
                {
                    cmdlet.ThrowTerminatingError(new ErrorRecord(e, "DomainCatalogUnreadable", ErrorCategory.ReadError, path));
                }
            }
            return (domains, catalog);
        }
    }
}
