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
        /// <summary>Files or folders to read, taken literally; also file objects and path strings from the pipeline.</summary>
        // By value as well as by PSPath: with a mandatory pipeline parameter in both the LiteralPath and the Candidate
        // set, PowerShell keeps both sets open for piped input and binds each object to the set it fits (files here,
        // candidates there); with PSPath alone, piped files were offered only to -Candidate and refused.
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public override string[] LiteralPath { get => base.LiteralPath; set => base.LiteralPath = value; }

        // Mandatory in its set: a set without a mandatory parameter was never chosen for piped candidates (PowerShell
        // took the LiteralPath set, whose LiteralPath they lack, and refused them), so `$c | Get-...` failed without -Path.
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = CandidateSet)]
        public ExfilCandidate[] Candidate { get; set; }

        /// <summary>Emit one object per user and operation (FileDownloaded, AnonymousLinkCreated, ...).</summary>
        [Parameter]
        public SwitchParameter Operations { get; set; }

        /// <summary>Only these users (wildcards allowed; case-insensitive). Also taken from piped objects with a UserName property.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = WorkspaceSet)]
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ClusterSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(UserNameCompleter))]
        public string[] UserName { get; set; }

        protected override void ProcessRecord()
        {
            if (Candidate != null)
            {
                // A candidate without sharing events simply has no sharing profile: nothing to emit.
                _piped.AddRange(Candidate.Where(c => c != null).Select(c => c.GetSharingProfile()).Where(p => p != null));
                return;
            }
            AddUserPatterns(UserName);
            base.ProcessRecord();
        }

        protected override void EndProcessing()
        {
            IEnumerable<O365SharingProfile> profiles = _piped;
            if (ParameterSetName != CandidateSet)
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
