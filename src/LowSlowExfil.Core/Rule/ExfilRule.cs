using System.Collections.Generic;

namespace LowSlowExfil.Rule
{
    /// <summary>The constants of the Sentinel rule "Zscaler ZIA - Patient APT: Multi-Channel Low &amp; Slow Exfiltration".</summary>
    public static class ExfilRule
    {
        public const string DisplayName = "Zscaler ZIA - Patient APT: Multi-Channel Low & Slow Exfiltration";
        public const string Severity = "High";
        public const string Tactic = "Exfiltration";
        public const string TacticId = "TA0010";
        public static readonly IReadOnlyList<string> Techniques = new[] { "T1041", "T1567", "T1567.002" };

        /// <summary>The rule's ExfilDomains, in its order.</summary>
        public static readonly IReadOnlyList<string> DefaultExfilDomains = new[]
        {
            "drive.google.com", "docs.google.com", "dropbox.com", "box.com",
            "mega.nz", "mediafire.com", "sendspace.com", "wetransfer.com",
            "4shared.com", "anonfiles.com",
            "github.com", "gitlab.com", "bitbucket.org", "gist.github.com",
            "web.whatsapp.com", "telegram.org", "t.me", "discord.com",
            "discordapp.com", "signal.org",
            "mail.google.com", "outlook.live.com", "protonmail.com", "tutanota.com",
        };

        /// <summary>The vendor the rule keeps (<c>DeviceVendor == "Zscaler"</c>).</summary>
        public const string Vendor = "Zscaler";

        /// <summary>The rule's <c>DeviceAction !in (...)</c> list, matched case-sensitively in KQL mode.</summary>
        public static readonly IReadOnlyList<string> BlockedActions = new[] { "block", "BLOCK", "Blocked", "blocked", "deny" };

        /// <summary>The actions excluded in intent mode, in any letter case.</summary>
        public static readonly IReadOnlyList<string> BlockedActionsIntent = new[] { "block", "blocked", "deny" };

        /// <summary>The rule's <c>Operation in (...)</c> list (case-sensitive in both modes).</summary>
        public static readonly IReadOnlyList<string> SharingOperations = new[]
        {
            "FileDownloaded", "FileSyncDownloadedFull", "FileCopied",
            "AnonymousLinkCreated", "AnonymousLinkUsed",
            "SharingSet", "SharingInvitationCreated",
            "AddedToSecureLink", "SecureLinkUsed",
        };

        /// <summary>Operations counted as anonymous links in intent mode.</summary>
        public static readonly IReadOnlyList<string> AnonymousLinkOperations = new[] { "AnonymousLinkCreated", "AnonymousLinkUsed" };

        /// <summary>make_set(Operation, 10).</summary>
        public const int MaxOperationsInSet = 10;

        public const string AlertDisplayNameFormat = "Low & Slow Exfil Candidate - {UserName} (z={Zscore}, {ZIA_TotalMBSent} MB over {ZIA_ActiveDays} days)";
        public const string AlertDescriptionFormat = "User {UserName} uploaded {ZIA_TotalMBSent} MB to non-corporate destinations across {ZIA_ActiveDays} active days (z-score: {Zscore}). Anonymous links created: {O365_AnonLinks}.";
    }
}
