using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;

namespace LowSlowExfil.State
{
    /// <summary>Another process held the alert state's lock file for longer than the caller would wait.</summary>
    public sealed class AlertStateBusyException : IOException
    {
        public AlertStateBusyException(string statePath, string lockPath, TimeSpan waited, Exception inner)
            : base($"Another hunt is using the alert state '{statePath}': its lock file '{lockPath}' was still held after {waited.TotalSeconds:0} seconds.", inner)
        {
            StatePath = statePath;
            LockPath = lockPath;
        }

        public string StatePath { get; }

        public string LockPath { get; }
    }

    /// <summary>
    /// One hunt at a time per state file. Two hunts that load, update and save the same state at once would each
    /// save over the other's alerts, and both would quarantine the same unreadable file (one then failing with
    /// "Could not find file"). The lock is a file beside the state, "&lt;state&gt;.lock", opened exclusively
    /// (FileShare.None, which .NET enforces with flock on Linux and macOS) and held from loading the state to saving it.
    /// The operating system releases it when its process ends, so a hunt that crashed never leaves it held.
    /// On Windows the file is deleted on close; elsewhere it stays, empty: deleting it there would let a waiter that
    /// had already opened it lock the deleted file while a third hunt created and locked a new one.
    /// </summary>
    public sealed class AlertStateLock : IDisposable
    {
        private static readonly bool IsWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
        private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);
        // Null once disposed.
        private FileStream? _stream;

        private AlertStateLock(string lockPath, FileStream stream)
        {
            LockPath = lockPath;
            _stream = stream;
        }

        public string LockPath { get; }

        /// <summary>The lock file of a state file.</summary>
        public static string LockPathFor(string statePath) => System.IO.Path.GetFullPath(statePath) + ".lock";

        /// <summary>
        /// Takes the lock, waiting up to <paramref name="timeout"/> while another process holds it.
        /// <paramref name="waiting"/> is called once, when the lock is found held, so the caller can say why it waits.
        /// </summary>
        /// <exception cref="AlertStateBusyException">The lock was still held when the time ran out.</exception>
        /// <exception cref="OperationCanceledException">Cancelled while waiting.</exception>
        public static AlertStateLock Acquire(string statePath, TimeSpan timeout, CancellationToken cancel = default, Action<string>? waiting = null)
        {
            string lockPath = LockPathFor(statePath);
            var clock = Stopwatch.StartNew();
            bool told = false;
            while (true)
            {
                cancel.ThrowIfCancellationRequested();
                Exception held;
                try
                {
                    var stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1,
                        IsWindows ? FileOptions.DeleteOnClose : FileOptions.None);
                    return new AlertStateLock(lockPath, stream);
                }
                // Held elsewhere: a sharing violation (Windows) or a refused flock (elsewhere) is an IOException. A
                // folder that vanished or a name too long will not heal by waiting.
                catch (IOException e) when (!(e is FileNotFoundException || e is DirectoryNotFoundException || e is PathTooLongException))
                {
                    held = e;
                }
                // Windows refuses to open a file whose delete is pending: the holder is closing it right now.
                catch (UnauthorizedAccessException e) when (IsWindows && !Directory.Exists(lockPath))
                {
                    held = e;
                }
                if (clock.Elapsed >= timeout)
                    throw new AlertStateBusyException(System.IO.Path.GetFullPath(statePath), lockPath, timeout, held);
                if (!told)
                {
                    told = true;
                    waiting?.Invoke(lockPath);
                }
                var left = timeout - clock.Elapsed;
                if (cancel.WaitHandle.WaitOne(left < Poll ? (left < TimeSpan.Zero ? TimeSpan.Zero : left) : Poll))
                    cancel.ThrowIfCancellationRequested();
            }
        }

        /// <summary>Releases the lock (idempotent).</summary>
        public void Dispose()
        {
            var s = Interlocked.Exchange(ref _stream, null);
            s?.Dispose();
        }
    }
}
