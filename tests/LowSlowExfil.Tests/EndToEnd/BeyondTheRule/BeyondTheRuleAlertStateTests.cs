using System.Collections;

namespace LowSlowExfil.Tests
{
    // ═══════════════════════════════════════════════════════════════════ alert state

    public class BeyondTheRuleAlertStateTests
    {
        private static DateTime Day(int month, int day, int hour = 0) => new DateTime(2024, month, day, hour, 0, 0, DateTimeKind.Utc);

        [Fact]
        public void AbsentFile_IsAnEmptyState()
        {
            using var dir = TestPaths.NewTempFolder();
            var s = AlertState.Load(dir.File("state.json"));
            Assert.Equal(0, s.Users);
            Assert.Null(s.QuarantinedTo);
            Assert.Null(s.LoadError);
            Assert.Equal(new[] { Day(6, 1) }, s.NewDays("a", new[] { Day(6, 1, 13) }));
            Assert.False(File.Exists(dir.File("state.json"))); // loading writes nothing
        }

        [Fact]
        public void SuppressAndRaise()
        {
            using var dir = TestPaths.NewTempFolder();
            var s = AlertState.Load(dir.File("state.json"));
            // Run 1: a flagged user active on June 1 and 2 is new: raised, and both days recorded.
            var days = new[] { Day(6, 1), Day(6, 2) };
            Assert.Equal(days, s.NewDays("a@x.com", days));
            s.Record("a@x.com", days);
            Assert.Equal(1, s.Users);

            // Run 2, same data: every day already alerted → nothing new (not raised again).
            Assert.Empty(s.NewDays("a@x.com", days));
            // Times within an alerted day count as that day; duplicates are one day.
            Assert.Empty(s.NewDays("a@x.com", new[] { Day(6, 2, 23), Day(6, 1, 5), Day(6, 1, 6) }));
            // Another user is unaffected; user names are compared exactly (the rule lower-cases them before).
            Assert.Equal(days, s.NewDays("b@x.com", days));
            Assert.Equal(days, s.NewDays("A@x.com", days));

            // Run 3: one more day of uploads → only that day is new → raised, and recorded.
            var more = new[] { Day(6, 1), Day(6, 2), Day(6, 3, 14) };
            Assert.Equal(new[] { Day(6, 3) }, s.NewDays("a@x.com", more));
            s.Record("a@x.com", more);
            Assert.Empty(s.NewDays("a@x.com", more));
            Assert.Equal(1, s.Users);
            // New days are returned in order, day-binned.
            Assert.Equal(new[] { Day(6, 4), Day(6, 9) }, s.NewDays("a@x.com", new[] { Day(6, 9, 8), Day(6, 1), Day(6, 4, 22) }));
        }

        [Fact]
        public void Prune_ForgetsDaysOlderThanTheRetentionBeforeTheWindow()
        {
            using var dir = TestPaths.NewTempFolder();
            var s = AlertState.Load(dir.File("state.json"));
            s.Record("old", new[] { Day(1, 15), Day(3, 31) });
            s.Record("mixed", new[] { Day(3, 31), Day(4, 1), Day(6, 10) });
            // Window start 2024-06-30T12:00 → day 2024-06-30; minus 90 days = 2024-04-01: earlier days are forgotten.
            s.Prune(new DateTime(2024, 6, 30, 12, 0, 0, DateTimeKind.Utc));
            Assert.Equal(1, s.Users); // "old" had only older days and is gone
            Assert.Equal(new[] { Day(3, 31) }, s.NewDays("mixed", new[] { Day(3, 31), Day(4, 1), Day(6, 10) }));
            Assert.Equal(new[] { Day(1, 15), Day(3, 31) }, s.NewDays("old", new[] { Day(1, 15), Day(3, 31) }));
            Assert.Equal(TimeSpan.FromDays(90), AlertState.Retention);
        }

        [Fact]
        public void Prune_WithNoWindow_DoesNotThrow()
        {
            // A hunt with no ZIA users has no window start (default(DateTime)); the cmdlet still prunes and saves.
            using var dir = TestPaths.NewTempFolder();
            var s = AlertState.Load(dir.File("state.json"));
            s.Record("a", new[] { Day(6, 1) });
            s.Prune(default);
            Assert.Equal(1, s.Users);
        }

        [Fact]
        public void SaveAndLoad_RoundTrip()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = Path.Combine(dir.Path, "sub", "folder", "state.json"); // folders are created
            var s = AlertState.Load(path);
            s.Record("b@x.com", new[] { Day(6, 2), Day(6, 1, 7) });
            s.Record("a@x.com", new[] { Day(5, 30) });
            s.Save();

            using (var doc = JsonDocument.Parse(File.ReadAllBytes(path)))
            {
                var root = doc.RootElement;
                Assert.Equal(1, root.GetProperty("version").GetInt32());
                Assert.True(DateTime.TryParse(root.GetProperty("updated").GetString(), out _));
                var users = root.GetProperty("users").EnumerateObject().ToList();
                Assert.Equal(new[] { "a@x.com", "b@x.com" }, users.Select(u => u.Name).ToArray());
                Assert.Equal(new[] { "2024-06-01", "2024-06-02" }, users[1].Value.EnumerateArray().Select(d => d.GetString()).ToArray());
            }
            // Nothing but the state file is left in the folder.
            Assert.Equal(new[] { "state.json" }, Directory.GetFiles(Path.GetDirectoryName(path)).Select(Path.GetFileName).ToArray());

            var back = AlertState.Load(path);
            Assert.Null(back.QuarantinedTo);
            Assert.Equal(2, back.Users);
            Assert.Empty(back.NewDays("b@x.com", new[] { Day(6, 1), Day(6, 2) }));
            Assert.Empty(back.NewDays("a@x.com", new[] { Day(5, 30, 23) }));
            Assert.Equal(new[] { Day(6, 3) }, back.NewDays("b@x.com", new[] { Day(6, 1), Day(6, 3) }));

            // Saving again replaces the file.
            back.Record("c@x.com", new[] { Day(6, 5) });
            back.Save();
            Assert.Equal(3, AlertState.Load(path).Users);
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)));
        }

        [Fact]
        public void CrashMidWrite_StrayTempFiles_LeaveThePreviousStateWhole()
        {
            // A crash (power loss, killed job) during Save leaves at most a temporary file beside the state:
            // ".state.json.<guid>.tmp", possibly half written. The state file itself is only ever replaced by rename.
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("state.json");
            var s = AlertState.Load(path);
            s.Record("a@x.com", new[] { Day(6, 1) });
            s.Save();
            byte[] before = File.ReadAllBytes(path);

            File.WriteAllText(dir.File(".state.json." + Guid.NewGuid().ToString("N") + ".tmp"), "{\n  \"version\": 1,\n  \"users\": {\n    \"a@x.com\": [\"2024-06-0");
            File.WriteAllText(dir.File(".state.json." + Guid.NewGuid().ToString("N") + ".tmp"), "{\"version\":1,\"users\":{\"z@x.com\":[\"2024-06-09\"]}}");

            var loaded = AlertState.Load(path);
            Assert.Null(loaded.QuarantinedTo);
            Assert.Equal(1, loaded.Users);
            Assert.Empty(loaded.NewDays("a@x.com", new[] { Day(6, 1) }));
            Assert.Equal(new[] { Day(6, 9) }, loaded.NewDays("z@x.com", new[] { Day(6, 9) })); // the temp files are never read
            Assert.Equal(before, File.ReadAllBytes(path));

            // The next save still works beside them.
            loaded.Record("b@x.com", new[] { Day(6, 2) });
            loaded.Save();
            Assert.Equal(2, AlertState.Load(path).Users);
        }

        /// <summary>Passes writes through until <paramref name="failAfter"/> bytes, writes part of the next buffer, then fails like a full disk.</summary>
        private sealed class FailingStream : Stream
        {
            private readonly Stream _inner;
            private readonly long _failAfter;

            public FailingStream(Stream inner, long failAfter) { _inner = inner; _failAfter = failAfter; }

            public string TargetName => (_inner as FileStream)?.Name;
            public long Written { get; private set; }

            public override void Write(byte[] buffer, int offset, int count)
            {
                long room = _failAfter - Written;
                if (count > room)
                {
                    _inner.Write(buffer, offset, (int)Math.Max(0, room));
                    _inner.Flush();
                    Written += Math.Max(0, room);
                    throw new IOException("No space left on device (simulated)");
                }
                _inner.Write(buffer, offset, count);
                Written += count;
            }

            public override void Flush() => _inner.Flush();
            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
        }

        [Fact]
        public void FailedWrite_LeavesTheOldFileWholeAndNoTempBehind()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("state.json");
            var s = AlertState.Load(path);
            s.Record("a@x.com", new[] { Day(6, 1), Day(6, 2) });
            s.Save();
            byte[] before = File.ReadAllBytes(path);

            // The next save dies half way through writing: the bytes went to a temporary file beside the state, never to it.
            var next = AlertState.Load(path);
            for (int i = 0; i < 50; i++) next.Record("user" + i + "@x.com", new[] { Day(6, 3) });
            FailingStream failing = null;
            long partialLength = -1;
            next.WrapTempStream = inner =>
            {
                failing = new FailingStream(inner, failAfter: 200);
                return failing;
            };
            var e = Assert.Throws<IOException>(() => next.Save());
            Assert.Contains("simulated", e.Message);
            Assert.NotNull(failing);
            Assert.Equal(200, failing.Written);
            string temp = failing.TargetName;
            Assert.NotNull(temp);
            Assert.NotEqual(Path.GetFullPath(path), Path.GetFullPath(temp));
            Assert.Equal(Path.GetFullPath(dir.Path), Path.GetDirectoryName(Path.GetFullPath(temp))); // same folder, so the rename is atomic
            Assert.StartsWith(".state.json.", Path.GetFileName(temp));
            Assert.EndsWith(".tmp", temp);
            partialLength = failing.Written;
            Assert.True(partialLength > 0);

            // The state file is exactly the old one, the half-written temp is gone, and Load gives the previous state.
            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.False(File.Exists(temp));
            Assert.Equal(new[] { "state.json" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName).ToArray());
            var loaded = AlertState.Load(path);
            Assert.Null(loaded.QuarantinedTo);
            Assert.Equal(1, loaded.Users);
            Assert.Empty(loaded.NewDays("a@x.com", new[] { Day(6, 1), Day(6, 2) }));

            // A save that succeeds afterwards writes everything.
            next.WrapTempStream = null;
            next.Save();
            Assert.Equal(51, AlertState.Load(path).Users);
        }

        [Fact]
        public void FailedRename_LeavesTheOldFileWhole()
        {
            // The state path is a folder: the temp file is written in full, and the final rename fails. Nothing is lost
            // and no temp file is left.
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("state.json");
            Directory.CreateDirectory(path);
            File.WriteAllText(Path.Combine(path, "keep.txt"), "x");
            var s = AlertState.Load(path); // a folder is not a state file: empty state
            Assert.Equal(0, s.Users);
            s.Record("a@x.com", new[] { Day(6, 1) });
            Assert.ThrowsAny<IOException>(() => s.Save());
            Assert.True(Directory.Exists(path));
            Assert.Equal("x", File.ReadAllText(Path.Combine(path, "keep.txt")));
            Assert.Equal(new[] { "state.json" }, Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).ToArray());
        }

        [Theory]
        [InlineData("{not json")]
        [InlineData("")]
        [InlineData("[]")]
        [InlineData("{\"users\":{}}")]
        [InlineData("{\"version\":2,\"users\":{}}")]
        [InlineData("{\"version\":\"1\",\"users\":{}}")]
        [InlineData("{\"version\":1}")]
        [InlineData("{\"version\":1,\"users\":[]}")]
        [InlineData("{\"version\":1,\"users\":{\"a\":\"2024-06-01\"}}")]
        [InlineData("{\"version\":1,\"users\":{\"a\":[\"2024-13-45\"]}}")]
        [InlineData("{\"version\":1,\"users\":{\"a\":[20240601]}}")]
        [InlineData("{\"version\":1,\"users\":{\"a\":[null]}}")]
        [InlineData("{\"version\":1,\"users\":{\"a\":[\"2024-06-01\"]}")] // truncated
        public void UnreadableFile_IsQuarantinedAndTheStateStartsEmpty(string content)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("state.json");
            File.WriteAllText(path, content);
            var s = AlertState.Load(path);
            Assert.Equal(0, s.Users);
            Assert.NotNull(s.LoadError);
            Assert.NotNull(s.QuarantinedTo);
            Assert.StartsWith(path + ".unreadable-", s.QuarantinedTo);
            Assert.False(File.Exists(path));                       // moved aside, not deleted
            Assert.Equal(content, File.ReadAllText(s.QuarantinedTo));
            // Starting empty means earlier alerts are raised again (safer than suppressing them).
            Assert.Equal(new[] { Day(6, 1) }, s.NewDays("a", new[] { Day(6, 1) }));

            // The next save writes a fresh, readable state; the quarantined copy stays for inspection.
            s.Record("a", new[] { Day(6, 1) });
            s.Save();
            var again = AlertState.Load(path);
            Assert.Null(again.QuarantinedTo);
            Assert.Equal(1, again.Users);
            Assert.True(File.Exists(s.QuarantinedTo));
        }

        [Fact]
        public void BinaryGarbage_IsQuarantined()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("state.json");
            File.WriteAllBytes(path, new byte[] { 0xFF, 0xFE, 0x00, 0x01, 0x80, 0x81 });
            var s = AlertState.Load(path);
            Assert.NotNull(s.QuarantinedTo);
            Assert.Equal(0, s.Users);
        }
    }
}
