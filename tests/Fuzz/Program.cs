using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using SharpFuzz;

namespace LowSlowExfil.Fuzz
{
    /// <summary>
    /// The fuzz harness. run.sh builds it, instruments LowSlowExfil.Core.dll and LowSlowExfil.Engine.dll with sharpfuzz
    /// and starts the fuzzer on it:
    /// <code>
    ///   LowSlowExfil.Fuzz &lt;target&gt;                      under afl-fuzz (SharpFuzz's out-of-process fork server: survives hangs)
    ///   LowSlowExfil.Fuzz &lt;target&gt; --libfuzzer          under libFuzzer, started by libfuzzer-driver
    ///   LowSlowExfil.Fuzz &lt;target&gt; --replay PATH…       runs files or folders of inputs; exit 1 on any finding
    ///   LowSlowExfil.Fuzz --seed CORPUS                 writes the seeds generated from the sample tenant writers
    /// </code>
    /// Targets: csv, cef, json, gzip, proxycsv, response (see <see cref="FuzzTargets"/>).
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            bool underFuzzer = args.Length == 1 || (args.Length == 2 && args[1] == "--libfuzzer");
            // Outside a fuzzer the instrumented assemblies still record coverage: give them somewhere to write it.
            if (!underFuzzer) GiveCoverageAPlace();
            if (args.Length >= 2 && args[0] == "--seed")
            {
                Seeds.Write(args[1]);
                return 0;
            }
            if (args.Length < 1 || !FuzzTargets.Names.Contains(args[0]))
            {
                Console.Error.WriteLine($"usage: LowSlowExfil.Fuzz <{string.Join("|", FuzzTargets.Names)}> [--libfuzzer | --replay PATH...]");
                Console.Error.WriteLine("       LowSlowExfil.Fuzz --seed CORPUS-FOLDER");
                return 2;
            }
            string target = args[0];
            if (args.Length >= 2 && args[1] == "--replay") return Replay(target, args.Skip(2));
            if (args.Length >= 2 && args[1] == "--libfuzzer")
            {
                Fuzzer.LibFuzzer.Run(span => FuzzTargets.Run(target, span.ToArray()));
                return 0;
            }
            Fuzzer.OutOfProcess.Run(stream =>
            {
                using var ms = new MemoryStream();
                stream.CopyTo(ms);
                FuzzTargets.Run(target, ms.ToArray());
            });
            return 0;
        }

        private static unsafe void GiveCoverageAPlace()
        {
            if (SharpFuzz.Common.Trace.SharedMem == null)
                SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.Marshal.AllocHGlobal(1 << 16);
        }

        /// <summary>Runs every input file once; prints each finding with its exception and the time each input took.</summary>
        private static int Replay(string target, IEnumerable<string> paths)
        {
            var files = paths.SelectMany(p => Directory.Exists(p) ? (IEnumerable<string>)Directory.GetFiles(p, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal) : new[] { p })
                .Where(f => !Path.GetFileName(f).StartsWith(".", StringComparison.Ordinal) && !f.EndsWith("README.txt", StringComparison.Ordinal)).ToList();
            int findings = 0;
            foreach (string f in files)
            {
                var data = File.ReadAllBytes(f);
                var sw = Stopwatch.StartNew();
                try
                {
                    FuzzTargets.Run(target, data);
                    Console.WriteLine($"ok      {sw.Elapsed.TotalMilliseconds,8:0.0} ms  {data.Length,8} B  {f}");
                }
                catch (Exception e)
                {
                    findings++;
                    Console.WriteLine($"FINDING {sw.Elapsed.TotalMilliseconds,8:0.0} ms  {data.Length,8} B  {f}");
                    Console.WriteLine("  " + e.ToString().Replace("\n", "\n  "));
                }
            }
            Console.WriteLine($"{files.Count} input(s), {findings} finding(s)");
            return findings == 0 ? 0 : 1;
        }
    }
}
