using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Tasks;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// The alert state when it is shared or cannot be saved: the lock beside it, the checks made before a hunt, and
    /// an unreadable file moved aside without racing another loader. The cmdlet's side is tests/Pester/State.Tests.ps1.
    /// </summary>
    public class AlertStateSharingTests
    {
        private static readonly DateTime June1 = new DateTime(2024, 6, 1, 0, 0, 0, DateTimeKind.Utc);

        [Fact]
        public void Lock_IsExclusive_TheSecondWaitsThenFailsNamingTheLockFile()
        {
            using var dir = TestPaths.NewTempFolder();
            string state = dir.File("state.json");
            using (var first = AlertStateLock.Acquire(state, TimeSpan.Zero))
            {
                Assert.Equal(dir.File("state.json.lock"), first.LockPath);
                string told = null;
                var clock = Stopwatch.StartNew();
                var e = Assert.Throws<AlertStateBusyException>(() => AlertStateLock.Acquire(state, TimeSpan.FromMilliseconds(600), default, p => told = p));
                Assert.True(clock.ElapsedMilliseconds >= 550, $"gave up after {clock.ElapsedMilliseconds} ms");
                Assert.Equal(first.LockPath, told);
                Assert.Equal(first.LockPath, e.LockPath);
                Assert.Equal(Path.GetFullPath(state), e.StatePath);
                Assert.Contains("Another hunt is using the alert state '" + Path.GetFullPath(state) + "'", e.Message);
                Assert.Contains(first.LockPath, e.Message);
            }
            // Released: the next hunt takes it at once.
            using (AlertStateLock.Acquire(state, TimeSpan.Zero)) { }
        }

        [Fact]
        public async Task Lock_AWaiterGetsItWhenTheHolderReleases()
        {
            using var dir = TestPaths.NewTempFolder();
            string state = dir.File("state.json");
            var first = AlertStateLock.Acquire(state, TimeSpan.Zero);
            var release = Task.Run(() => { Thread.Sleep(400); first.Dispose(); });
            var clock = Stopwatch.StartNew();
            using (AlertStateLock.Acquire(state, TimeSpan.FromSeconds(30)))
                Assert.True(clock.ElapsedMilliseconds >= 300, $"took the lock after {clock.ElapsedMilliseconds} ms, while it was held");
            await release;
            first.Dispose(); // twice is harmless
        }

        [Fact]
        public void Lock_WaitingCanBeCancelled()
        {
            using var dir = TestPaths.NewTempFolder();
            string state = dir.File("state.json");
            using var held = AlertStateLock.Acquire(state, TimeSpan.Zero);
            using var cts = new CancellationTokenSource(300);
            var clock = Stopwatch.StartNew();
            Assert.ThrowsAny<OperationCanceledException>(() => AlertStateLock.Acquire(state, TimeSpan.FromMinutes(5), cts.Token));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        }

        [Fact]
        public void Lock_File_IsDeletedOnCloseOnWindows_AndLeftEmptyElsewhere()
        {
            using var dir = TestPaths.NewTempFolder();
            string state = dir.File("state.json");
            using (AlertStateLock.Acquire(state, TimeSpan.Zero)) Assert.True(File.Exists(state + ".lock"));
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) Assert.False(File.Exists(state + ".lock"));
            else Assert.Equal(0, new FileInfo(state + ".lock").Length);
        }

        [Fact]
        public void CheckSavable_RefusesAFolder()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("state.json");
            Directory.CreateDirectory(path);
            var e = Assert.Throws<StatePathException>(() => AlertState.CheckSavable(path));
            Assert.Equal(StatePathProblem.IsFolder, e.Problem);
            Assert.Equal(path, e.Path);
            Assert.Contains("is a folder", e.Message);
            Assert.Empty(Directory.GetFileSystemEntries(path));
        }

        [Fact]
        public void CheckSavable_RefusesAReadOnlyStateFile()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("state.json");
            File.WriteAllText(path, "{}");
            File.SetAttributes(path, FileAttributes.ReadOnly);
            try
            {
                var e = Assert.Throws<StatePathException>(() => AlertState.CheckSavable(path));
                Assert.Equal(StatePathProblem.FileReadOnly, e.Problem);
                Assert.Contains("read-only", e.Message);
            }
            finally { File.SetAttributes(path, FileAttributes.Normal); }
        }

        [Fact]
        public void CheckSavable_CreatesAMissingFolder_AndLeavesNoProbeBehind()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = Path.Combine(dir.Path, "a", "b", "state.json");
            AlertState.CheckSavable(path);
            Assert.True(Directory.Exists(Path.GetDirectoryName(path)));
            Assert.Empty(Directory.GetFileSystemEntries(Path.GetDirectoryName(path)));
            Assert.False(File.Exists(path)); // checking writes no state
        }

        [Fact]
        public void CheckSavable_RefusesAFolderThatCannotBeCreated()
        {
            using var dir = TestPaths.NewTempFolder();
            string file = dir.File("plain.txt");
            File.WriteAllText(file, "x");
            var e = Assert.Throws<StatePathException>(() => AlertState.CheckSavable(Path.Combine(file, "state.json"))); // a file where the folder should be
            Assert.Equal(StatePathProblem.FolderNotWritable, e.Problem);
            Assert.Contains("cannot be created", e.Message);
        }

        [Fact]
        public void Quarantine_NeverOverwritesAnEarlierCopy()
        {
            // Two unreadable states in the same second (the second hunt found its predecessor's fresh file
            // corrupt too): each copy is kept under its own name.
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("state.json");
            File.WriteAllText(path, "{first");
            var a = AlertState.Load(path);
            File.WriteAllText(path, "{second");
            var b = AlertState.Load(path);
            File.WriteAllText(path, "{third");
            var c = AlertState.Load(path);
            Assert.Equal(3, new[] { a.QuarantinedTo, b.QuarantinedTo, c.QuarantinedTo }.Distinct().Count());
            Assert.Equal("{first", File.ReadAllText(a.QuarantinedTo));
            Assert.Equal("{second", File.ReadAllText(b.QuarantinedTo));
            Assert.Equal("{third", File.ReadAllText(c.QuarantinedTo));
            Assert.False(File.Exists(path));
        }

        [Fact]
        public async Task Locked_LoadQuarantineSave_TwoLoadersOnOneCorruptFile_TakeTurns()
        {
            // What two hunts do with one corrupt state, on threads: lock, load (quarantine), record, save, release.
            // The first moves the corrupt file aside; the second reads the first's saved state, and nothing throws.
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("state.json");
            File.WriteAllText(path, "{\"version\":1,\"users\":{\"a\":[\"2024-06-0");
            using var start = new Barrier(2);
            var loaded = new AlertState[2];
            var runs = Enumerable.Range(0, 2).Select(i => Task.Run(() =>
            {
                start.SignalAndWait();
                using (AlertStateLock.Acquire(path, TimeSpan.FromSeconds(30)))
                {
                    var s = AlertState.Load(path);
                    loaded[i] = s;
                    if (s.NewDays("u@x.com", new[] { June1 }).Count > 0) s.Record("u@x.com", new[] { June1 });
                    Thread.Sleep(50);
                    s.Save();
                }
            })).ToArray();
            await Task.WhenAll(runs);
            Assert.Single(loaded, s => s.QuarantinedTo != null);
            Assert.Single(loaded, s => s.QuarantinedTo == null && s.Users == 1);
            Assert.Single(Directory.GetFiles(dir.Path, "state.json.unreadable-*"));
            Assert.Equal(1, AlertState.Load(path).Users);
        }
    }
}
