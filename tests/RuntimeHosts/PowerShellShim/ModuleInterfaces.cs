namespace System.Management.Automation
{
    /// <summary>As PowerShell's: called once when the module's assembly is imported.</summary>
    public interface IModuleAssemblyInitializer
    {
        void OnImport();
    }

    /// <summary>As PowerShell's: called when the module is removed.</summary>
    public interface IModuleAssemblyCleanup
    {
        void OnRemove(PSModuleInfo psModuleInfo);
    }

    /// <summary>Only the type, for IModuleAssemblyCleanup's signature.</summary>
    public sealed class PSModuleInfo
    {
    }
}
