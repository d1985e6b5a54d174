using System;
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
    /// AppDomain.AssemblyResolve serves Dependencies/ (5.1 has no load contexts; see README).
    /// Only LowSlowExfil.Core's contract (IQueryClient) crosses the boundary.
    /// </summary>
    internal static class EngineLoader
    {
        private const string EngineAssembly = "LowSlowExfil.Engine";
        private static readonly object Gate = new object();
        private static Assembly _engine;

        public static string DependenciesFolder { get; } =
            Path.Combine(Path.GetDirectoryName(typeof(EngineLoader).Assembly.Location), "Dependencies");

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
                _engine = ModuleInitializer.IsNetFramework ? LoadOnNetFramework(path) : IsolatedContext.LoadEngine(path);
                return _engine;
            }
        }

        private static Assembly LoadOnNetFramework(string path)
        {
            AppDomain.CurrentDomain.AssemblyResolve += (s, args) =>
            {
                string candidate = Path.Combine(DependenciesFolder, new AssemblyName(args.Name).Name + ".dll");
                return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
            };
            return Assembly.LoadFrom(path);
        }

        /// <summary>Kept in its own class so Windows PowerShell never JIT-compiles code that names AssemblyLoadContext.</summary>
        private static class IsolatedContext
        {
            public static Assembly LoadEngine(string path) => new EngineLoadContext(DependenciesFolder).LoadFromAssemblyPath(path);
        }

        /// <summary>
        /// Loads what Dependencies/ holds into this context, except what the runtime itself provides (its own
        /// System.* assemblies, whose types must be shared) and LowSlowExfil.Core (the shared contract).
        /// </summary>
        private sealed class EngineLoadContext : AssemblyLoadContext
        {
            private static readonly System.Collections.Generic.HashSet<string> PlatformAssemblies = new System.Collections.Generic.HashSet<string>(
                ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? string.Empty)
                    .Split(new[] { Path.PathSeparator }, StringSplitOptions.RemoveEmptyEntries)
                    .Select(Path.GetFileNameWithoutExtension),
                StringComparer.OrdinalIgnoreCase);

            private readonly string _folder;

            public EngineLoadContext(string folder) { _folder = folder; }

            protected override Assembly Load(AssemblyName name)
            {
                if (name.Name == typeof(IQueryClient).Assembly.GetName().Name || PlatformAssemblies.Contains(name.Name)) return null;
                string candidate = Path.Combine(_folder, name.Name + ".dll");
                return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
            }
        }
    }
}
