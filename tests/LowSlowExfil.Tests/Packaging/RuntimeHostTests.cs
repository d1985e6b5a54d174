using System.Diagnostics;
using System.Reflection;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// The packaged module (out/package/LowSlowExfil, from build.ps1 Package) on the runtimes SOCs run it on: .NET 8
    /// (PowerShell 7.4, Azure Automation's 7.4 runtime), .NET 9 (PowerShell 7.5) and .NET 10 (PowerShell 7.6). Each
    /// tests/RuntimeHosts/RuntimeHost copy is self-contained on one runtime (published once per test run by build.ps1
    /// Test into out/runtime-hosts/&lt;tfm&gt;); it loads the package as PowerShell 7 does and runs the file hunt, the
    /// workspace hunt with a token and with managed identity, the Azure Data Explorer hunt and the report against
    /// the fake Log Analytics server on 127.0.0.1 — also after older Azure.Core / Azure.Identity / MSAL /
    /// System.ClientModel (as Az.Accounts ships them) were loaded into the default context.
    /// </summary>
    public sealed class RuntimeHostTests : IClassFixture<RuntimeHostTests.Tenant>
    {
        private readonly Tenant _t;

        public RuntimeHostTests(Tenant t) { _t = t; }

        public sealed class Tenant : IDisposable
        {
            public Tenant()
            {
                Package = Path.Combine(TestPaths.RepoRoot, "out", "package", "LowSlowExfil");
                Folder = TestPaths.NewTempFolder();
                // The same tenant the host writes for its sample-json step (RuntimeHost.Program.SampleOptions).
                SampleExportWriter.WriteExports(SampleTenant.Generate(new SampleTenantOptions { BackgroundUsers = 40, BrowsingEventsPerUserPerDay = 1, OfficeEventsPerUserPerDay = 2 }),
                    Folder.Path, SampleFormat.Csv);
                Server = new FakeLogAnalyticsServer(EventStore.Load(Folder.Path), "host-token-" + Guid.NewGuid().ToString("N"));
                Expected = string.Join(",", HuntInProcess(Folder.Path));
            }

            public string Package { get; }
            public TempFolder Folder { get; }
            public FakeLogAnalyticsServer Server { get; }
            /// <summary>The flagged users, computed here on .NET 10 by the same calls from the project's own build.</summary>
            public string Expected { get; }

            public void Dispose()
            {
                Server.Dispose();
                Folder.Dispose();
            }
        }

        public static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

        private static IEnumerable<string> HuntInProcess(string folder)
        {
            var acc = new EventAccumulator(new HuntOptions(endTimeUtc: End, days: 30));
            var files = Directory.GetFiles(folder).OrderBy(f => f, StringComparer.Ordinal).ToList();
            MultiFileReader.Read(files, acc, new ReadContext(), null);
            return CandidateScorer.Score(acc.Uploads.BuildProfiles(), acc.Sharing.BuildProfiles(), new ScoringOptions()).Flagged.Select(c => c.UserName);
        }

        /// <summary>
        /// Older Azure assemblies of the kind Az.Accounts ships (restored by tests/RuntimeHosts/RuntimeHost's
        /// PackageDownload), from the NuGet packages folder: each package's net6.0 build where it has one, as a
        /// PowerShell 7 module ships, else its netstandard2.0 build.
        /// </summary>
        public static IReadOnlyList<string> OlderAzureAssemblies()
        {
            string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            if (string.IsNullOrEmpty(packages)) packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            var dlls = new List<string>();
            foreach (var (id, version, name) in new[]
            {
                ("system.memory.data", "6.0.0", "System.Memory.Data"),
                ("system.clientmodel", "1.1.0", "System.ClientModel"),
                ("azure.core", "1.44.1", "Azure.Core"),
                ("microsoft.identitymodel.abstractions", "6.35.0", "Microsoft.IdentityModel.Abstractions"),
                ("microsoft.identity.client", "4.65.0", "Microsoft.Identity.Client"),
                ("microsoft.identity.client.extensions.msal", "4.65.0", "Microsoft.Identity.Client.Extensions.Msal"),
                ("azure.identity", "1.12.1", "Azure.Identity"),
            })
            {
                string lib = Path.Combine(packages, id, version, "lib");
                string dll = new[] { "net6.0", "netstandard2.0" }.Select(t => Path.Combine(lib, t, name + ".dll")).FirstOrDefault(File.Exists);
                Assert.True(dll != null, $"{name} {version} is not in {packages}: restore tests/RuntimeHosts/RuntimeHost (build.ps1 Test does).");
                dlls.Add(dll);
            }
            return dlls;
        }

        private sealed class HostRun
        {
            public int ExitCode;
            public string Output;
            public Dictionary<string, string> Lines = new Dictionary<string, string>(StringComparer.Ordinal);
            public string this[string step] => Lines.TryGetValue(step, out var v) ? v : $"(no '{step}' line)";
        }

        private HostRun Run(string tfm, bool preload, bool import = true)
        {
            string exe = Path.Combine(TestPaths.RepoRoot, "out", "runtime-hosts", tfm, "RuntimeHost");
            Assert.True(File.Exists(exe), $"{exe} is missing: 'dotnet pwsh ./build.ps1 Test' publishes the runtime hosts ('build.ps1 RuntimeHosts' alone).");
            Assert.True(File.Exists(Path.Combine(_t.Package, "LowSlowExfil.psd1")),
                $"{_t.Package} is missing: 'dotnet pwsh ./build.ps1 Package' (which Test runs) writes it.");
            var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            var s = _t.Server;
            foreach (string a in new[] { "--module", _t.Package, "--data", _t.Folder.Path, "--end", End.ToString("o"), "--endpoint", s.BaseUri.ToString(),
                "--workspace", s.WorkspaceId, "--database", s.Database, "--token", s.Token, "--import", import ? "yes" : "no" })
                psi.ArgumentList.Add(a);
            if (preload) foreach (string dll in OlderAzureAssemblies()) { psi.ArgumentList.Add("--preload"); psi.ArgumentList.Add(dll); }
            // An Azure Automation job's managed identity, as the fake offers it.
            psi.Environment["IDENTITY_ENDPOINT"] = s.IdentityEndpoint.ToString();
            psi.Environment["IDENTITY_HEADER"] = s.IdentityHeader;
            psi.Environment.Remove("MSI_ENDPOINT");
            psi.Environment.Remove("MSI_SECRET");
            using (var p = Process.Start(psi))
            {
                var err = p.StandardError.ReadToEndAsync();
                string output = p.StandardOutput.ReadToEnd();
                Assert.True(p.WaitForExit(180_000), $"The {tfm} host did not finish in 3 minutes:\n{output}");
                var run = new HostRun { ExitCode = p.ExitCode, Output = output + err.Result };
                foreach (string line in output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0))
                {
                    int sp = line.IndexOf(' ');
                    string key = sp < 0 ? line : line.Substring(0, sp);
                    if (key == "loaded" || key == "preloaded")
                    {
                        int sp2 = line.IndexOf(' ', sp + 1);
                        key += " " + line.Substring(sp + 1, sp2 - sp - 1);
                        sp = sp2;
                    }
                    run.Lines[key] = sp < 0 ? "" : line.Substring(sp + 1);
                }
                return run;
            }
        }

        private static string Version(string dll) => AssemblyName.GetAssemblyName(dll).Version.ToString();

        [Theory]
        [InlineData("net8.0", 8, false)]
        [InlineData("net8.0", 8, true)]
        [InlineData("net9.0", 9, false)]
        [InlineData("net9.0", 9, true)]
        [InlineData("net10.0", 10, false)]
        [InlineData("net10.0", 10, true)]
        public void ThePackagedModule_HuntsFilesAndEveryWorkspacePath_OnThisRuntime(string tfm, int major, bool olderAzureLoadedFirst)
        {
            int identityRequests = _t.Server.IdentityRequests.Count;
            var run = Run(tfm, olderAzureLoadedFirst);
            string why = $"{tfm}{(olderAzureLoadedFirst ? " with older Azure assemblies loaded first" : "")}:\n{run.Output}";

            Assert.True(run["runtime"].StartsWith($".NET {major}.", StringComparison.Ordinal), why);
            Assert.DoesNotContain(" FAILED ", run.Output);
            Assert.True(run.ExitCode == 0, why);
            Assert.NotEqual("", _t.Expected);
            Assert.True(run["import"] == "ok", why);
            foreach (string step in new[] { "file", "sample-json", "workspace-token", "workspace-identity", "adx" })
                Assert.True(run[step] == _t.Expected, $"{step}: expected {_t.Expected}, got {run[step]}\n{why}");
            Assert.Contains("candidates", run["report"]);
            Assert.True(_t.Server.IdentityRequests.Count > identityRequests, "The managed-identity endpoint was never asked for a token.\n" + why);

            // The module's Azure stack runs in its own context; the session's older one stays where it was.
            string deps = Path.Combine(_t.Package, "module", "bin", "Dependencies");
            Assert.True(run["loaded LowSlowExfil.Engine"] == "isolated:" + Version(Path.Combine(deps, "LowSlowExfil.Engine.dll")), why);
            Assert.True(run["loaded LowSlowExfil.Core"] == "default:" + Version(Path.Combine(_t.Package, "module", "bin", "LowSlowExfil.Core.dll")), why);
            string ours = "isolated:" + Version(Path.Combine(deps, "Azure.Core.dll"));
            Assert.True(run["loaded Azure.Core"] == (olderAzureLoadedFirst ? "default:1.44.1.0," + ours : ours), why);
            if (olderAzureLoadedFirst)
                Assert.True(run["loaded Azure.Identity"].Split(',').Contains("default:1.12.1.0"), why);
            Assert.True(run["remove"] == "ok", why);
        }

        [Fact]
        public void TheEnginePath_NeedsNoPowerShell_OnNet8()
        {
            // Without the module initializer, nothing of System.Management.Automation is needed for a workspace hunt:
            // the engine loader names no PowerShell type (a host without PowerShell's assemblies can still drive it).
            var run = Run("net8.0", preload: false, import: false);
            Assert.True(run["workspace-token"] == _t.Expected, run.Output);
            Assert.True(run["loaded System.Management.Automation"] == "none", run.Output);
        }
    }
}
