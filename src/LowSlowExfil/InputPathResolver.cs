using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// Turns -Path and -LiteralPath into the regular files to read, each once however many names lead to it (links,
    /// hard links, a folder given twice). Folder links met while walking are followed only when asked, around loops;
    /// pipes, sockets and devices are never opened (one with no writer would block for ever); an unreadable folder
    /// is an error and the walk goes on. Every skip is said in -Verbose.
    /// </summary>
    internal sealed class InputPathResolver
    {
        // Extensions read when a folder is given; a file named explicitly is read whatever its extension.
        private static readonly string[] FolderExtensions = { ".csv", ".json", ".jsonl", ".ndjson", ".log", ".cef", ".leef", ".txt", ".gz" };

        private readonly PathIntrinsics _paths;
        private readonly bool _recurse;
        private readonly bool _followSymlink;
        private readonly CancellationToken _cancel;
        private readonly Action<ErrorRecord> _error;
        private readonly Action<string> _warning;
        private readonly Action<string> _verbose;
        private readonly List<string> _files = new List<string>();
        // Identity (FileProbe) -> the first name it was met by.
        private readonly Dictionary<string, string> _fileNames = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _folderNames = new Dictionary<string, string>(StringComparer.Ordinal);

        public InputPathResolver(PathIntrinsics paths, bool recurse, bool followSymlink, CancellationToken cancel,
            Action<ErrorRecord> error, Action<string> warning, Action<string> verbose)
        {
            _paths = paths;
            _recurse = recurse;
            _followSymlink = followSymlink;
            _cancel = cancel;
            _error = error;
            _warning = warning;
            _verbose = verbose;
        }

        /// <summary>The files to read, in the order found.</summary>
        public IReadOnlyList<string> Files => _files;

        /// <summary>Adds what one -Path or -LiteralPath argument names. Throws OperationCanceledException on Ctrl+C.</summary>
        public void Add(string path, bool literal)
        {
            Collection<string> resolved;
            ProviderInfo provider;
            try
            {
                resolved = literal
                    ? new Collection<string> { _paths.GetUnresolvedProviderPathFromPSPath(path, out provider, out _) }
                    : _paths.GetResolvedProviderPathFromPSPath(path, out provider);
            }
            catch (ItemNotFoundException e)
            {
                // PowerShell says "does not exist" also when a folder on the way may not be read: tell which.
                if (!ReportUnreachable(path)) _error(new ErrorRecord(e, "PathNotFound", ErrorCategory.ObjectNotFound, path));
                return;
            }
            catch (Exception e) when (e is ProviderNotFoundException || e is System.Management.Automation.DriveNotFoundException || e is PSArgumentException || e is NotSupportedException)
            {
                _error(new ErrorRecord(e, "InvalidPath", ErrorCategory.InvalidArgument, path));
                return;
            }
            if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
            {
                _error(new ErrorRecord(new ArgumentException($"'{path}' is not a file system path."), "NotFileSystemPath", ErrorCategory.InvalidArgument, path));
                return;
            }
            if (resolved.Count == 0)
            {
                // A wildcard that matches nothing: a hunt over no files must not pass for a hunt with no findings.
                if (ReportUnreadableWildcardFolder(path)) return;
                _error(new ErrorRecord(
                    new ItemNotFoundException($"No file matches '{path}'. (In -Path, '*', '?' and '[ ]' are wildcards; use -LiteralPath for a name that contains them.)"),
                    "PathNotFound", ErrorCategory.ObjectNotFound, path));
                return;
            }
            foreach (string p in resolved)
            {
                _cancel.ThrowIfCancellationRequested();
                var probe = FileProbe.Of(p);
                switch (probe.Kind)
                {
                    case EntryKind.Directory:
                        AddFolder(p, probe.Identity);
                        break;
                    case EntryKind.Regular:
                        AddFile(p, probe.Identity);
                        break;
                    case EntryKind.Other:
                        _error(new ErrorRecord(
                            new ArgumentException($"'{p}' is {probe.What}, not a regular file: it is not read, as reading it could wait for ever for a writer. Save what it carries to a file and hunt that file."),
                            "NotRegularFile", ErrorCategory.InvalidArgument, p));
                        break;
                    case EntryKind.Denied:
                        _error(Unreachable(p));
                        break;
                    default:
                        _error(new ErrorRecord(new ItemNotFoundException($"Cannot find path '{p}' because it does not exist."), "PathNotFound", ErrorCategory.ObjectNotFound, path));
                        break;
                }
            }
        }

        private void AddFile(string file, string identity)
        {
            if (_fileNames.TryGetValue(identity, out string first))
            {
                _verbose(string.Equals(first, file, StringComparison.Ordinal)
                    ? $"Skipped '{file}': named more than once."
                    : $"Skipped '{file}': same file as '{first}'.");
                return;
            }
            _fileNames.Add(identity, file);
            _files.Add(file);
        }

        /// <summary>Walks a folder (and with -Recurse its subfolders), depth first, entries in ordinal order.</summary>
        private void AddFolder(string root, string identity)
        {
            if (_folderNames.TryGetValue(identity, out string seen))
            {
                _verbose($"Skipped folder '{root}': same folder as '{seen}'.");
                return;
            }
            _folderNames.Add(identity, root);
            var found = new List<KeyValuePair<string, string>>();
            int otherFiles = 0;
            bool rootRead = false;
            var pending = new Stack<string>();
            pending.Push(root);
            while (pending.Count > 0)
            {
                _cancel.ThrowIfCancellationRequested();
                string folder = pending.Pop();
                List<FileSystemInfo> entries = ReadFolder(folder);
                if (entries == null) continue;
                if (folder == root) rootRead = true;
                var subfolders = new List<string>();
                foreach (var entry in entries)
                {
                    // Ctrl+C between entries too: one folder can hold millions.
                    _cancel.ThrowIfCancellationRequested();
                    // A symbolic link (Unix) or a reparse point such as a junction (Windows). On Windows a OneDrive
                    // folder kept online only is a reparse point too: -FollowSymlink reads it.
                    bool link = (entry.Attributes & FileAttributes.ReparsePoint) != 0;
                    if (entry is DirectoryInfo)
                    {
                        if (_recurse && EnterSubfolder(entry.FullName, link)) subfolders.Add(entry.FullName);
                        continue;
                    }
                    string extension = System.IO.Path.GetExtension(entry.Name);
                    if (!FolderExtensions.Contains(extension, StringComparer.OrdinalIgnoreCase))
                    {
                        // Said, not silent: an export saved as .bak or without an extension would otherwise just be missing.
                        otherFiles++;
                        _verbose($"Skipped '{entry.FullName}': {(extension.Length == 0 ? "no extension" : "extension " + extension)}; a folder read " +
                            $"takes only {string.Join(" ", FolderExtensions)} files. Name it in -Path to read it.");
                        continue;
                    }
                    var probe = FileProbe.Of(entry.FullName);
                    switch (probe.Kind)
                    {
                        case EntryKind.Regular:
                            found.Add(new KeyValuePair<string, string>(entry.FullName, probe.Identity));
                            break;
                        case EntryKind.Other:
                            _verbose($"Skipped '{entry.FullName}': {probe.What}, not a regular file.");
                            break;
                        case EntryKind.Denied:
                            _error(Unreachable(entry.FullName));
                            break;
                        case EntryKind.Missing:
                            if (link) _warning($"Skipped '{entry.FullName}': a link to a file that does not exist.");
                            else _verbose($"Skipped '{entry.FullName}': removed while the folder was read.");
                            break;
                    }
                }
                // Popped in ordinal order.
                for (int i = subfolders.Count - 1; i >= 0; i--) pending.Push(subfolders[i]);
            }
            if (rootRead && found.Count == 0)
                _warning($"Folder '{root}' holds no log files ({string.Join(", ", FolderExtensions)})" +
                    (otherFiles > 0 ? $"; {otherFiles:N0} other file(s) were skipped (-Verbose names them)." : "."));
            foreach (var f in found.OrderBy(f => f.Key, StringComparer.Ordinal)) AddFile(f.Key, f.Value);
        }

        /// <summary>Whether to walk a subfolder met under -Recurse; says why not in -Verbose or as an error.</summary>
        private bool EnterSubfolder(string folder, bool link)
        {
            if (link && !_followSymlink)
            {
                _verbose($"Skipped folder link '{folder}': folder links are followed only with -FollowSymlink.");
                return false;
            }
            var probe = FileProbe.Of(folder);
            if (probe.Kind == EntryKind.Denied)
            {
                _error(Unreachable(folder));
                return false;
            }
            if (probe.Kind != EntryKind.Directory) return false;
            if (_folderNames.TryGetValue(probe.Identity, out string seen))
            {
                // Identity, not name, says where a link leads: 'up -> ..' is caught however it is spelt.
                string seenWithSlash = seen.EndsWith(System.IO.Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? seen : seen + System.IO.Path.DirectorySeparatorChar;
                _verbose(folder.StartsWith(seenWithSlash, StringComparison.Ordinal)
                    ? $"Skipped folder link '{folder}': it leads back to '{seen}', which holds it (a loop)."
                    : $"Skipped folder '{folder}': same folder as '{seen}'.");
                return false;
            }
            _folderNames.Add(probe.Identity, folder);
            return true;
        }

        /// <summary>The folder's entries in ordinal order, or null (reported) when it cannot be read.</summary>
        private List<FileSystemInfo> ReadFolder(string folder)
        {
            try
            {
                return new DirectoryInfo(folder).EnumerateFileSystemInfos().OrderBy(e => e.FullName, StringComparer.Ordinal).ToList();
            }
            catch (Exception e) when (e is UnauthorizedAccessException || e is System.Security.SecurityException)
            {
                _error(UnreadableFolder(folder, e));
            }
            catch (IOException e)
            {
                _error(new ErrorRecord(new IOException($"Cannot read the folder '{folder}': {e.Message} Its files are not in the hunt; the other paths are read.", e),
                    "FolderUnreadable", ErrorCategory.ReadError, folder));
            }
            return null;
        }

        private static ErrorRecord UnreadableFolder(string folder, Exception inner) =>
            new ErrorRecord(new UnauthorizedAccessException($"Cannot read the folder '{folder}': permission denied. Its files are not in the hunt; the other paths are read.", inner),
                "FolderUnreadable", ErrorCategory.PermissionDenied, folder);

        private static ErrorRecord Unreachable(string path) =>
            new ErrorRecord(new UnauthorizedAccessException($"Cannot reach '{path}': permission denied on a folder on the way to it. It is not in the hunt; the other paths are read."),
                "PathUnreadable", ErrorCategory.PermissionDenied, path);

        /// <summary>For a path PowerShell did not find: reports it if a folder on the way may not be read.</summary>
        private bool ReportUnreachable(string path)
        {
            string full;
            try { full = _paths.GetUnresolvedProviderPathFromPSPath(path); }
            catch (Exception) { return false; }
            if (FileProbe.Of(full).Kind != EntryKind.Denied) return false;
            _error(Unreachable(full));
            return true;
        }

        /// <summary>
        /// For a wildcard that matched nothing: PowerShell matches nothing in a folder it may not list ('perm/*'),
        /// so the analyst is told that folder may not be read rather than that it holds no such file.
        /// </summary>
        private bool ReportUnreadableWildcardFolder(string path)
        {
            string folder;
            try
            {
                folder = _paths.GetUnresolvedProviderPathFromPSPath(path);
                while (folder != null && WildcardPattern.ContainsWildcardCharacters(folder)) folder = System.IO.Path.GetDirectoryName(folder);
            }
            catch (Exception) { return false; }
            if (folder == null || FileProbe.Of(folder).Kind != EntryKind.Directory) return false;
            try
            {
                using (var e = Directory.EnumerateFileSystemEntries(folder).GetEnumerator()) e.MoveNext();
                return false;
            }
            catch (Exception e) when (e is UnauthorizedAccessException || e is System.Security.SecurityException)
            {
                _error(UnreadableFolder(folder, e));
                return true;
            }
            catch (IOException)
            {
                return false;
            }
        }
    }
}
