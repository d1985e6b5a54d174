using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// Per-user Microsoft 365 sharing and download activity: the rule's O365 side, read from files or a
    /// workspace, or taken from candidates piped in. -Operations emits one row per user and operation.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "O365SharingProfile", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(O365SharingProfile), typeof(O365OperationCount))]
    public sealed class GetO365SharingProfileCommand : HuntCommandBase
    {
        private readonly List<O365SharingProfile> _piped = new List<O365SharingProfile>();

        /// <summary>Candidates from Find-LowSlowExfil: their sharing profiles, without reading the logs again.</summary>
        // Piped candidates, files and path strings arrive through -InputObject (HuntCommandBase), the one by-value
        // pipeline parameter: with a second one (here, or on -LiteralPath) PowerShell could not tell a piped string or
        // candidate from a log record and refused it as ambiguous.
        [Parameter(Mandatory = true, ParameterSetName = CandidateSet)]
        public ExfilCandidate[] Candidate { get; set; }

        /// <summary>Emit one object per user and operation (FileDownloaded, AnonymousLinkCreated, ...).</summary>
        [Parameter]
        public SwitchParameter Operations { get; set; }

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
            // A candidate without sharing events simply has no sharing profile: nothing to emit.
            var p = c.GetSharingProfile();
            if (p != null) _piped.Add(p);
            return true;
        }

        protected override void EndProcessing()
        {
            IEnumerable<O365SharingProfile> profiles = _piped;
            if (ReadsLogs)
            {
                profiles = ForRequestedUsers(ReadInputs(CreateOptions(), HuntSides.Sharing).Sharing.BuildProfiles(), p => p.UserName);
            }
            foreach (var profile in profiles)
            {
                if (Operations)
                    foreach (var op in profile.OperationCounts)
                        WriteObject(new O365OperationCount { UserName = profile.UserName, Operation = op.Key, Count = op.Value });
                else WriteObject(profile);
            }
        }
    }
}
