using System.Management.Automation;

namespace LowSlowExfil.Commands
{
    /// <summary>Per-user Microsoft 365 sharing and download activity: the rule's O365 side.</summary>
    [Cmdlet(VerbsCommon.Get, "O365SharingProfile", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(O365SharingProfile))]
    public sealed class GetO365SharingProfileCommand : HuntCommandBase
    {
        /// <summary>Only these users (wildcards allowed; matched case-insensitively).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] UserName { get; set; }

        protected override void EndProcessing()
        {
            var acc = ReadInputs(CreateOptions(), HuntSides.Sharing);
            var users = new UserNameFilter(UserName);
            foreach (var profile in acc.Sharing.BuildProfiles())
                if (users.IsMatch(profile.UserName)) WriteObject(profile);
        }
    }
}
