using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Reads one large plain NSS CEF feed on every core. The file is cut into chunks at line starts (a CEF record is
    /// one line, so every line break ends a record); workers parse chunks with <see cref="NssCefScanner"/> side by
    /// side, a few ahead at most, and the calling thread applies them in file order: the replay filter, the counts,
    /// the issues (with absolute line and record numbers) and the events, exactly as one thread would. A line the
    /// text reader must take (over the record cap, or no line break within the scanner's buffer) ends the parallel
    /// part: from its start the rest of the file goes to the text reader, as <see cref="NssCefScanner"/> hands it over.
    /// </summary>
    internal static class ParallelNssCefReader
    {
        internal const int DefaultChunkBytes = 8 << 20;
        // Chunks parsed but not yet applied, per worker: enough to keep the workers busy while the calling thread
        // applies, few enough that memory does not follow the file.
        private const int AheadPerWorker = 3;

        private sealed class Chunk
        {
            public List<NssCefReader.ParsedLine>? Parsed; // null once applied (back in the pool)
            public long Start, Stop, Lines, Records, HandOverAt = -1;
            public bool HandOverAtFileStart;
            public Exception? Error;
            // No spinning while waiting: on two cores a spinning reader takes the time a worker would parse in.
            public readonly ManualResetEventSlim Done = new ManualResetEventSlim(false, spinCount: 1);
        }

        /// <summary>Chunks of half the parallel threshold, at most 8 MB (tests lower the threshold to cut small feeds).</summary>
        internal static int ChunkBytesFor(ReadContext ctx) => (int)Math.Max(4096, Math.Min(DefaultChunkBytes, ctx.ParallelMinimumBytes / 2));

        public static void Read(string path, IEventSink sink, ReadContext ctx, FileReadSummary summary, int workers, int chunkBytes = DefaultChunkBytes)
        {
            summary.Format = LogFormat.NssCef;
            long length = new FileInfo(path).Length;
            int count = (int)Math.Max(1, (length + chunkBytes - 1) / chunkBytes);
            workers = Math.Max(1, Math.Min(workers, count));
            summary.Threads = workers;
            var chunks = new Chunk[count];
            for (int i = 0; i < count; i++) chunks[i] = new Chunk();
            var ahead = new SemaphoreSlim(workers * AheadPerWorker);
            // The parsed lines' lists go round (a fresh one per chunk was most of what a parallel read allocated).
            var lists = new Stack<List<NssCefReader.ParsedLine>>();
            int next = -1;
            long templates = 0, lineBase = 0, recordBase = 0;
            var judging = FastPath.JudgingSink(sink, ctx);
            using (var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.Cancellation))
            {
                // The workers' context: the feed's settings, their own stop; they report nothing (the calling thread does).
                var workerCtx = ctx.ForOneFile(null, null, ctx.Replays, stop.Token, 1);
                var tasks = Enumerable.Range(0, workers).Select(_ => Task.Factory.StartNew(() =>
                {
                    var scanner = NssCefScanner.ForChunks(path, sink, workerCtx);
                    byte[] buf = ArrayPool<byte>.Shared.Rent(NssCefScanner.BufferBytes); // pooled, as the scanner's own
                    try
                    {
                        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan))
                        {
                            while (true)
                            {
                                ahead.Wait(stop.Token);
                                int i = Interlocked.Increment(ref next);
                                if (i >= count) return;
                                lock (lists) chunks[i].Parsed = lists.Count > 0 ? lists.Pop() : new List<NssCefReader.ParsedLine>();
                                Parse(file, scanner, buf, chunks[i], i, count, chunkBytes, stop.Token);
                            }
                        }
                    }
                    catch (OperationCanceledException) { }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buf);
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
                        // In file order: the lines before a failure still count, as they do on one thread.
                        var parsedLines = c.Parsed!; // done: a worker gave the chunk its list before parsing it
                        ApplyChunk(parsedLines, lineBase, recordBase, path, sink, judging, ctx, summary, ref templates);
                        if (c.Error != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(c.Error).Throw();
                        lineBase += c.Lines;
                        recordBase += c.Records;
                        if (c.HandOverAt >= 0)
                        {
                            stop.Cancel();
                            HandOver(path, c.HandOverAt, c.HandOverAtFileStart, sink, ctx, summary, lineBase, recordBase, ref templates);
                            break;
                        }
                        parsedLines.Clear();
                        lock (lists) lists.Push(parsedLines);
                        c.Parsed = null;
                        ahead.Release();
                        ctx.OnProgress?.Invoke(new ReadProgress(path, Math.Min(length, c.Stop), length));
                    }
                }
                finally
                {
                    stop.Cancel();
                    Task.WaitAll(tasks);
                }
            }
            NssCefReader.SetNotice(summary, templates);
        }

        /// <summary>A chunk's lines, counted from where the chunks before it ended.</summary>
        // Once per record on the applying thread: compiled optimised at once, as tiering left the loop unoptimised
        // through a session's whole first read.
        [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
        private static void ApplyChunk(List<NssCefReader.ParsedLine> lines, long lineBase, long recordBase, string path, IEventSink sink, IJudgedSink? judging,
            ReadContext ctx, FileReadSummary summary, ref long templates)
        {
            for (int k = 0; k < lines.Count; k++)
            {
                var parsed = lines[k];
                parsed.Line += lineBase;
                parsed.Record += recordBase;
                NssCefReader.Apply(parsed, path, sink, judging, ctx, summary, ref templates);
            }
        }

        private static void Parse(FileStream file, NssCefScanner scanner, byte[] buf, Chunk c, int i, int count, int chunkBytes, CancellationToken stop)
        {
            try
            {
                // Both ends found the same way by the chunks on either side: the first line start at or after the cut.
                c.Start = i == 0 ? 0 : LineStartAtOrAfter(file, (long)chunkBytes * i, buf);
                c.Stop = i == count - 1 ? long.MaxValue : LineStartAtOrAfter(file, (long)chunkBytes * (i + 1), buf);
                if (c.Stop > c.Start)
                {
                    file.Position = c.Start;
                    scanner.ReadChunk(new RangeStream(file, c.Stop), buf, fileStart: i == 0, c.Parsed!); // given just before Parse
                    c.Lines = scanner.ChunkLines;
                    c.Records = scanner.ChunkRecords;
                    c.HandOverAt = scanner.HandOverAt;
                    c.HandOverAtFileStart = scanner.HandOverAtFileStart;
                }
            }
            catch (Exception e)
            {
                c.Error = e; // told by the calling thread when it reaches this chunk, after the lines before it
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

        /// <summary>From a line the scanner may not read on, the rest of the file to the text reader, numbered on (see NssCefScanner.HandOver).</summary>
        private static void HandOver(string path, long at, bool fileStart, IEventSink sink, ReadContext ctx, FileReadSummary summary, long line, long record, ref long templates)
        {
            summary.Threads = 1;
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.SequentialScan))
            {
                file.Position = at;
                using (var text = new StreamReader(new CancellableStream(file, ctx.Cancellation), new UTF8Encoding(false, false),
                           detectEncodingFromByteOrderMarks: fileStart, bufferSize: 64 * 1024, leaveOpen: true))
                    NssCefReader.ReadLines(text, path, sink, ctx, summary, line, record, ref templates);
            }
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
