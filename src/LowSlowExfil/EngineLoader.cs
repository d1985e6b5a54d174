using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using LowSlowExfil.Workspace;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// Loads the workspace engine (LowSlowExfil.Engine with Azure.Core, Azure.Identity and MSAL) from
    /// Dependencies/ without exposing its Azure types to this assembly, so another module's Azure.Core (e.g.
    /// Az.Accounts') breaks neither side. PowerShell 7: a private AssemblyLoadContext. Windows PowerShell 5.1:
    /// DesktopAssemblyResolver serves Dependencies/ to the engine (5.1 has no load contexts; see README).
    /// Only LowSlowExfil.Core's contract (IQueryClient) crosses the boundary. Names no PowerShell type, so a host
    /// without PowerShell's assemblies can drive it (tests/RuntimeHosts).
    /// </summary>
    internal static class EngineLoader
    {
        private const string EngineAssembly = "LowSlowExfil.Engine";
        private static readonly object Gate = new object();
        private static Assembly _engine;

        public static string DependenciesFolder => DesktopAssemblyResolver.DependenciesFolder;

        public static IQueryClient CreateClient(QueryConnection connection)
        {
            var factory = LoadEngine().GetType("LowSlowExfil.Engine.QueryClientFactory", throwOnError: true);
            try
            {
                return (IQueryClient)factory.GetMethod("Create", new[] { typeof(QueryConnection) }).Invoke(null, new object[] { connection });
            }
            catch (TargetInvocationException e) when (e.InnerException != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }

        /// <summary>A Logs Ingestion client, created across the load-context boundary like the query client.</summary>
        public static IIngestionClient CreateIngestionClient(IngestionConnection connection)
        {
            var factory = LoadEngine().GetType("LowSlowExfil.Engine.QueryClientFactory", throwOnError: true);
            try
            {
                return (IIngestionClient)factory.GetMethod("CreateIngestion", new[] { typeof(IngestionConnection) }).Invoke(null, new object[] { connection });
            }
            catch (TargetInvocationException e) when (e.InnerException != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }

        /// <summary>The assembly the engine was loaded as (tests check it is not in the default context).</summary>
        public static Assembly LoadEngine()
        {
            lock (Gate)
            {
                if (_engine != null) return _engine;
                string path = Path.Combine(DependenciesFolder, EngineAssembly + ".dll");
                if (!File.Exists(path))
                    throw new FileNotFoundException($"The workspace engine is missing: {path}. Rebuild the module (build.ps1) or reinstall it.", path);
                _engine = DesktopAssemblyResolver.IsNetFramework ? LoadOnNetFramework(path) : IsolatedContext.LoadEngine(path);
                return _engine;
            }
        }

        private static Assembly LoadOnNetFramework(string path)
        {
            // The module initializer registered it already; a host that skipped it still gets the engine's folder.
            DesktopAssemblyResolver.Register();
            return Assembly.LoadFrom(path);
        }

        /// <summary>Kept in its own class so Windows PowerShell never JIT-compiles code that names AssemblyLoadContext.</summary>
        private static class IsolatedContext
        {
            public static Assembly LoadEngine(string path) => new EngineLoadContext(DependenciesFolder).LoadFromAssemblyPath(path);
        }

        /// <summary>
        /// Loads what Dependencies/ holds into this context, except LowSlowExfil.Core (the shared contract) and what
        /// the runtime itself provides at the version asked for or above (its System.* assemblies, whose types are
        /// then shared). A platform copy older than the request is not used: PowerShell 7.4 (.NET 8) and 7.5 (.NET 9)
        /// have System.Text.Json and System.Diagnostics.DiagnosticSource 8.0 / 9.0 where Azure.Core asks for 10.0,
        /// so Dependencies/ serves its own copies there.
        /// </summary>
        private sealed class EngineLoadContext : AssemblyLoadContext
        {
            private static readonly Dictionary<string, string> PlatformPaths = PlatformAssemblyPaths();
            private static readonly Dictionary<string, Version> PlatformVersions = new Dictionary<string, Version>(StringComparer.OrdinalIgnoreCase);

            private readonly string _folder;

            public EngineLoadContext(string folder) { _folder = folder; }

            protected override Assembly Load(AssemblyName name)
            {
                if (name.Name == typeof(IQueryClient).Assembly.GetName().Name || PlatformServes(name)) return null;
                string candidate = Path.Combine(_folder, name.Name + ".dll");
                return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
            }

            /// <summary>Whether the default context's copy of this name (the platform's) is at least the version asked for.</summary>
            private static bool PlatformServes(AssemblyName name)
            {
                if (!PlatformPaths.TryGetValue(name.Name, out string path)) return false;
                Version platform;
                lock (PlatformVersions)
                {
                    if (!PlatformVersions.TryGetValue(name.Name, out platform))
                    {
                        try { platform = AssemblyName.GetAssemblyName(path).Version; }
                        catch (Exception e) when (e is IOException || e is BadImageFormatException || e is UnauthorizedAccessException) { platform = null; }
                        PlatformVersions[name.Name] = platform;
                    }
                }
                return platform != null && (name.Version == null || platform >= name.Version);
            }

            private static Dictionary<string, string> PlatformAssemblyPaths()
            {
                var paths = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (string p in ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? string.Empty)
                             .Split(new[] { Path.PathSeparator }, StringSplitOptions.RemoveEmptyEntries))
                    paths[Path.GetFileNameWithoutExtension(p)] = p;
                return paths;
            }
        }
    }
}
