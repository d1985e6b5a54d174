using System;
using System.Globalization;
using System.Threading;

namespace FakeLogAnalytics
{
    /// <summary>
    /// dotnet run -\-project tests/FakeLogAnalytics -\- -\-port 0 -\-data &lt;folder&gt; -\-token &lt;token&gt;
    ///   [-\-workspace &lt;id&gt;] [-\-database &lt;name&gt;] [-\-max-rows N] [-\-delay-ms N]
    /// Prints the base URL alone on the first line, then "workspace …", "database …", "identity-endpoint …",
    /// "identity-header …" lines, and serves until stdin closes (when -\-stdin is given), Ctrl+C or SIGTERM.
    /// </summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            int port = 0;
            string data = null, token = null, workspace = null, database = null;
            int? maxRows = null, delayMs = null;
            bool untilStdinCloses = false;
            for (int i = 0; i < args.Length; i++)
            {
                string Next()
                {
                    if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value.");
                    return args[++i];
                }
                switch (args[i])
                {
                    case "--port": port = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--data": data = Next(); break;
                    case "--token": token = Next(); break;
                    case "--workspace": workspace = Next(); break;
                    case "--database": database = Next(); break;
                    case "--max-rows": maxRows = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--delay-ms": delayMs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--stdin": untilStdinCloses = true; break;
                    case "-h":
                    case "--help":
                        Console.WriteLine("FakeLogAnalytics --port 0 --data <folder> --token <token> [--workspace <id>] [--database <name>] [--max-rows N] [--delay-ms N] [--stdin]");
                        return 0;
                    default:
                        Console.Error.WriteLine($"Unknown argument '{args[i]}'.");
                        return 2;
                }
            }
            if (string.IsNullOrEmpty(token))
            {
                Console.Error.WriteLine("--token is required.");
                return 2;
            }

            var store = data != null ? EventStore.Load(data) : new EventStore();
            foreach (var issue in store.Issues) Console.Error.WriteLine("warning: " + issue);
            using (var server = new FakeLogAnalyticsServer(store, token, port))
            {
                if (workspace != null) server.WorkspaceId = workspace;
                if (database != null) server.Database = database;
                if (maxRows.HasValue) server.MaxRows = maxRows.Value;
                if (delayMs.HasValue) server.ResponseDelay = TimeSpan.FromMilliseconds(delayMs.Value);
                Console.WriteLine(server.BaseUri.ToString());
                Console.WriteLine("workspace " + server.WorkspaceId);
                Console.WriteLine("database " + server.Database);
                Console.WriteLine("identity-endpoint " + server.IdentityEndpoint);
                Console.WriteLine("identity-header " + server.IdentityHeader);
                Console.WriteLine("dcr " + server.DcrImmutableId);
                Console.WriteLine("stream " + server.StreamName);
                Console.WriteLine($"events {store.CommonSecurityLog.Count} CommonSecurityLog, {store.OfficeActivity.Count} OfficeActivity");
                Console.Out.Flush();

                using (var done = new ManualResetEventSlim(false))
                {
                    void Stop() { try { done.Set(); } catch (ObjectDisposedException) { } }
                    Console.CancelKeyPress += (_, e) => { e.Cancel = true; Stop(); };
                    AppDomain.CurrentDomain.ProcessExit += (_, __) => Stop();
                    if (untilStdinCloses)
                        new Thread(() => { try { while (Console.In.ReadLine() != null) { } } catch (Exception) { } Stop(); }) { IsBackground = true }.Start();
                    done.Wait();
                }
            }
            return 0;
        }
    }
}
