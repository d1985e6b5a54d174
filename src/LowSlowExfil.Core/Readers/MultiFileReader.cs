using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LowSlowExfil.Aggregation;

namespace LowSlowExfil.Readers
{
    /// <summary>What the host is told about one file of a multi-file read, on its own thread and in file order.</summary>
    public sealed class FileReadResult
    {
        internal FileReadResult(int index, FileReadSummary summary)
        {
            Index = index;
            Summary = summary;
        }

        /// <summary>The file's position in the list given.</summary>
        public int Index { get; }
        public FileReadSummary Summary { get; }
    }

    /// <summary>
    /// Reads several files on every core, each into its own accumulator, merged into the target as it finishes
    /// (sums, counts, minima and maxima, so the order does not matter). Raw feeds (NSS CEF and JSON) are the
    /// exception: replay detection spans files (a reconnect resends the end of one file at the start of the next),
    /// so they are read one after another, in the order given, on one worker, while the other files share the
    /// rest. The calling thread alone reports: each file's issues and summary in file order, as soon as the files
    /// before it are done, and progress across all files. Results equal reading the files one by one; with one
    /// worker (or one file) they are read so, and issues reach the host as they are found.
    /// </summary>
    public static class MultiFileReader
    {
        /// <param name="files">Paths, in the order their issues and summaries are reported.</param>
        /// <param name="target">Receives every file's events.</param>
        /// <param name="ctx">
        /// Cancellation, time zone, replay filter and parallelism for the whole read. Its OnIssue and OnProgress are
        /// called on the calling thread only: issues in file order, progress as the bytes read of all files together
        /// (with no file name) when files are read in parallel.
        /// </param>
        /// <param name="onFileRead">Called on the calling thread for each file, in file order, after its issues.</param>
        public static void Read(IReadOnlyList<string> files, EventAccumulator target, ReadContext ctx, Action<FileReadResult> onFileRead)
        {
            if (files == null) throw new ArgumentNullException(nameof(files));
            if (target == null) throw new ArgumentNullException(nameof(target));
            ctx = ctx ?? new ReadContext();
            int workers = Math.Max(1, Math.Min(ctx.MaxDegreeOfParallelism, files.Count));
            if (workers == 1)
            {
                ReadInOrder(files, target, ctx, onFileRead);
                return;
            }

            var jobs = new FileJob[files.Count];
            long totalBytes = 0;
            for (int i = 0; i < files.Count; i++)
            {
                jobs[i] = new FileJob(i, files[i], Length(files[i]));
                totalBytes += jobs[i].Length;
            }
            // Raw feeds in file order as one unit of work, started first (it cannot be shared out); then the
            // other files, largest first, so the last to finish is a short one.
            var ordered = jobs.Where(j => IsRawFeed(j.Path)).ToArray();
            var units = new List<FileJob[]>();
            if (ordered.Length > 0) units.Add(ordered);
            units.AddRange(jobs.Except(ordered).OrderByDescending(j => j.Length).Select(j => new[] { j }));

            var done = new BlockingQueue();
            int next = -1;
            var tasks = Enumerable.Range(0, Math.Min(workers, units.Count)).Select(_ => Task.Run(() =>
            {
                for (int u; (u = Interlocked.Increment(ref next)) < units.Count && !ctx.Cancellation.IsCancellationRequested;)
                    foreach (var job in units[u])
                    {
                        if (ctx.Cancellation.IsCancellationRequested) break;
                        job.Run(target.Options, ctx, sharedReplays: units[u] == ordered);
                        done.Add(job);
                    }
            })).ToArray();

            // Merge each file as it finishes; report files in order as soon as those before them are reported.
            int reported = 0, merged = 0;
            while (merged < jobs.Length || reported < jobs.Length)
            {
                var job = done.Take(TimeSpan.FromMilliseconds(250));
                if (job != null)
                {
                    target.Merge(job.Acc);
                    job.Acc = null;
                    merged++;
                }
                else if (tasks.All(t => t.IsCompleted) && done.Count == 0)
                    break; // a worker failed or the read was cancelled: nothing more will come
                while (reported < jobs.Length && jobs[reported].Finished)
                {
                    foreach (var issue in jobs[reported].Issues) ctx.Report(issue);
                    jobs[reported].Issues = null;
                    onFileRead?.Invoke(new FileReadResult(reported, jobs[reported].Summary));
                    reported++;
                }
                ctx.OnProgress?.Invoke(new ReadProgress(null, Math.Min(totalBytes, jobs.Sum(j => j.BytesRead)), totalBytes));
            }
            try
            {
                Task.WaitAll(tasks);
            }
            catch (AggregateException e)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.Flatten().InnerExceptions.First()).Throw();
            }
            ctx.Cancellation.ThrowIfCancellationRequested();
        }

        /// <summary>One file after another on the calling thread: issues and progress go straight to the host.</summary>
        private static void ReadInOrder(IReadOnlyList<string> files, EventAccumulator target, ReadContext ctx, Action<FileReadResult> onFileRead)
        {
            for (int i = 0; i < files.Count; i++)
                onFileRead?.Invoke(new FileReadResult(i, LogFileReader.Read(files[i], target, ctx)));
        }

        private static long Length(string path)
        {
            try
            {
                return new FileInfo(path).Length;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
            {
                return 0; // the read itself reports why the file cannot be read
            }
        }

        /// <summary>True for a file whose reading uses the shared replay filter (NSS CEF or JSON, plain or gzip).</summary>
        internal static bool IsRawFeed(string path)
        {
            try
            {
                using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096))
                    return LogFileReader.UsesReplayFilter(file);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is InvalidDataException || e is ArgumentException || e is NotSupportedException)
            {
                return false; // unreadable: its read fails alone and reports why
            }
        }

        private sealed class FileJob
        {
            public readonly int Index;
            public readonly string Path;
            public readonly long Length;
            public EventAccumulator Acc;
            public FileReadSummary Summary;
            public List<ReadIssue> Issues = new List<ReadIssue>();
            private long _bytesRead;
            private volatile bool _finished;

            public FileJob(int index, string path, long length)
            {
                Index = index;
                Path = path;
                Length = length;
            }

            public bool Finished => _finished;
            public long BytesRead => Interlocked.Read(ref _bytesRead);

            public void Run(Rule.HuntOptions options, ReadContext shared, bool sharedReplays)
            {
                Acc = new EventAccumulator(options);
                // A file that is not a raw feed never consults the replay filter; it gets one of its own all the same,
                // so that the shared one is only ever touched by the worker reading the feeds in order.
                var ctx = shared.ForOneFile(Issues.Add, p => Interlocked.Exchange(ref _bytesRead, p.BytesRead),
                    sharedReplays ? shared.Replays : new ReplayFilter());
                Summary = LogFileReader.Read(Path, Acc, ctx);
                Interlocked.Exchange(ref _bytesRead, Length);
                _finished = true;
            }
        }

        /// <summary>Finished files, handed from the workers to the calling thread.</summary>
        private sealed class BlockingQueue
        {
            private readonly Queue<FileJob> _items = new Queue<FileJob>();

            public int Count
            {
                get { lock (_items) return _items.Count; }
            }

            public void Add(FileJob job)
            {
                lock (_items)
                {
                    _items.Enqueue(job);
                    Monitor.Pulse(_items);
                }
            }

            /// <summary>The next finished file, or null when none came within <paramref name="wait"/>.</summary>
            public FileJob Take(TimeSpan wait)
            {
                lock (_items)
                {
                    if (_items.Count == 0) Monitor.Wait(_items, wait);
                    return _items.Count > 0 ? _items.Dequeue() : null;
                }
            }
        }
    }
}
