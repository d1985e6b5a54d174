using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Security;
using System.Threading;
using LowSlowExfil.Aggregation;
using LowSlowExfil.Readers;
using LowSlowExfil.Reporting;
using LowSlowExfil.Rule;
using LowSlowExfil.SampleData;
using LowSlowExfil.Scoring;
using LowSlowExfil.Workspace;

namespace RuntimeHost
{
    /// <summary>
    /// Loads the packaged module on this process's runtime the way PowerShell 7 imports it — Assembly.LoadFrom of the
    /// root module into the default context, its dependencies from the module's folder, then the module initializer
    /// (IModuleAssemblyInitializer.OnImport) — and runs what the cmdlets run, each step printing one line:
    ///   file            the file hunt over --data (MultiFileReader → EventAccumulator → CandidateScorer)
    ///   sample-json     New-LowSlowExfilSampleData -Format Json's writer, then the file hunt over it
    ///   workspace-token the workspace hunt through EngineLoader.CreateClient with an access token
    ///   workspace-identity  the same with managed identity (IDENTITY_ENDPOINT / IDENTITY_HEADER from the environment)
    ///   adx             the same hunt from an Azure Data Explorer database (--database)
    ///   report          Export-LowSlowExfilReport's HTML
    /// then "loaded NAME CONTEXT:VERSION" for the assemblies that matter and "remove ok" after OnRemove.
    /// A failing step prints "STEP FAILED Type: message" and the rest still run; the exit code is 1 if any failed.
    ///   RuntimeHost --module &lt;folder holding LowSlowExfil.psd1&gt; --data &lt;folder&gt; --end &lt;ISO time&gt;
    ///     [--endpoint URL --workspace ID --database NAME --token TOKEN] [--preload DLL]... [--import no]
    /// Cannot run the cmdlets themselves: PowerShell 7.6's SDK needs .NET 10 (see README, runtime matrix).
    /// </summary>
    internal static class Program
    {
        private static readonly Dictionary<string, List<string>> Args = new Dictionary<string, List<string>>();
        private static int _failed;

        private static int Main(string[] argv)
        {
            for (int i = 0; i + 1 < argv.Length; i += 2)
            {
                if (!Args.TryGetValue(argv[i], out var list)) Args[argv[i]] = list = new List<string>();
                list.Add(argv[i + 1]);
            }
            Console.WriteLine("runtime " + RuntimeInformation.FrameworkDescription);

            // A session that imported Az.Accounts first: its Azure assemblies are in the default context already.
            foreach (string dll in All("--preload"))
                Step("preload", () =>
                {
                    var a = Assembly.LoadFrom(dll);
                    a.GetExportedTypes();
                    Console.WriteLine($"preloaded {a.GetName().Name} {a.GetName().Version}");
                });

            string bin = Path.Combine(One("--module"), "module", "bin");
            // PowerShell 7 resolves a module's dependencies from the module's folder; Assembly.LoadFrom does the same
            // for what LowSlowExfil.dll asks for. This host's own references to LowSlowExfil.Core bind here too.
            AssemblyLoadContext.Default.Resolving += (ctx, name) =>
            {
                string candidate = Path.Combine(bin, name.Name + ".dll");
                return File.Exists(candidate) ? ctx.LoadFromAssemblyPath(candidate) : null;
            };
            Assembly module = Assembly.LoadFrom(Path.Combine(bin, "LowSlowExfil.dll"));
            // --import no: skip the initializer, to show the engine path needs nothing of PowerShell's.
            bool import = !Args.ContainsKey("--import") || One("--import") != "no";
            object initializer = import ? Import(module) : null;

            Step("file", () => Print("file", HuntFiles(One("--data"))));
            Step("sample-json", SampleJson);
            if (Args.ContainsKey("--endpoint"))
            {
                Step("workspace-token", () => Print("workspace-token", HuntWorkspace(module, Token(workspace: true))));
                Step("workspace-identity", () => Print("workspace-identity", HuntWorkspace(module, Identity())));
                Step("adx", () => Print("adx", HuntWorkspace(module, Token(workspace: false))));
            }
            Step("report", Report);

            foreach (string name in new[] { "LowSlowExfil.Core", "LowSlowExfil.Engine", "Azure.Core", "Azure.Identity", "Microsoft.Identity.Client",
                "System.ClientModel", "System.Text.Json", "System.Diagnostics.DiagnosticSource", "System.Memory.Data", "System.Management.Automation" })
                Console.WriteLine($"loaded {name} {Loaded(name)}");

            if (initializer != null)
            {
                Remove(initializer);
                Console.WriteLine("remove ok");
            }
            return _failed == 0 ? 0 : 1;
        }

        // PowerShell's types are named only in these two methods, so that "--import no" never loads them.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static object Import(Assembly module)
        {
            object initializer = Activator.CreateInstance(module.GetType("LowSlowExfil.Commands.ModuleInitializer", throwOnError: true));
            ((IModuleAssemblyInitializer)initializer).OnImport();
            Console.WriteLine("import ok");
            return initializer;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Remove(object initializer) => ((IModuleAssemblyCleanup)initializer).OnRemove(new PSModuleInfo());

        /// <summary>The tenant of the sample-json step; RuntimeHostTests writes the same one as CSV for --data.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static SampleTenantOptions SampleOptions() => new SampleTenantOptions { BackgroundUsers = 40, BrowsingEventsPerUserPerDay = 1, OfficeEventsPerUserPerDay = 2 };

        private static IEnumerable<string> All(string key) => Args.TryGetValue(key, out var v) ? v : Enumerable.Empty<string>();

        private static string One(string key) =>
            Args.TryGetValue(key, out var v) ? v[v.Count - 1] : throw new ArgumentException($"{key} is required.");

        private static void Step(string name, Action run)
        {
            try
            {
                run();
            }
            catch (Exception e)
            {
                while (e is TargetInvocationException && e.InnerException != null) e = e.InnerException;
                _failed++;
                Console.WriteLine($"{name} FAILED {e.GetType().FullName}: {e.Message.Replace('\n', ' ').Replace('\r', ' ')}");
            }
        }

        /// <summary>Each assembly of that name in this process: "default:10.0.0.0", "isolated:…" (several separated by ',').</summary>
        private static string Loaded(string name)
        {
            var found = AssemblyLoadContext.All
                .SelectMany(c => c.Assemblies.Where(a => a.GetName().Name == name)
                    .Select(a => (c == AssemblyLoadContext.Default ? "default" : "isolated") + ":" + a.GetName().Version))
                .OrderBy(s => s, StringComparer.Ordinal).ToList();
            return found.Count == 0 ? "none" : string.Join(",", found);
        }

        private static HuntOptions Options() => new HuntOptions(endTimeUtc: DateTime.Parse(One("--end"), null, System.Globalization.DateTimeStyles.AdjustToUniversal), days: 30);

        private static void Print(string step, IEnumerable<string> users) => Console.WriteLine(step + " " + string.Join(",", users));

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static List<string> HuntFiles(string folder)
        {
            var acc = new EventAccumulator(Options());
            var files = Directory.GetFiles(folder).Where(f => !f.EndsWith(".psd1", StringComparison.Ordinal)).OrderBy(f => f, StringComparer.Ordinal).ToList();
            var issues = new List<string>();
            MultiFileReader.Read(files, acc, new ReadContext { OnIssue = i => issues.Add(i.ToString()) }, null);
            if (issues.Count > 0) throw new InvalidDataException(string.Join("; ", issues.Take(3)));
            return Flagged(acc);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void SampleJson()
        {
            string folder = Path.Combine(Path.GetTempPath(), "lse-host-" + Guid.NewGuid().ToString("N"));
            try
            {
                SampleExportWriter.WriteExports(SampleTenant.Generate(SampleOptions()), folder, SampleFormat.Json);
                Print("sample-json", HuntFiles(folder));
            }
            finally
            {
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static List<string> HuntWorkspace(Assembly module, QueryConnection connection)
        {
            var acc = new EventAccumulator(Options());
            // The cmdlets' own call: the engine and its Azure dependencies load in their isolated context.
            var create = module.GetType("LowSlowExfil.Commands.EngineLoader", throwOnError: true)
                .GetMethod("CreateClient", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic);
            using (var client = (IQueryClient)create.Invoke(null, new object[] { connection }))
            {
                var reader = new WorkspaceReader(client);
                reader.ReadUploads(acc, CancellationToken.None);
                reader.ReadSharing(acc, CancellationToken.None);
                if (reader.RejectedRows.Count > 0) throw new InvalidDataException(string.Join("; ", reader.RejectedRows.Take(3)));
            }
            return Flagged(acc);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static QueryConnection Token(bool workspace)
        {
            var token = new SecureString();
            foreach (char c in One("--token")) token.AppendChar(c);
            var auth = new QueryAuthentication { Kind = QueryAuthenticationKind.AccessToken, AccessToken = token };
            return workspace
                ? new QueryConnection { WorkspaceId = One("--workspace"), Endpoint = new Uri(One("--endpoint")), Authentication = auth, MaxRetries = 0 }
                : new QueryConnection { ClusterUri = new Uri(One("--endpoint")), Database = One("--database"), Authentication = auth, MaxRetries = 0 };
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static QueryConnection Identity() => new QueryConnection
        {
            WorkspaceId = One("--workspace"),
            Endpoint = new Uri(One("--endpoint")),
            Authentication = new QueryAuthentication { Kind = QueryAuthenticationKind.ManagedIdentity },
            MaxRetries = 0,
        };

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static List<string> Flagged(EventAccumulator acc) =>
            CandidateScorer.Score(acc.Uploads.BuildProfiles(), acc.Sharing.BuildProfiles(), new ScoringOptions()).Flagged.Select(c => c.UserName).ToList();

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Report()
        {
            var acc = new EventAccumulator(Options());
            var files = Directory.GetFiles(One("--data")).Where(f => !f.EndsWith(".psd1", StringComparison.Ordinal)).ToList();
            MultiFileReader.Read(files, acc, new ReadContext(), null);
            var candidates = CandidateScorer.Score(acc.Uploads.BuildProfiles(), acc.Sharing.BuildProfiles(), new ScoringOptions()).All.ToList();
            string html = HtmlReport.Render(candidates);
            if (!html.Contains("</html>", StringComparison.OrdinalIgnoreCase)) throw new InvalidDataException("The report has no closing </html>.");
            Console.WriteLine($"report {candidates.Count} candidates, {html.Length} characters");
        }
    }
}
