using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using LowSlowExfil.SampleData;

namespace LowSlowExfil.Benchmark
{
    /// <summary>
    /// The benchmark's own programs, run by tests/Benchmark/Invoke-Benchmark.ps1 one process each so every contender's
    /// peak memory is its own:
    ///   generate &lt;folder&gt; &lt;rows&gt; [users] [tenant|portal] [formats]  a tenant of about that many ZIA rows, in the
    ///                                 sample's shape or the Log Analytics portal's (PortalShape), as the formats asked
    ///   duckdb &lt;file&gt; &lt;endTime&gt; [calls] [format]  the same hunt in DuckDB (read_csv/read_json + SQL of the rule's intent
    ///                                 mode), first and warm calls; format csv (default), cloudnss, purview or mgmtapi
    ///   head &lt;csv&gt; &lt;target&gt; &lt;records&gt;  the header and the first records (a slice for plain PowerShell)
    ///   scan &lt;file&gt;                  the floor: read every byte and count line breaks
    ///   split &lt;csv&gt; &lt;folder&gt; &lt;parts&gt;  the CSV as gzip parts with the header each (a multi-file tenant)
    ///   core &lt;file or folder&gt; &lt;endTime&gt; [threads] [repeats]  the module's core alone, without PowerShell (for profiling)
    /// Each prints one line of JSON: seconds, peak working set and what it found.
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            var sw = Stopwatch.StartNew();
            switch (args.Length > 0 ? args[0] : "")
            {
                case "generate":
                {
                    // generate <folder> <rows> [users] [tenant|portal] [formats]: formats a comma list of csv, cef, cloudnss,
                    // purview, mgmtapi (csv,cef when not given).
                    string folder = args[1];
                    long rows = long.Parse(args[2], CultureInfo.InvariantCulture);
                    bool portal = args.Length > 4 && args[4] == "portal";
                    var formats = (args.Length > 5 ? args[5] : "csv,cef").Split(',');
                    // With a user count, rows grow by browsing per user (about 26.5 rows per unit of daily rate over
                    // the 35 days, weekends light, plus about 11 uploads), so memory can be shown to follow users × days,
                    // not rows. Without, the sample tenant's 10 a day (about 276 rows a user) and users grow with rows.
                    // The portal's export has whole seconds (".000").
                    var options = new SampleTenantOptions { BackgroundUsers = (int)Math.Max(200, rows / 276), WholeSecondTimestamps = portal };
                    if (args.Length > 3)
                    {
                        options.BackgroundUsers = int.Parse(args[3], CultureInfo.InvariantCulture);
                        options.BrowsingEventsPerUserPerDay = Math.Max(1, ((double)rows / options.BackgroundUsers - 11) / 26.5);
                    }
                    var tenant = SampleTenant.Generate(options);
                    Directory.CreateDirectory(folder);
                    var result = new System.Collections.Generic.List<(string, object)>
                    {
                        ("rows", tenant.ProxyEvents().LongCount()),
                        ("cefRows", tenant.ProxyEvents().LongCount(e => string.Equals(e.DeviceVendor, "Zscaler", StringComparison.OrdinalIgnoreCase))),
                        ("sharingRows", tenant.SharingEvents().LongCount()),
                        ("users", options.BackgroundUsers),
                    };
                    void Written(string key, string path) => result.Add((key, new FileInfo(path).Length));
                    foreach (string format in formats)
                    {
                        switch (format)
                        {
                            case "csv":
                                string csv = Path.Combine(folder, "CommonSecurityLog.csv");
                                if (portal)
                                {
                                    SampleExportWriter.WriteCommonSecurityLogCsv(tenant.ProxyEvents(), csv + ".tmp");
                                    PortalShape.Rewrite(csv + ".tmp", csv);
                                    File.Delete(csv + ".tmp");
                                }
                                else SampleExportWriter.WriteCommonSecurityLogCsv(tenant.ProxyEvents(), csv);
                                Written("csvBytes", csv);
                                break;
                            case "cef":
                                string cef = Path.Combine(folder, "nss-web.cef");
                                SampleRawFeedWriter.WriteNssCef(tenant.ProxyEvents(), cef, withPri: true);
                                Written("cefBytes", cef);
                                break;
                            case "cloudnss":
                                string cloud = Path.Combine(folder, "cloud-nss.json");
                                SampleRawFeedWriter.WriteCloudNssJson(tenant.ProxyEvents(), cloud);
                                Written("cloudNssBytes", cloud);
                                break;
                            case "purview":
                                string purview = Path.Combine(folder, "purview-audit.csv");
                                SampleRawFeedWriter.WritePurviewCsv(tenant.SharingEvents(), purview, newLayout: true);
                                Written("purviewBytes", purview);
                                break;
                            case "mgmtapi":
                                string api = Path.Combine(folder, "management-api.json");
                                SampleRawFeedWriter.WriteManagementApiJson(tenant.SharingEvents(), api, jsonLines: false);
                                Written("mgmtApiBytes", api);
                                break;
                            default:
                                Console.Error.WriteLine($"unknown format {format}: csv, cef, cloudnss, purview or mgmtapi");
                                return 2;
                        }
                    }
                    Json(sw, result.ToArray());
                    return 0;
                }
                case "duckdb":
                {
                    // duckdb <file or folder> <endTime> [calls] [format]: the first call and the later (warm) ones timed apart, as for
                    // the module. A folder is its gzip parts (the split command's), read by DuckDB as one glob.
                    int calls = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1;
                    string format = args.Length > 4 ? args[4] : "csv";
                    var times = new System.Collections.Generic.List<double>();
                    System.Collections.Generic.List<string> flagged = null;
                    for (int call = 0; call < calls; call++)
                    {
                        var one = Stopwatch.StartNew();
                        flagged = DuckDbHunt.Run(Directory.Exists(args[1]) ? Path.Combine(args[1], "*.csv.gz") : args[1], DateTime.Parse(args[2], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal), 30, format);
                        times.Add(one.Elapsed.TotalSeconds);
                    }
                    var warm = times.Skip(1).OrderBy(t => t).ToList();
                    if (DuckDbHunt.IsSharing(format))
                    {
                        // The O365 leg flags no one alone: its per-user rows, as a hash, are what the module must match.
                        Json(sw, ("firstSeconds", times[0]), ("warmSeconds", warm.Count > 0 ? warm[(warm.Count - 1) / 2] : times[0]),
                            ("sharingUsers", flagged.Count), ("sharingDigest", DuckDbHunt.Digest(flagged)));
                        return 0;
                    }
                    Json(sw, ("firstSeconds", times[0]), ("warmSeconds", warm.Count > 0 ? warm[(warm.Count - 1) / 2] : times[0]),
                        ("flagged", string.Join(";", flagged.Select(r => r.Split(',')[0]))));
                    return 0;
                }
                case "core":
                {
                    // The module's core without PowerShell: core <file or folder> <endTime> [threads] [repeats]
                    // Each pass's time goes to stderr, with the compilation time so far (later passes are warm: code compiled, file cached).
                    int repeats = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 1;
                    for (int pass = 1; ; pass++)
                    {
                        var passTime = Stopwatch.StartNew();
                        var acc = new LowSlowExfil.Aggregation.EventAccumulator(new LowSlowExfil.Rule.HuntOptions(
                            DateTime.Parse(args[2], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal), 30));
                        var ctx = new LowSlowExfil.Readers.ReadContext { MaxDegreeOfParallelism = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : Environment.ProcessorCount };
                        // A folder: all its files through MultiFileReader (across files on every thread).
                        long records = 0;
                        if (Directory.Exists(args[1]))
                            LowSlowExfil.Readers.MultiFileReader.Read(Directory.GetFiles(args[1]).OrderBy(f => f, StringComparer.Ordinal).ToArray(), acc, ctx, r => records += r.Summary.Records);
                        else records = LowSlowExfil.Readers.LogFileReader.Read(args[1], acc, ctx).Records;
                        double readSeconds = passTime.Elapsed.TotalSeconds;
                        // The work after the read, as Find-LowSlowExfil does it, step by step.
                        var step = Stopwatch.StartNew();
                        var uploads = acc.Uploads.BuildProfiles();
                        var sharing = acc.Sharing.BuildProfiles();
                        double profileSeconds = step.Elapsed.TotalSeconds;
                        step.Restart();
                        LowSlowExfil.Rule.UserNameVariants.Find(uploads.Select(p => p.UserName).Concat(sharing.Select(p => p.UserName)));
                        double variantSeconds = step.Elapsed.TotalSeconds;
                        step.Restart();
                        var scored = LowSlowExfil.Scoring.CandidateScorer.Score(uploads, sharing, new LowSlowExfil.Scoring.ScoringOptions());
                        double scoreSeconds = step.Elapsed.TotalSeconds;
                        int users = uploads.Count;
                        Console.Error.WriteLine($"pass {pass}: {passTime.Elapsed.TotalSeconds:F3} s (read {readSeconds:F3} s, profiles {profileSeconds:F3} s, look-alike names {variantSeconds:F3} s, scoring {scoreSeconds:F3} s), {GC.GetTotalAllocatedBytes() / 1048576.0:F0} MB allocated so far, {GC.CollectionCount(0)} gen0 GCs, JIT {System.Runtime.JitInfo.GetCompilationTime().TotalSeconds:F3} s for {System.Runtime.JitInfo.GetCompiledMethodCount()} methods");
                        if (pass >= repeats)
                        {
                            // The O365 leg per user as DuckDbHunt.SharingSql gives it, hashed alike.
                            var legs = sharing.Select(p => $"{p.UserName},{p.O365_EventCount},{p.O365_AnonLinks}").ToList();
                            Json(sw, ("records", records), ("users", users), ("sharingUsers", legs.Count), ("sharingDigest", DuckDbHunt.Digest(legs)));
                            return 0;
                        }
                    }
                }
                case "split":
                {
                    // split <csv> <folder> <parts>: the CSV as gzip parts, each with the header, cut at record ends.
                    int parts = int.Parse(args[3], CultureInfo.InvariantCulture);
                    Directory.CreateDirectory(args[2]);
                    long length = new FileInfo(args[1]).Length, written = 0;
                    using (var input = new FileStream(args[1], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan))
                    {
                        var header = new MemoryStream();
                        int b;
                        while ((b = input.ReadByte()) >= 0) { header.WriteByte((byte)b); if (b == '\n') break; }
                        var buf = new byte[1 << 20];
                        bool inQuotes = false;
                        for (int part = 0; part < parts; part++)
                        {
                            long stopAt = length * (part + 1) / parts;
                            string path = Path.Combine(args[2], $"part{part:00}.csv.gz");
                            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                            using (var gz = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
                            {
                                header.Position = 0;
                                header.CopyTo(gz);
                                int n;
                                while ((n = input.Read(buf, 0, buf.Length)) > 0)
                                {
                                    int cut = n;
                                    for (int i = 0; i < n; i++)
                                    {
                                        if (buf[i] == '"') inQuotes = !inQuotes;
                                        // The part ends at the first record end at or past its share of the file.
                                        if (buf[i] == '\n' && !inQuotes && input.Position - n + i + 1 >= stopAt) { cut = i + 1; break; }
                                    }
                                    gz.Write(buf, 0, cut);
                                    if (cut < n) { input.Position -= n - cut; break; }
                                }
                            }
                            written += new FileInfo(path).Length;
                        }
                    }
                    Json(sw, ("gzipBytes", written));
                    return 0;
                }
                case "head":
                {
                    // head <csv> <target> <records>: the header and the first records, whole (quoted cells may span lines).
                    long want = long.Parse(args[3], CultureInfo.InvariantCulture), records = -1;
                    using (var input = new FileStream(args[1], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
                    using (var output = new FileStream(args[2], FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                    {
                        bool inQuotes = false;
                        int b;
                        while (records < want && (b = input.ReadByte()) >= 0)
                        {
                            output.WriteByte((byte)b);
                            if (b == '"') inQuotes = !inQuotes;
                            else if (b == '\n' && !inQuotes) records++;
                        }
                    }
                    Json(sw, ("records", records));
                    return 0;
                }
                case "scan":
                {
                    long lines = 0;
                    var buf = new byte[1 << 20];
                    using (var f = new FileStream(args[1], FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
                    {
                        int n;
                        while ((n = f.Read(buf, 0, buf.Length)) > 0)
                        {
                            var span = new ReadOnlySpan<byte>(buf, 0, n);
                            int i;
                            while ((i = span.IndexOf((byte)'\n')) >= 0)
                            {
                                lines++;
                                span = span.Slice(i + 1);
                            }
                        }
                    }
                    Json(sw, ("lines", lines));
                    return 0;
                }
                case "sql":
                {
                    // A diagnostic: run any SQL in DuckDB (e.g. to look at how it reads a file).
                    using (var c = new DuckDB.NET.Data.DuckDBConnection("DataSource=:memory:"))
                    {
                        c.Open();
                        using (var q = c.CreateCommand())
                        {
                            q.CommandText = args[1];
                            using (var r = q.ExecuteReader())
                                while (r.Read()) Console.WriteLine(string.Join(" | ", Enumerable.Range(0, r.FieldCount).Select(i => r.GetValue(i))));
                        }
                    }
                    return 0;
                }
            }
            Console.Error.WriteLine("usage: generate <folder> <rows> [users] [tenant|portal] [csv,cef,cloudnss,purview,mgmtapi] | duckdb <file> <endTime> [calls] [csv|cloudnss|purview|mgmtapi] | head <csv> <target> <records> | scan <file> | split <csv> <folder> <parts> | core <file or folder> <endTime> [threads] [repeats] | sql <query>");
            return 2;
        }

        private static void Json(Stopwatch sw, params (string Key, object Value)[] fields)
        {
            var parts = new[] { ("seconds", (object)sw.Elapsed.TotalSeconds), ("peakMB", PeakMB()) }.Concat(fields)
                .Select(f => "\"" + f.Item1 + "\":" + (f.Item2 is string s ? "\"" + s.Replace("\"", "\\\"") + "\"" : Convert.ToString(f.Item2, CultureInfo.InvariantCulture)));
            Console.WriteLine("{" + string.Join(",", parts) + "}");
        }

        /// <summary>Peak resident memory of this process (VmHWM), the same measure build.ps1 reads for pwsh.</summary>
        public static double PeakMB()
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return double.Parse(line.Substring(6).Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            return Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
        }
    }
}
