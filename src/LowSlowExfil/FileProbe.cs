using System;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LowSlowExfil.Commands
{
    /// <summary>What a path leads to once its links are followed.</summary>
    internal enum EntryKind { Missing, Denied, Regular, Directory, Other }

    /// <summary>
    /// The kind of what a path leads to and an identity shared by every name of the same file or folder (symbolic
    /// and hard links, bind mounts): device and inode on Unix, volume serial and file index on Windows.
    /// </summary>
    internal readonly struct PathProbe
    {
        public PathProbe(EntryKind kind, string identity, string what)
        {
            Kind = kind;
            Identity = identity;
            What = what;
        }

        public EntryKind Kind { get; }

        /// <summary>Equal for two names of one file; the full path where the system gives no better id.</summary>
        public string Identity { get; }

        /// <summary>For <see cref="EntryKind.Other"/>: what it is, e.g. "a named pipe".</summary>
        public string What { get; }
    }

    internal static class FileProbe
    {
        /// <summary>Follows links (as opening would) and never opens the file, so a pipe cannot block.</summary>
        public static PathProbe Of(string path)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows) && !_noPsl)
            {
                try { return Unix(path); }
                catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
                {
                    // Not under PowerShell 7's own runtime: judge by .NET alone below (pipes cannot be told apart).
                    _noPsl = true;
                }
            }
            return Managed(path);
        }

        private static bool _noPsl;

        private static PathProbe Managed(string path)
        {
            string full = System.IO.Path.GetFullPath(path);
            if (Directory.Exists(path)) return new PathProbe(EntryKind.Directory, WindowsIdentity(full) ?? full, null);
            if (File.Exists(path)) return new PathProbe(EntryKind.Regular, WindowsIdentity(full) ?? full, null);
            return new PathProbe(EntryKind.Missing, full, null);
        }

        // ---- Unix: PowerShell 7's native helper library (libpsl-native, beside pwsh on every Unix it runs on) wraps
        // stat() in a layout of its own, the same on every architecture and libc, where struct stat is not.

        private const int EPERM = 1, EACCES = 13;
#pragma warning disable IDE1006 // sys/stat.h's own names, so they can be looked up there
        private const int S_IFMT = 0xF000, S_IFIFO = 0x1000, S_IFCHR = 0x2000, S_IFDIR = 0x4000, S_IFBLK = 0x6000, S_IFREG = 0x8000, S_IFSOCK = 0xC000;
#pragma warning restore IDE1006

        [StructLayout(LayoutKind.Sequential)]
        private struct CommonStat
        {
            public long Inode;
            public int Mode;
            public int UserId, GroupId, HardlinkCount;
            public long Size, AccessTime, ModifiedTime, ChangeTime, BlockSize;
            public int DeviceId, NumberOfBlocks;
            public int IsDirectory, IsFile, IsSymbolicLink, IsBlockDevice, IsCharacterDevice, IsNamedPipe, IsSocket, IsSetUid, IsSetGid, IsSticky;
        }

        [DllImport("libpsl-native", CharSet = CharSet.Ansi, SetLastError = true)]
        private static extern int GetCommonStat([MarshalAs(UnmanagedType.LPStr)] string path, out CommonStat stat);

        // stat()'s full st_dev and st_ino (CommonStat cuts the device number to 32 bits).
        [DllImport("libpsl-native", CharSet = CharSet.Ansi, SetLastError = true)]
        private static extern int GetInodeData([MarshalAs(UnmanagedType.LPStr)] string path, out ulong device, out ulong inode);

        private static PathProbe Unix(string path)
        {
            string full = System.IO.Path.GetFullPath(path);
            if (GetCommonStat(full, out CommonStat st) != 0)
            {
                int errno = Marshal.GetLastWin32Error();
                return new PathProbe(errno == EACCES || errno == EPERM ? EntryKind.Denied : EntryKind.Missing, full, null);
            }
            string identity = GetInodeData(full, out ulong device, out ulong inode) == 0
                ? device.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + inode.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : full;
            switch (st.Mode & S_IFMT)
            {
                case S_IFREG: return new PathProbe(EntryKind.Regular, identity, null);
                case S_IFDIR: return new PathProbe(EntryKind.Directory, identity, null);
                case S_IFIFO: return new PathProbe(EntryKind.Other, identity, "a named pipe");
                case S_IFSOCK: return new PathProbe(EntryKind.Other, identity, "a socket");
                case S_IFCHR: return new PathProbe(EntryKind.Other, identity, "a character device");
                case S_IFBLK: return new PathProbe(EntryKind.Other, identity, "a block device");
                default: return new PathProbe(EntryKind.Other, identity, "a special file");
            }
        }

        // ---- Windows: the volume serial number and file index of the final target (CreateFile follows links);
        // when the file cannot be opened even for its attributes, the fully resolved path stands in.

        private const uint OPEN_EXISTING = 3, FILE_SHARE_ALL = 7, FILE_FLAG_BACKUP_SEMANTICS = 0x02000000;

        // Pack 4: the FILETIMEs are two DWORDs each, 4-aligned, not 8 as a long would be.
        [StructLayout(LayoutKind.Sequential, Pack = 4)]
        private struct ByHandleFileInformation
        {
            public uint FileAttributes;
            public long CreationTime, LastAccessTime, LastWriteTime;
            public uint VolumeSerialNumber, FileSizeHigh, FileSizeLow, NumberOfLinks, FileIndexHigh, FileIndexLow;
        }

        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern SafeFileHandle CreateFileW(string name, uint access, uint share, IntPtr security, uint disposition, uint flags, IntPtr template);

        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool GetFileInformationByHandle(SafeFileHandle file, out ByHandleFileInformation info);

        private static string WindowsIdentity(string full)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return null;
            // Access 0: attributes only, so a file locked by its writer or without read permission still answers;
            // backup semantics: folders open too.
            using (var handle = CreateFileW(full, 0, FILE_SHARE_ALL, IntPtr.Zero, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, IntPtr.Zero))
            {
                if (handle.IsInvalid || !GetFileInformationByHandle(handle, out ByHandleFileInformation info)) return null;
                return info.VolumeSerialNumber.ToString("x8", System.Globalization.CultureInfo.InvariantCulture) + ":"
                    + (((ulong)info.FileIndexHigh << 32) | info.FileIndexLow).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
            }
        }
    }
}
