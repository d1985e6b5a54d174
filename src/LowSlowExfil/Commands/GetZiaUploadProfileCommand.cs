using System.Management.Automation;

namespace LowSlowExfil.Commands
{
    /// <summary>Per-user (or per user-day) uploads to exfiltration destinations: the rule's ZIA side.</summary>
    [Cmdlet(VerbsCommon.Get, "ZiaUploadProfile", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(ZiaUploadProfile))]
    [OutputType(typeof(ZiaDailyUpload))]
    public sealed class GetZiaUploadProfileCommand : HuntCommandBase
    {
        /// <summary>Emit one object per user-day instead of one per user.</summary>
        [Parameter]
        public SwitchParameter Daily { get; set; }

        /// <summary>Only these users (wildcards allowed; matched case-insensitively).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] UserName { get; set; }

        protected override void EndProcessing()
        {
            var acc = ReadInputs(CreateOptions(), HuntSides.Uploads);
            var users = new UserNameFilter(UserName);
            foreach (var profile in acc.Uploads.BuildProfiles())
            {
                if (!users.IsMatch(profile.UserName)) continue;
                if (Daily) foreach (var day in profile.DailyUploads) WriteObject(day);
                else WriteObject(profile);
            }
        }
    }
}
