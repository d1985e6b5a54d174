using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// One large plain file read on several threads and applied in file order, as one thread would. The file is cut
    /// into chunks at line starts; workers parse chunks side by side, a few ahead at most, and the calling thread
    /// applies each chunk when its turn comes (waiting with progress and cancellation). A worker's failure is told when
    /// its chunk's turn comes, after the records before it. The readers bring only what is theirs: how a chunk is
    /// parsed (<see cref="IChunkParser{TChunk}"/>) and how a parsed chunk is applied
    /// (<see cref="ParallelNssCefReader"/>, <see cref="ParallelJsonLinesReader"/>).
    /// </summary>
    internal static class OrderedChunkPipeline
    {
        // Chunks parsed but not yet applied, per worker: enough to keep the workers busy while the calling thread
        // applies, few enough that memory does not follow the file.
        private const int AheadPerWorker = 3;

        /// <summary>One chunk: its byte range, what a worker parsed from it, and its failure if any.</summary>
        internal class Chunk<T>
        {
            public List<T>? Parsed; // given by a worker just before it parses; null once applied (back in the pool)
            public long Start, Stop;
            public Exception? Error;
            // No spinning while waiting: on two cores a spinning reader takes the time a worker would parse in.
            public readonly ManualResetEventSlim Done = new ManualResetEventSlim(false, spinCount: 1);
        }

        /// <summary>A worker's own parsing state (scanner, buffer), made on its thread and disposed when it ends.</summary>
        internal interface IChunkParser<TChunk> : IDisposable
        {
            /// <summary>The worker's buffer, also used to find the chunk's ends.</summary>
            byte[] Buffer { get; }

            /// <summary>Parses one chunk from <paramref name="range"/> (its bytes, the file's Position) into its Parsed list; index 0 is the file's start.</summary>
            void Parse(Stream range, TChunk chunk, int index);
        }

        /// <summary>
        /// Reads <paramref name="path"/> in chunks of <paramref name="chunkBytes"/> on up to <paramref name="workers"/>
        /// threads. <paramref name="apply"/> gets each parsed chunk in file order and returns false to end the parallel
        /// part there.
        /// </summary>
        /// <returns>Null when every chunk was applied; else the chunk that ended the parallel part, its workers stopped (the rest is the caller's).</returns>
        public static TChunk? Run<T, TChunk>(string path, ReadContext ctx, FileReadSummary summary, int workers, int chunkBytes,
            Func<ReadContext, IChunkParser<TChunk>> newParser, Func<TChunk, bool> apply)
            where TChunk : Chunk<T>, new()
        {
            long length = new FileInfo(path).Length;
            int count = (int)Math.Max(1, (length + chunkBytes - 1) / chunkBytes);
            workers = Math.Max(1, Math.Min(workers, count));
            summary.Threads = workers;
            var chunks = new TChunk[count];
            for (int i = 0; i < count; i++) chunks[i] = new TChunk();
            var ahead = new SemaphoreSlim(workers * AheadPerWorker);
            // The parsed lists go round (a fresh one per chunk was most of what a parallel read allocated).
            var lists = new Stack<List<T>>();
            int next = -1;
            using (var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.Cancellation))
            {
                // The workers' context: the feed's settings, their own stop; they report nothing (the calling thread does).
                var workerCtx = ctx.ForOneFile(null, null, ctx.Replays, stop.Token, 1);
                var tasks = Enumerable.Range(0, workers).Select(_ => Task.Factory.StartNew(() =>
                {
                    using (var parser = newParser(workerCtx))
                    {
                        try
                        {
                            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan))
                            {
                                while (true)
                                {
                                    ahead.Wait(stop.Token);
                                    int i = Interlocked.Increment(ref next);
                                    if (i >= count) return;
                                    lock (lists) chunks[i].Parsed = lists.Count > 0 ? lists.Pop() : new List<T>();
                                    Parse<T, TChunk>(file, parser, chunks[i], i, count, chunkBytes, stop.Token);
                                }
                            }
                        }
                        catch (OperationCanceledException) { }
                    }
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

                try
                {
                    for (int i = 0; i < count; i++)
                    {
                        var c = chunks[i];
                        while (!c.Done.Wait(250))
                        {
                            ctx.Cancellation.ThrowIfCancellationRequested();
                            ctx.OnProgress?.Invoke(new ReadProgress(path, Math.Min(length, c.Start), length));
                        }
                        ctx.Cancellation.ThrowIfCancellationRequested();
                        // In file order: the records before a failure still count, as they do on one thread.
                        bool goOn = apply(c);
                        if (c.Error != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(c.Error).Throw();
                        if (!goOn) return c; // the workers stop (below) before the caller reads on
                        var parsed = c.Parsed!; // done: a worker gave the chunk its list before parsing it
                        parsed.Clear();
                        lock (lists) lists.Push(parsed);
                        c.Parsed = null;
                        ahead.Release();
                        ctx.OnProgress?.Invoke(new ReadProgress(path, Math.Min(length, c.Stop), length));
                    }
                    return null;
                }
                finally
                {
                    stop.Cancel();
                    Task.WaitAll(tasks);
                }
            }
        }

        private static void Parse<T, TChunk>(FileStream file, IChunkParser<TChunk> parser, TChunk c, int i, int count, int chunkBytes, CancellationToken stop)
            where TChunk : Chunk<T>
        {
            try
            {
                // Both ends found the same way by the chunks on either side: the first line start at or after the cut.
                c.Start = i == 0 ? 0 : LineStartAtOrAfter(file, (long)chunkBytes * i, parser.Buffer);
                c.Stop = i == count - 1 ? long.MaxValue : LineStartAtOrAfter(file, (long)chunkBytes * (i + 1), parser.Buffer);
                if (c.Stop > c.Start)
                {
                    file.Position = c.Start;
                    parser.Parse(new RangeStream(file, c.Stop), c, i);
                }
            }
            catch (Exception e)
            {
                c.Error = e; // told by the calling thread when it reaches this chunk, after the records before it
                if (e is OperationCanceledException && stop.IsCancellationRequested) throw; // this worker stops too
            }
            finally
            {
                c.Done.Set();
            }
        }

        /// <summary>The offset just after the first line feed at or after <paramref name="cut"/> - 1 (a cut right after one is a line start); the end of the file if none.</summary>
        internal static long LineStartAtOrAfter(Stream file, long cut, byte[] buf)
        {
            long pos = cut - 1;
            file.Position = pos;
            int n;
            while ((n = file.Read(buf, 0, Math.Min(buf.Length, 64 * 1024))) > 0)
            {
                int nl = Array.IndexOf(buf, (byte)'\n', 0, n);
                if (nl >= 0) return pos + nl + 1;
                pos += n;
            }
            return pos;
        }

        /// <summary>A file read up to <c>stop</c>; its Position is the file's, so a hand-over knows where it stopped.</summary>
        internal sealed class RangeStream : ReadOnlyStream
        {
            private readonly Stream _file;
            private readonly long _stop;

            public RangeStream(Stream file, long stop)
            {
                _file = file;
                _stop = stop;
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                long left = _stop - _file.Position;
                if (left <= 0) return 0;
                return _file.Read(buffer, offset, (int)Math.Min(count, left));
            }

            public override long Length => _file.Length;
            public override long Position { get => _file.Position; set => throw new NotSupportedException(); }
        }
    }
}
