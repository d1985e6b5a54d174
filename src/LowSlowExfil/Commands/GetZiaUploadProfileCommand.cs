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
    public sealed class GetZiaUploadProfileCommand : HuntCommandBase
    {
        private readonly List<ZiaUploadProfile> _piped = new List<ZiaUploadProfile>();

        /// <summary>Candidates from Find-LowSlowExfil: their upload profiles, without reading the logs again.</summary>
        // Piped candidates, files and path strings arrive through -InputObject (HuntCommandBase), the one by-value
        // pipeline parameter: with a second one (here, or on -LiteralPath) PowerShell could not tell a piped string or
        // candidate from a log record and refused it as ambiguous.
        [Parameter(Mandatory = true, ParameterSetName = CandidateSet)]
        public ExfilCandidate[] Candidate { get; set; }

        /// <summary>Emit one object per user-day instead of one per user.</summary>
        [Parameter]
        public SwitchParameter Daily { get; set; }

        /// <summary>Emit one object per user and destination host (bytes, requests, active days).</summary>
        [Parameter]
        public SwitchParameter Destinations { get; set; }

        /// <summary>Emit one object per user and channel (cloud storage, code hosting, messaging, webmail).</summary>
        [Parameter]
        public SwitchParameter Channels { get; set; }

        /// <summary>Only these users (wildcards allowed; case-insensitive). Also taken from piped objects with a UserName property.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = WorkspaceSet)]
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ClusterSet)]
        // Not by property name here: a log record's own UserName column is data, not a filter.
        [Parameter(ParameterSetName = InputObjectSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(UserNameCompleter))]
        public string[] UserName { get; set; }

        protected override void BeginProcessing()
        {
            if ((Daily ? 1 : 0) + (Destinations ? 1 : 0) + (Channels ? 1 : 0) > 1)
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException("Use at most one of -Daily, -Destinations and -Channels."),
                    "ConflictingViews", ErrorCategory.InvalidArgument, null));
        }

        protected override void ProcessRecord()
        {
            if (Candidate != null)
            {
                foreach (var c in Candidate.Where(c => c != null)) TakePipedObject(c);
                return;
            }
            // Piped objects bind no -UserName: the command line's is taken once, not once per object.
            if (ParameterSetName != InputObjectSet || !_userNamesTaken) AddUserPatterns(UserName);
            _userNamesTaken = true;
            base.ProcessRecord();
        }

        private bool _userNamesTaken;

        protected override bool TakePipedObject(object value)
        {
            if (!(value is ExfilCandidate c)) return false;
            var p = c.GetUploadProfile();
            if (p != null) _piped.Add(p);
            else WriteWarning($"{c.UserName}: this candidate carries no upload profile.");
            return true;
        }

        protected override void EndProcessing()
        {
            IEnumerable<ZiaUploadProfile> profiles = _piped;
            if (ReadsLogs)
            {
                profiles = ForRequestedUsers(ReadInputs(CreateOptions(), HuntSides.Uploads).Uploads.BuildProfiles(), p => p.UserName);
            }
            foreach (var profile in profiles)
            {
                if (Daily) WriteObject(profile.DailyUploads, enumerateCollection: true);
                else if (Destinations) WriteObject(profile.Destinations, enumerateCollection: true);
                else if (Channels) WriteObject(profile.Channels, enumerateCollection: true);
                else WriteObject(profile);
            }
        }
    }
}
