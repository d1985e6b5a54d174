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
    public sealed class GetO365SharingProfileCommand : ProfileCommandBase<O365SharingProfile>
    {
        /// <summary>Emit one object per user and operation (FileDownloaded, AnonymousLinkCreated, ...).</summary>
        [Parameter]
        public SwitchParameter Operations { get; set; }

        private protected override IReadOnlyList<O365SharingProfile> ReadProfiles() => ReadInputs(CreateOptions(), HuntSides.Sharing).Sharing.BuildProfiles();

        private protected override string UserNameOf(O365SharingProfile profile) => profile.UserName;

        // A candidate without sharing events simply has no sharing profile: nothing to emit.
        private protected override O365SharingProfile ProfileOf(ExfilCandidate candidate) => candidate.GetSharingProfile();

        private protected override void WriteProfile(O365SharingProfile profile)
        {
            if (!Operations) { WriteObject(profile); return; }
            foreach (var op in profile.OperationCounts)
                WriteObject(new O365OperationCount { UserName = profile.UserName, Operation = op.Key, Count = op.Value });
        }
    }
}
