using LowSlowExfil.Fuzz;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// The fuzz corpus (tests/Fuzz/corpus/&lt;target&gt;/) as a permanent regression suite: every file through its
    /// target (<see cref="FuzzTargets"/>, the code the fuzzer runs) on its own thread, within a time limit, within
    /// the allocation budget the target checks itself; and a small deterministic mutation fuzzer over the same
    /// seeds, so the parsers are hammered on every test run even where no fuzzer is installed. Fuzzing proper
    /// (tests/Fuzz/run.sh) is not part of the test run.
    /// </summary>
    public class FuzzCorpusTests
    {
        private static readonly TimeSpan PerInput = TimeSpan.FromSeconds(20);

        public static string CorpusRoot => Path.Combine(TestPaths.RepoRoot, "tests", "Fuzz", "corpus");

        public static IEnumerable<object[]> CorpusFiles() =>
            FuzzTargets.Names.SelectMany(t => Files(Path.Combine(CorpusRoot, t)).Select(f => new object[] { t, Path.GetFileName(f) }));

        internal static IEnumerable<string> Files(string dir) =>
            Directory.Exists(dir) ? Directory.GetFiles(dir).Where(f => !Path.GetFileName(f).StartsWith(".", StringComparison.Ordinal)).OrderBy(f => f, StringComparer.Ordinal) : Enumerable.Empty<string>();

        [Theory]
        [MemberData(nameof(CorpusFiles))]
        public void CorpusInput_OnlyEverYieldsReadIssues(string target, string file)
        {
            RunBounded(target, File.ReadAllBytes(Path.Combine(CorpusRoot, target, file)), $"{target}/{file}");
        }

        [Fact]
        public void EveryTarget_HasSeeds_AndTheCorpusStaysSmall()
        {
            foreach (string t in FuzzTargets.Names)
            {
                var files = Files(Path.Combine(CorpusRoot, t)).ToList();
                Assert.True(files.Count >= 3, $"corpus/{t} has {files.Count} seeds");
                Assert.All(files, f => Assert.True(new FileInfo(f).Length <= 16 * 1024, $"{f} is over 16 KB: minimize it"));
            }
            long total = FuzzTargets.Names.SelectMany(t => Files(Path.Combine(CorpusRoot, t))).Sum(f => new FileInfo(f).Length);
            Assert.True(total <= 1024 * 1024, $"the corpus holds {total:N0} bytes; keep it under 1 MB (run.sh <target> --minimize)");
        }

        [Fact]
        public void TheAllocationBudget_CatchesAnInputThatAllocatesWithoutBound()
        {
            // The check the targets rely on: bytes allocated on the calling thread, against a budget linear in the input.
            long before = GC.GetAllocatedBytesForCurrentThread();
            var waste = new byte[FuzzTargets.AllocationLimit(10)];
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            GC.KeepAlive(waste);
            Assert.True(allocated > FuzzTargets.AllocationLimit(10));
            Assert.Throws<ArgumentException>(() => FuzzTargets.Get("nope"));
        }

        /// <summary>
        /// A deterministic mutation fuzzer (bounded: a fixed number of mutants per target, fixed seeds): bit flips,
        /// byte changes, insertions and deletions of runs, splices of two seeds, interesting bytes and tokens, cuts.
        /// </summary>
        [Theory]
        [InlineData("csv", 150)]
        [InlineData("cef", 150)]
        [InlineData("json", 150)]
        [InlineData("gzip", 150)]
        [InlineData("proxycsv", 100)]
        [InlineData("response", 300)]
        public void Mutants_OfTheCorpus_OnlyEverYieldReadIssues(string target, int mutants)
        {
            var seeds = Files(Path.Combine(CorpusRoot, target)).Select(File.ReadAllBytes).ToList();
            var random = new Random(20261101 + target.Sum(c => c)); // fixed: the same mutants on every run
            for (int i = 0; i < mutants; i++)
            {
                byte[] input = Mutate(seeds[random.Next(seeds.Count)], seeds[random.Next(seeds.Count)], random);
                RunBounded(target, input, $"{target} mutant {i} (0x{Convert.ToHexString(input.Take(64).ToArray())}…)");
            }
        }

        private static readonly byte[][] Tokens =
        {
            "\"".Select(c => (byte)c).ToArray(), new[] { (byte)'\r', (byte)'\n' }, new[] { (byte)',' }, new[] { (byte)'\\' }, new[] { (byte)'|' },
            new[] { (byte)'=' }, new[] { (byte)'{' }, new[] { (byte)'}' }, new[] { (byte)'[' }, new[] { (byte)']' }, new byte[] { 0xEF, 0xBB, 0xBF },
            new byte[] { 0xE8 }, new byte[] { 0xFF, 0xFE }, new byte[] { 0 }, new byte[] { 0x1F, 0x8B, 8, 0 },
            System.Text.Encoding.ASCII.GetBytes("9223372036854775807"), System.Text.Encoding.ASCII.GetBytes("1e400"),
            System.Text.Encoding.ASCII.GetBytes("NaN"), System.Text.Encoding.ASCII.GetBytes("12/31/9999, 11:59:59.999 PM"),
            System.Text.Encoding.ASCII.GetBytes("0001-01-01T00:00:00"), System.Text.Encoding.ASCII.GetBytes("Dec 31 9999 23:59:59"),
            System.Text.Encoding.ASCII.GetBytes(" rt="), System.Text.Encoding.ASCII.GetBytes("CEF:0|"), System.Text.Encoding.ASCII.GetBytes("[UTC+14:00]"),
        };

        private const string Structural = "\"\n\r,\\|={}[]: \t0-9.";

        internal static byte[] Mutate(byte[] a, byte[] b, Random r)
        {
            var data = new List<byte>(a);
            int rounds = 1 + r.Next(6);
            for (int k = 0; k < rounds; k++)
            {
                int at = data.Count == 0 ? 0 : r.Next(data.Count);
                switch (r.Next(9))
                {
                    case 0: if (data.Count > 0) data[at] ^= (byte)(1 << r.Next(8)); break;
                    case 1: if (data.Count > 0) data[at] = (byte)r.Next(256); break;
                    case 2: data.InsertRange(at, Tokens[r.Next(Tokens.Length)]); break;
                    case 3: if (data.Count > 0) data.RemoveRange(at, Math.Min(data.Count - at, 1 + r.Next(32))); break;
                    case 4: // duplicate a run
                        if (data.Count > 0)
                        {
                            int len = Math.Min(data.Count - at, 1 + r.Next(64));
                            data.InsertRange(r.Next(data.Count), data.GetRange(at, len));
                        }
                        break;
                    case 5: // splice another seed in
                        if (b.Length > 0)
                        {
                            int from = r.Next(b.Length);
                            data.InsertRange(at, b.Skip(from).Take(1 + r.Next(256)));
                        }
                        break;
                    case 6: if (data.Count > 1) data.RemoveRange(at, data.Count - at); break;   // cut
                    case 7: if (data.Count > 0) data[at] = (byte)Structural[r.Next(Structural.Length)]; break;
                    default: // repeat a byte many times (long lines, deep nesting)
                        data.InsertRange(at, Enumerable.Repeat(Tokens[r.Next(Tokens.Length)][0], 1 + r.Next(5000)));
                        break;
                }
            }
            return data.ToArray();
        }

        /// <summary>Runs one input through its target on a thread of its own: a hang fails the test, not the run.</summary>
        internal static void RunBounded(string target, byte[] input, string what)
        {
            Exception error = null;
            var thread = new Thread(() =>
            {
                try { FuzzTargets.Run(target, input); }
                catch (Exception e) { error = e; }
            }, 16 * 1024 * 1024) { IsBackground = true, Name = "fuzz " + what };
            thread.Start();
            if (!thread.Join(PerInput)) Assert.Fail($"{what}: still running after {PerInput.TotalSeconds} s (a hang)");
            if (error != null) Assert.Fail($"{what}: {error}");
        }
    }
}
