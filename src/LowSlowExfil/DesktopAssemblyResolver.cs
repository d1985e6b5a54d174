using System;
using System.IO;
using System.Reflection;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// Windows PowerShell 5.1 (.NET Framework) has no load contexts and applies no binding redirects to a module's
    /// assemblies: System.Text.Json asks for one version of System.Memory, System.Memory for another of Unsafe, MSAL
    /// for System.Text.Json 6.0 where Dependencies/ holds 10.0, and so on. When the runtime cannot bind one, this
    /// serves the module's own copy, and only then:
    ///   - only to the module's own assemblies (bin/ and bin/Dependencies/): another module (Az) asking for a name
    ///     this module also ships is never handed ours;
    ///   - only names the module ships, at the version asked for or above, with the same public key token;
    ///   - the engine's assemblies (Dependencies/) from Dependencies/ first, so MSAL and Azure.Core bind one copy of
    ///     System.Text.Json; bin/ only for what Dependencies/ lacks (LowSlowExfil.Core, the shared contract);
    ///   - registered by the module initializer, removed by Remove-Module.
    /// PackageClosureTests holds every reference in the package to this rule. Names no PowerShell type.
    /// </summary>
    internal static class DesktopAssemblyResolver
    {
        private static readonly object Gate = new object();
        private static bool _registered;

        public static string BinFolder { get; } = Path.GetDirectoryName(typeof(DesktopAssemblyResolver).Assembly.Location);

        public static string DependenciesFolder { get; } = Path.Combine(BinFolder, "Dependencies");

        internal static bool IsNetFramework =>
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

        internal static bool IsRegistered
        {
            get { lock (Gate) return _registered; }
        }

        public static void Register()
        {
            lock (Gate)
            {
                if (_registered) return;
                AppDomain.CurrentDomain.AssemblyResolve += OnResolve;
                _registered = true;
            }
        }

        public static void Unregister()
        {
            lock (Gate)
            {
                if (!_registered) return;
                AppDomain.CurrentDomain.AssemblyResolve -= OnResolve;
                _registered = false;
            }
        }

        private static Assembly OnResolve(object sender, ResolveEventArgs args)
        {
            string requester;
            try { requester = args.RequestingAssembly?.Location; }
            catch (NotSupportedException) { return null; } // a dynamic assembly: not one of ours
            string path = Choose(args.Name, requester, BinFolder, DependenciesFolder);
            return path == null ? null : Assembly.LoadFrom(path);
        }

        /// <summary>
        /// The file that answers <paramref name="requestedName"/> for the assembly at <paramref name="requesterPath"/>,
        /// or null when this module does not answer: the requester is not the module's, the module does not ship the
        /// name, or its copy is older than the request or signed by another key.
        /// </summary>
        internal static string Choose(string requestedName, string requesterPath, string bin, string dependencies)
        {
            if (string.IsNullOrEmpty(requestedName) || string.IsNullOrEmpty(requesterPath)) return null;
            AssemblyName requested;
            try { requested = new AssemblyName(requestedName); }
            catch (Exception e) when (e is ArgumentException || e is FileLoadException) { return null; }
            if (string.IsNullOrEmpty(requested.Name) || requested.Name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0) return null;

            string from = Path.GetDirectoryName(Path.GetFullPath(requesterPath));
            string[] folders = SameFolder(from, dependencies) ? new[] { dependencies, bin }
                : SameFolder(from, bin) ? new[] { bin }
                : null;
            if (folders == null) return null;
            foreach (string folder in folders)
            {
                string candidate = Path.Combine(folder, requested.Name + ".dll");
                if (!File.Exists(candidate)) continue;
                AssemblyName found;
                try { found = AssemblyName.GetAssemblyName(candidate); }
                catch (Exception e) when (e is IOException || e is BadImageFormatException || e is UnauthorizedAccessException) { continue; }
                if (Satisfies(found, requested)) return candidate;
            }
            return null;
        }

        /// <summary>Same name and public key token, and a version at least the one asked for.</summary>
        internal static bool Satisfies(AssemblyName found, AssemblyName requested)
        {
            if (!string.Equals(found.Name, requested.Name, StringComparison.OrdinalIgnoreCase)) return false;
            if (requested.Version != null && (found.Version == null || found.Version < requested.Version)) return false;
            byte[] want = requested.GetPublicKeyToken(), have = found.GetPublicKeyToken();
            if (want == null || want.Length == 0) return true;
            if (have == null || have.Length != want.Length) return false;
            for (int i = 0; i < want.Length; i++)
                if (want[i] != have[i]) return false;
            return true;
        }

        private static bool SameFolder(string a, string b) =>
            string.Equals(Path.GetFullPath(a).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar),
                Path.GetFullPath(b).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar),
                StringComparison.OrdinalIgnoreCase);
    }
}
