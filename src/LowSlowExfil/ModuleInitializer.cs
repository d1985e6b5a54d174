using System.Management.Automation;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// Windows PowerShell 5.1 has no binding redirects for a module's dependencies: DesktopAssemblyResolver serves the
    /// module's own copies to the module's own assemblies from Import-Module until Remove-Module. PowerShell 7
    /// resolves them itself (and EngineLoader isolates the engine's).
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        public void OnImport()
        {
            if (DesktopAssemblyResolver.IsNetFramework) DesktopAssemblyResolver.Register();
        }

        public void OnRemove(PSModuleInfo module) => DesktopAssemblyResolver.Unregister();
    }
}
