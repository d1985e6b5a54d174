using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// Per-user uploads to exfiltration destinations: the rule's ZIA side, read from files or a workspace, or
    /// taken from candidates piped in (drill-down without reading again). -Daily, -Destinations and -Channels
    /// emit one row per user-day, destination host or channel instead of one profile per user.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "ZiaUploadProfile", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(ZiaUploadProfile), typeof(ZiaDailyUpload), typeof(DestinationUpload), typeof(ChannelUpload))]
    public sealed class GetZiaUploadProfileCommand : ProfileCommandBase<ZiaUploadProfile>
    {
        /// <summary>Emit one object per user-day instead of one per user.</summary>
        [Parameter]
        public SwitchParameter Daily { get; set; }

        /// <summary>Emit one object per user and destination host (bytes, requests, active days).</summary>
        [Parameter]
        public SwitchParameter Destinations { get; set; }

        /// <summary>Emit one object per user and channel (cloud storage, code hosting, messaging, webmail).</summary>
        [Parameter]
        public SwitchParameter Channels { get; set; }

        protected override void BeginProcessing()
        {
            if ((Daily ? 1 : 0) + (Destinations ? 1 : 0) + (Channels ? 1 : 0) > 1)
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException("Use at most one of -Daily, -Destinations and -Channels."),
                    "ConflictingViews", ErrorCategory.InvalidArgument, null));
        }

        private protected override IReadOnlyList<ZiaUploadProfile> ReadProfiles() => ReadInputs(CreateOptions(), HuntSides.Uploads).Uploads.BuildProfiles();

        private protected override string UserNameOf(ZiaUploadProfile profile) => profile.UserName;

        private protected override ZiaUploadProfile ProfileOf(ExfilCandidate candidate)
        {
            var p = candidate.GetUploadProfile();
            if (p == null) WriteWarning($"{candidate.UserName}: this candidate carries no upload profile.");
            return p;
        }

        private protected override void WriteProfile(ZiaUploadProfile profile)
        {
            if (Daily) WriteObject(profile.DailyUploads, enumerateCollection: true);
            else if (Destinations) WriteObject(profile.Destinations, enumerateCollection: true);
            else if (Channels) WriteObject(profile.Channels, enumerateCollection: true);
            else WriteObject(profile);
        }
    }
}
