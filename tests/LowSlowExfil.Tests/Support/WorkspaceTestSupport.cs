using System.Security;

namespace LowSlowExfil.Tests
{
    /// <summary>A small generated tenant written as Log Analytics CSV exports, and the fake workspace's tables read from them.</summary>
    public sealed class SmallTenantFixture : IDisposable
    {
        public SmallTenantFixture()
        {
            Sample = SampleTenant.Generate(new SampleTenantOptions
            {
                BackgroundUsers = 40,
                BrowsingEventsPerUserPerDay = 1,
                OfficeEventsPerUserPerDay = 2,
            });
            Folder = TestPaths.NewTempFolder();
            Files = SampleExportWriter.WriteExports(Sample, Folder.Path, SampleFormat.Csv);
            Store = EventStore.Load(Folder.Path);
        }

        public SampleTenant Sample { get; }
        public TempFolder Folder { get; }
        public IReadOnlyList<string> Files { get; }
        public EventStore Store { get; }

        public void Dispose() => Folder.Dispose();
    }

    internal static class WorkspaceTestSupport
    {
        public static SecureString Secure(string s)
        {
            var ss = new SecureString();
            foreach (char c in s) ss.AppendChar(c);
            ss.MakeReadOnly();
            return ss;
        }

        /// <summary>A connection to the fake's workspace with its token; fast retries unless changed.</summary>
        public static QueryConnection Connection(FakeLogAnalyticsServer server, List<string> log = null, string token = null)
        {
            return new QueryConnection
            {
                WorkspaceId = server.WorkspaceId,
                Endpoint = server.BaseUri,
                Authentication = new QueryAuthentication
                {
                    Kind = QueryAuthenticationKind.AccessToken,
                    AccessToken = Secure(token ?? server.Token),
                },
                MaxRetries = 5,
                MaxRetryDelay = TimeSpan.FromSeconds(10),
                Log = log == null ? null : new Action<string>(line => { lock (log) log.Add(line); }),
            };
        }

        /// <summary>The same fake, reached as an Azure Data Explorer cluster.</summary>
        public static QueryConnection AdxConnection(FakeLogAnalyticsServer server, List<string> log = null)
        {
            var c = Connection(server, log);
            c.WorkspaceId = null;
            c.Endpoint = null;
            c.ClusterUri = server.BaseUri;
            c.Database = server.Database;
            return c;
        }
    }
}
