using System.Reflection;
using System.Runtime.Loader;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// One switch turns every fast path off (LOWSLOWEXFIL_FAST_PATHS=0, read once in Readers/Fast/FastPath), so that
    /// ./build.ps1 Test -NoFastPaths runs the whole suites on the general readers; FastPath alone picks a fast path.
    /// </summary>
    public class FastPathSwitchTests
    {
        [Theory]
        [InlineData(null, true)]
        [InlineData("", true)]
        [InlineData("1", true)]
        [InlineData("0", false)]
        [InlineData(" 0 ", false)]
        public void TheSwitch_IsOffOnlyForZero(string value, bool allowed) => Assert.Equal(allowed, FastPath.AllowedBy(value));

        [Fact]
        public void ThisProcess_FollowsTheEnvironment() =>
            Assert.Equal(Environment.GetEnvironmentVariable(FastPath.SwitchVariable)?.Trim() != "0", FastPath.Allowed);

        /// <summary>A read that would take every fast path (the CSV cut into ranges) takes none with the switch off, and the same figures.</summary>
        [Fact]
        public void AReadThatWouldTakeTheFastPaths_TakesThemOnlyWhenTheSwitchAllows()
        {
            string path = Path.Combine(Path.GetTempPath(), "lse-switch-" + Guid.NewGuid().ToString("N") + ".csv");
            var csv = new StringBuilder("TimeGenerated [UTC],DeviceVendor,DeviceAction,SourceUserName,DestinationHostName,SentBytes\n");
            for (int i = 0; i < 4000; i++) csv.Append($"10/{1 + i % 28}/2026, 3:05:26 PM,Zscaler,Allowed,u{i % 7}@contoso.com,mega.nz,{i}\n");
            File.WriteAllText(path, csv.ToString());
            try
            {
                var ctx = new ReadContext { MaxDegreeOfParallelism = 2, ParallelMinimumBytes = 1024 };
                var fast = new EventAccumulator(new HuntOptions(new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc), 60));
                var summary = LogFileReader.Read(path, fast, ctx);
                Assert.Equal(FastPath.Allowed ? 2 : 1, summary.Threads);
                Assert.Same(FastPath.Allowed ? fast : null, FastPath.JudgingSink(fast, ctx));

                var general = new EventAccumulator(new HuntOptions(new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc), 60));
                var off = new ReadContext { MaxDegreeOfParallelism = 2, ParallelMinimumBytes = 1024, UseFastPaths = false };
                Assert.Equal(1, LogFileReader.Read(path, general, off).Threads);
                Assert.Null(FastPath.JudgingSink(general, off));
                Assert.Equal(general.DescribeFilters(), fast.DescribeFilters());
                Assert.Equal(string.Join("\n", general.Uploads.BuildProfiles().Select(p => $"{p.UserName} {p.TotalBytesSent} {p.ZIA_ActiveDays}")),
                    string.Join("\n", fast.Uploads.BuildProfiles().Select(p => $"{p.UserName} {p.TotalBytesSent} {p.ZIA_ActiveDays}")));
            }
            finally { File.Delete(path); }
        }

        /// <summary>The variable is read where the readers are loaded: a fresh copy of the core, loaded with it set to 0, has them all off.</summary>
        [Fact]
        public void AFreshLoadWithTheVariableAtZero_HasEveryFastPathOff()
        {
            _ = FastPath.Allowed; // this process decided first, whatever the variable is about to be
            string before = Environment.GetEnvironmentVariable(FastPath.SwitchVariable);
            var alc = new AssemblyLoadContext("fast-path-switch", isCollectible: true);
            try
            {
                Environment.SetEnvironmentVariable(FastPath.SwitchVariable, "0");
                var core = alc.LoadFromAssemblyPath(typeof(FastPath).Assembly.Location);
                var fastPath = core.GetType(typeof(FastPath).FullName, throwOnError: true);
                Assert.False((bool)fastPath.GetField(nameof(FastPath.Allowed), BindingFlags.Static | BindingFlags.NonPublic).GetValue(null));
                // The copy's selector then picks no scanner for a context that asks for them.
                var ctx = Activator.CreateInstance(core.GetType(typeof(ReadContext).FullName, throwOnError: true));
                var options = Activator.CreateInstance(core.GetType(typeof(HuntOptions).FullName, throwOnError: true), new object[] { null, 30, null, false, null });
                var sink = Activator.CreateInstance(core.GetType(typeof(EventAccumulator).FullName, throwOnError: true), options);
                var flags = BindingFlags.Static | BindingFlags.NonPublic;
                Assert.False((bool)fastPath.GetMethod(nameof(FastPath.ScansCef), flags).Invoke(null, new[] { ctx }));
                Assert.Null(fastPath.GetMethod(nameof(FastPath.JudgingSink), flags).Invoke(null, new[] { sink, ctx }));
                Assert.False((bool)fastPath.GetMethod(nameof(FastPath.CutsIntoRanges), flags).Invoke(null, new[] { ctx, (object)long.MaxValue }));
                Assert.False((bool)fastPath.GetMethod(nameof(FastPath.SplitsCsvByBlocks), flags).Invoke(null, new[] { ctx }));
            }
            finally
            {
                Environment.SetEnvironmentVariable(FastPath.SwitchVariable, before);
                alc.Unload();
            }
        }
    }
}
