using System;
using System.IO;
using System.Management.Automation;

namespace LowSlowExfil
{
    /// <summary>
    /// The checks an Export cmdlet makes on the file it is asked to write, before writing anything: a file system
    /// path, in a folder that exists, not itself a folder, and not already there under -NoClobber. Each failure ends
    /// the command with its own error id, as Out-File and Export-Csv do.
    /// </summary>
    internal static class OutputFile
    {
        /// <summary>The provider path of <paramref name="psPath"/>; <paramref name="kind"/> names the file in messages ("CSV file").</summary>
        public static FileInfo Resolve(PSCmdlet cmdlet, string psPath, bool noClobber, string kind)
        {
            string path = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(psPath, out ProviderInfo provider, out _);
            if (provider == null || !string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
                cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException($"'{psPath}' is not a file system path."), "NotFileSystemPath", ErrorCategory.InvalidArgument, psPath));
            var file = new FileInfo(path);
            if (file.Directory != null && !file.Directory.Exists)
                cmdlet.ThrowTerminatingError(new ErrorRecord(new DirectoryNotFoundException($"Could not find a part of the path '{path}': the folder '{file.DirectoryName}' does not exist."),
                    "DirectoryNotFound", ErrorCategory.ObjectNotFound, path));
            if (Directory.Exists(path))
                cmdlet.ThrowTerminatingError(new ErrorRecord(new IOException($"'{path}' is a folder; give the path of {kind}."), "PathIsFolder", ErrorCategory.InvalidArgument, path));
            if (file.Exists && noClobber)
                cmdlet.ThrowTerminatingError(new ErrorRecord(new IOException($"The file '{path}' already exists."), "NoClobber", ErrorCategory.ResourceExists, path));
            return file;
        }
    }
}
