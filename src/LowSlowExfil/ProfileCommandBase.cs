using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// What Get-ZiaUploadProfile and Get-O365SharingProfile share: the profiles are read from the logs (files, a
    /// workspace, piped records) for the users asked, or taken from candidates piped in without reading again; each
    /// command says which side it reads, how a candidate carries its profile and how a profile is written out.
    /// </summary>
    public abstract class ProfileCommandBase<TProfile> : HuntCommandBase where TProfile : class
    {
        private readonly List<TProfile> _piped = new List<TProfile>();
        private bool _userNamesTaken;

        /// <summary>Candidates from Find-LowSlowExfil: their profiles, without reading the logs again.</summary>
        // Piped candidates, files and path strings arrive through -InputObject (HuntCommandBase), the one by-value
        // pipeline parameter: with a second one (here, or on -LiteralPath) PowerShell could not tell a piped string or
        // candidate from a log record and refused it as ambiguous.
        [Parameter(Mandatory = true, ParameterSetName = CandidateSet)]
        public ExfilCandidate[] Candidate { get; set; }

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

        /// <summary>Reads the logs and builds this side's profiles, every user's (the -UserName filter comes after).</summary>
        private protected abstract IReadOnlyList<TProfile> ReadProfiles();

        private protected abstract string UserNameOf(TProfile profile);

        /// <summary>A piped candidate's profile, or null when it carries none (the command says whether that is worth a warning).</summary>
        private protected abstract TProfile ProfileOf(ExfilCandidate candidate);

        private protected abstract void WriteProfile(TProfile profile);

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

        protected override bool TakePipedObject(object value)
        {
            if (!(value is ExfilCandidate c)) return false;
            var p = ProfileOf(c);
            if (p != null) _piped.Add(p);
            return true;
        }

        protected override void EndProcessing()
        {
            IEnumerable<TProfile> profiles = ReadsLogs ? ForRequestedUsers(ReadProfiles(), UserNameOf) : _piped;
            foreach (var profile in profiles) WriteProfile(profile);
        }
    }
}
