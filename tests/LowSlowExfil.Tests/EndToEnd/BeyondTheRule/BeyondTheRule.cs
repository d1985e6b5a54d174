using System.Collections;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// The opt-in features beyond the rule: the robust baseline, peer groups, the domain catalogue and channels,
    /// and the alert state. Tenants are built as in <see cref="ScoringTests"/>: events → ZiaAccumulator /
    /// SharingAccumulator → CandidateScorer.Score. 1 MB = 1048576 bytes; every expected number is worked out in a comment.
    /// </summary>
    internal static class BeyondTheRule
    {
        public const long MB = 1048576;

        // Window (2024-05-31T12:00Z, 2024-06-30T12:00Z]: every June day 1..29 is inside.
        public static readonly DateTime End = new DateTime(2024, 6, 30, 12, 0, 0, DateTimeKind.Utc);

        public static DateTime June(int day, int hour = 10) => new DateTime(2024, 6, day, hour, 0, 0, DateTimeKind.Utc);

        public sealed class Tenant
        {
            public readonly HuntOptions Options;
            public readonly ZiaAccumulator Zia;
            public readonly SharingAccumulator Sharing;

            public Tenant(bool kql = false, IEnumerable<string> domains = null, DomainCatalog catalog = null)
            {
                Options = new HuntOptions(End, 30, domains, kql, catalog);
                Zia = new ZiaAccumulator(Options);
                Sharing = new SharingAccumulator(Options);
            }

            public Tenant Up(string user, DateTime t, long bytes, string host = "dropbox.com")
            {
                Assert.Equal(ProxyDisposition.Counted, Zia.Add(t, "Zscaler", "Allowed", user, host, bytes));
                return this;
            }

            /// <summary>A total of <paramref name="mb"/> MB uploaded in one request on June 5.</summary>
            public Tenant UpMB(string user, long mb, string host = "dropbox.com") => Up(user, June(5), mb * MB, host);

            public Tenant Share(string user, DateTime t, string operation)
            {
                Assert.Equal(SharingDisposition.Counted, Sharing.Add(t, user, operation));
                return this;
            }

            public ScoreResult Score(ScoringOptions options) => CandidateScorer.Score(Zia.BuildProfiles(), Sharing.BuildProfiles(), options);
        }

        public static ExfilCandidate Get(ScoreResult r, string user) => r.All.Single(c => c.UserName == user);

        public static string[] FlaggedUsers(ScoreResult r) => r.Flagged.Select(c => c.UserName).OrderBy(u => u, StringComparer.Ordinal).ToArray();
    }
}
