using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// Windows PowerShell 5.1 has no binding redirects for a module's dependencies (System.Text.Json asks for
    /// one version of System.Memory, System.Memory for another of Unsafe, ...). When the runtime cannot bind
    /// one of them, serve the copy that ships beside this assembly. PowerShell 7 resolves them itself.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly string BinFolder = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location);

        public void OnImport()
        {
            if (IsNetFramework) AppDomain.CurrentDomain.AssemblyResolve += ResolveFromBin;
        }

        public void OnRemove(PSModuleInfo module)
        {
            if (IsNetFramework) AppDomain.CurrentDomain.AssemblyResolve -= ResolveFromBin;
        }

        internal static bool IsNetFramework =>
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

        private static Assembly ResolveFromBin(object sender, ResolveEventArgs args)
        {
            string name = new AssemblyName(args.Name).Name;
            string candidate = Path.Combine(BinFolder, name + ".dll");
            return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
        }
    }
}
