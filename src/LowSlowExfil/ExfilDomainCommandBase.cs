using System.Collections.Generic;
using System.Management.Automation;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// The destinations to hunt (-ExfilDomain, -ExtendedDomains, -DomainCatalogPath), declared once for the hunting
    /// cmdlets and the cmdlets that write KQL, so a query or a rule hunts what the hunt it reproduces did.
    /// </summary>
    public abstract class ExfilDomainCommandBase : PSCmdlet
    {
        /// <summary>Destination domains to hunt; replaces the rule's 24 domains.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(DomainCompleter))]
        public string[] ExfilDomain { get; set; }

        /// <summary>Also hunt the upload hosts the rule misses (the built-in domain catalogue, e.g. content.dropboxapi.com).</summary>
        [Parameter]
        public SwitchParameter ExtendedDomains { get; set; }

        /// <summary>A CSV file (columns Domain,Channel) adding destinations to hunt, with their channel.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string DomainCatalogPath { get; set; }

        /// <summary>The domains to hunt and the catalogue of channels; an unreadable catalogue file ends the command.</summary>
        protected (IEnumerable<string> Domains, DomainCatalog Catalog) ResolveDestinations() =>
            DomainSelection.Resolve(this, ExfilDomain, ExtendedDomains, DomainCatalogPath);
    }
}
