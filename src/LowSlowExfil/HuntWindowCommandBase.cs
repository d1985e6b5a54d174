using System;
using System.Management.Automation;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// The hunt window and mode (-Days, -EndTime, -KqlCompatible) on top of the destinations: what the hunting
    /// cmdlets and Get-LowSlowExfilQuery turn into the same <see cref="HuntOptions"/>.
    /// </summary>
    public abstract class HuntWindowCommandBase : ExfilDomainCommandBase
    {
        /// <summary>Length of the hunt window in days (default 30).</summary>
        [Parameter]
        [ValidateRange(1, 3650)]
        public int Days { get; set; } = HuntOptions.DefaultDays;

        /// <summary>End of the hunt window (default: now). The window is (EndTime − Days, EndTime], in UTC.</summary>
        [Parameter]
        public DateTime EndTime { get; set; }

        /// <summary>Reproduce the Sentinel rule literally (term matching, case-sensitive filters, no anonymous links).</summary>
        [Parameter]
        public SwitchParameter KqlCompatible { get; set; }

        /// <summary>The window, destinations and mode as given; options the core refuses end the command with <paramref name="errorId"/>.</summary>
        protected HuntOptions CreateOptions(string errorId, object target)
        {
            DateTime? end = MyInvocation.BoundParameters.ContainsKey(nameof(EndTime)) ? HuntWindow.ToUtc(EndTime) : (DateTime?)null;
            var (domains, catalog) = ResolveDestinations();
            try
            {
                return new HuntOptions(end, Days, domains, KqlCompatible.IsPresent, catalog);
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(ReadErrors.ForUser(e), errorId, ErrorCategory.InvalidArgument, target));
                return null;
            }
        }
    }
}
