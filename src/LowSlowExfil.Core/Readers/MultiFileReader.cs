using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LowSlowExfil.Aggregation;

namespace LowSlowExfil.Readers
{

    /// <summary>
    /// Reads several files on every core, each into its own accumulator, merged into the target as it finishes
    /// (sums, counts, minima and maxima, so the order does not matter). Large plain CommonSecurityLog exports come
    /// first, one at a time, each cut into ranges read on every core; then the other files, each on one thread, side
    /// by side. Raw feeds (NSS CEF and JSON) are read one after another, in the order given, on one worker, because
    /// replay detection spans files (a reconnect resends the end of one file at the start of the next). So never
    /// more than <see cref="ReadContext.MaxDegreeOfParallelism"/> threads read. The calling thread alone reports:
    /// issues in file order (those of the next file to report as they are found), each file's summary when it and
    /// the files before it are done, and progress across all files. Results equal reading the files one by one;
    /// with one worker (or one file) they are read so, and issues reach the host as they are found.
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
        public static void Read(IReadOnlyList<string> files, EventAccumulator target, ReadContext? ctx, Action<FileReadResult>? onFileRead)
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
                jobs[i] = new FileJob(files[i], ctx);
                totalBytes += jobs[i].Length;
            }
            var ranged = jobs.Where(j => j.Shape == LogFileReader.ReadShape.Ranges).ToArray();
            var feeds = jobs.Where(j => j.Shape == LogFileReader.ReadShape.RawFeed).ToArray();
            // The feeds as one unit of work, started first (it cannot be shared out); then the other files, largest
            // first, so the last to finish is a short one.
            var units = new List<FileJob[]>();
            if (feeds.Length > 0) units.Add(feeds);
            units.AddRange(jobs.Where(j => j.Shape == LogFileReader.ReadShape.Single).OrderByDescending(j => j.Length).Select(j => new[] { j }));

            using (var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.Cancellation))
            {
                var done = new BlockingQueue();
                // Dedicated threads: a range read waits on pool threads, which these must not hold.
                var reading = Task.Factory.StartNew(() => ReadAll(ranged, units, workers, target.Options, ctx, stop, done),
                    CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                bool finished = false;
                try
                {
                    Report(jobs, target, ctx, onFileRead, done, reading, totalBytes);
                    finished = true;
                }
                finally
                {
                    if (!finished)
                    {
                        // The host stopped the read (an issue it was told of threw, for one): stop the workers too.
                        stop.Cancel();
                        try { reading.Wait(); } catch (AggregateException) { }
                    }
                }
                try
                {
                    reading.Wait();
                }
                catch (AggregateException e)
                {
                    // A worker's failure rather than the others' stopping because of it.
                    var all = e.Flatten().InnerExceptions;
                    var first = all.FirstOrDefault(x => !(x is OperationCanceledException)) ?? all.First();
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
                }
            }
            ctx.Cancellation.ThrowIfCancellationRequested();
        }

        /// <summary>The workers: large exports one at a time on every core, then the rest side by side, one thread each.</summary>
        private static void ReadAll(FileJob[] ranged, List<FileJob[]> units, int workers, Rule.HuntOptions options, ReadContext ctx,
            CancellationTokenSource stop, BlockingQueue done)
        {
            try
            {
                foreach (var job in ranged)
                {
                    if (stop.IsCancellationRequested) return;
                    job.Run(options, ctx, stop.Token, ctx.Replays, threads: ctx.MaxDegreeOfParallelism); // as if it were alone
                    done.Add(job);
                }
                int next = -1;
                var tasks = Enumerable.Range(0, Math.Min(workers, units.Count)).Select(_ => Task.Factory.StartNew(() =>
                {
                    try
                    {
                        for (int u; (u = Interlocked.Increment(ref next)) < units.Count && !stop.IsCancellationRequested;)
                            foreach (var job in units[u])
                            {
                                if (stop.IsCancellationRequested) break;
                                // Only the feeds' worker uses the shared replay filter; a file that is not a feed never
                                // consults it, but gets one of its own all the same.
                                job.Run(options, ctx, stop.Token, job.Shape == LogFileReader.ReadShape.RawFeed ? ctx.Replays : new ReplayFilter(), threads: 1);
                                done.Add(job);
                            }
                    }
                    catch
                    {
                        stop.Cancel(); // one worker's failure ends the read: the others stop at their next record
                        throw;
                    }
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
                Task.WaitAll(tasks);
            }
            catch
            {
                stop.Cancel();
                throw;
            }
        }

        /// <summary>On the calling thread: merges each file as it finishes, reports issues, summaries and progress in file order.</summary>
        private static void Report(FileJob[] jobs, EventAccumulator target, ReadContext ctx, Action<FileReadResult>? onFileRead,
            BlockingQueue done, Task reading, long totalBytes)
        {
            int reported = 0, merged = 0;
            while (merged < jobs.Length || reported < jobs.Length)
            {
                var job = done.Take(TimeSpan.FromMilliseconds(250));
                if (job != null)
                {
                    target.Merge(job.Acc!); // queued as done only once Run has set it
                    job.Acc = null;
                    merged++;
                }
                else if (reading.IsCompleted && done.Count == 0)
                    break; // a worker failed or the read was cancelled: nothing more will come
                while (reported < jobs.Length)
                {
                    var next = jobs[reported];
                    bool finished = next.Finished; // read before draining: every issue of a finished file is queued by then
                    while (next.Issues.TryDequeue(out var issue)) ctx.Report(issue);
                    if (!finished) break;
                    onFileRead?.Invoke(new FileReadResult(reported, next.Summary!)); // finished: Run has set it
                    reported++;
                }
                ctx.OnProgress?.Invoke(new ReadProgress(null, Math.Min(totalBytes, jobs.Sum(j => j.BytesRead)), totalBytes));
            }
        }

        /// <summary>One file after another on the calling thread: issues and progress go straight to the host.</summary>
        private static void ReadInOrder(IReadOnlyList<string> files, EventAccumulator target, ReadContext ctx, Action<FileReadResult>? onFileRead)
        {
            for (int i = 0; i < files.Count; i++)
                onFileRead?.Invoke(new FileReadResult(i, LogFileReader.Read(files[i], target, ctx)));
        }

        /// <summary>How a file will be read (<see cref="LogFileReader.ShapeOf"/>); a file that cannot be opened is read alone, which reports why.</summary>
        internal static LogFileReader.ReadShape ShapeOf(string path, ReadContext ctx, out long length)
        {
            length = 0;
            try
            {
                using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096))
                {
                    length = file.Length;
                    return LogFileReader.ShapeOf(file, length, ctx);
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is InvalidDataException || e is ArgumentException || e is NotSupportedException)
            {
                return LogFileReader.ReadShape.Single;
            }
        }

        private sealed class FileJob
        {
            public readonly string Path;
            public readonly long Length;
            public readonly LogFileReader.ReadShape Shape;
            // Set by Run on a worker; Acc is dropped once merged.
            public EventAccumulator? Acc;
            public FileReadSummary? Summary;
            public readonly ConcurrentQueue<ReadIssue> Issues = new ConcurrentQueue<ReadIssue>();
            private long _bytesRead;
            private volatile bool _finished;

            public FileJob(string path, ReadContext ctx)
            {
                Path = path;
                Shape = ShapeOf(path, ctx, out Length);
            }

            public bool Finished => _finished;
            public long BytesRead => Interlocked.Read(ref _bytesRead);

            public void Run(Rule.HuntOptions options, ReadContext shared, CancellationToken stop, ReplayFilter replays, int threads)
            {
                Acc = new EventAccumulator(options);
                var ctx = shared.ForOneFile(Issues.Enqueue, p => Interlocked.Exchange(ref _bytesRead, p.BytesRead), replays, stop, threads);
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
            public FileJob? Take(TimeSpan wait)
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
