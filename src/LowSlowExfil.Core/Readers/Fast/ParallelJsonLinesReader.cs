#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Reads one large plain JSON lines file (a Cloud NSS feed, Management API records a line each) on every core, as
    /// <see cref="ParallelNssCefReader"/> reads a CEF feed. Once the file's first record has shown it to be JSON lines
    /// (every line break then ends a record), it is cut into chunks at line starts; workers split and map the chunks'
    /// records from bytes (<see cref="JsonRecordScanner.TryRead"/>, no side effects) and the calling thread hands them
    /// over in file order: the replay filter, the counts, the issues (with the file's line and record numbers) and the
    /// events, exactly as one thread would. A record the scanner hands back is read there by the general reader, in
    /// order. A malformed stretch the splitter reports (its message names a line, known only in order) ends the
    /// parallel part: from that record on, the rest of the file is read on the calling thread.
    /// </summary>
    internal static class ParallelJsonLinesReader
    {
        private const int AheadPerWorker = 3;

        private struct Parsed
        {
            public long Line, Column, Start, LineStart;
            public bool Valid, General, Malformed;
            public string? Error;
            public JsonRecordMapper.MappedEvent Event;
            public byte[]? Bytes;
        }

        private sealed class Chunk
        {
            public List<Parsed> Parsed = new List<Parsed>(0);
            public long Start, Stop, Lines;
            public Exception? Error;
            public readonly ManualResetEventSlim Done = new ManualResetEventSlim(false, spinCount: 1);
        }

        /// <summary>True when the splitter, reading the file from its start, finds its first record alone on its line.</summary>
        public static bool IsJsonLines(string path, ReadContext ctx)
        {
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024))
            {
                var splitter = new JsonRecordSplitter(file, ctx.MaxRecordChars);
                return splitter.Next(out _, out _, out string? error) && error == null && splitter.IsJsonLines;
            }
        }

        public static void Read(string path, IEventSink sink, ReadContext ctx, FileReadSummary summary, int workers, int chunkBytes)
        {
            long length = new FileInfo(path).Length;
            int count = (int)Math.Max(1, (length + chunkBytes - 1) / chunkBytes);
            workers = Math.Max(1, Math.Min(workers, count));
            summary.Threads = workers;
            var chunks = new Chunk[count];
            for (int i = 0; i < count; i++) chunks[i] = new Chunk();
            var ahead = new SemaphoreSlim(workers * AheadPerWorker);
            // The parsed records' lists go round (a fresh one per chunk went to the large-object heap each time).
            var lists = new Stack<List<Parsed>>();
            int next = -1;
            long lineBase = 0, record = 0;
            using (var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.Cancellation))
            {
                // The workers' context: the feed's settings and their own stop; they report nothing and touch no state.
                var workerCtx = ctx.ForOneFile(null, null, ctx.Replays, stop.Token, 1);
                var tasks = Enumerable.Range(0, workers).Select(_ => Task.Factory.StartNew(() =>
                {
                    var scanner = new JsonRecordScanner();
                    var buf = new byte[64 * 1024];
                    try
                    {
                        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan))
                        {
                            while (true)
                            {
                                ahead.Wait(stop.Token);
                                int i = Interlocked.Increment(ref next);
                                if (i >= count) return;
                                lock (lists) chunks[i].Parsed = lists.Count > 0 ? lists.Pop() : new List<Parsed>();
                                Parse(path, file, scanner, buf, chunks[i], i, count, chunkBytes, workerCtx, stop.Token);
                            }
                        }
                    }
                    catch (OperationCanceledException) { }
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
                        bool handedOver = false;
                        foreach (var p in c.Parsed)
                        {
                            ctx.Cancellation.ThrowIfCancellationRequested();
                            long line = p.Line + lineBase;
                            if (p.Malformed)
                            {
                                stop.Cancel();
                                summary.Threads = 1;
                                ReadRest(path, p.Start, p.LineStart, line, sink, ctx, summary, ref record);
                                handedOver = true;
                                break;
                            }
                            if (p.General)
                                LogFileReader.ReadJsonRecord(new ArraySegment<byte>(p.Bytes!), line, p.Column, path, sink, ctx, summary, ref record);
                            else
                                LogFileReader.Count(p.Valid ? JsonRecordMapper.Add(p.Event, sink, ctx) : JsonRecordKind.Invalid, path, line, ++record, p.Error, ctx, summary);
                        }
                        if (handedOver) break;
                        if (c.Error != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(c.Error).Throw();
                        lineBase += c.Lines;
                        c.Parsed.Clear();
                        lock (lists) lists.Push(c.Parsed);
                        c.Parsed = null!;
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
        }

        private static void Parse(string path, FileStream file, JsonRecordScanner scanner, byte[] buf, Chunk c, int i, int count, int chunkBytes, ReadContext ctx, CancellationToken stop)
        {
            try
            {
                // Both ends found the same way by the chunks on either side: the first line start at or after the cut.
                c.Start = i == 0 ? 0 : ParallelNssCefReader.LineStartAtOrAfter(file, (long)chunkBytes * i, buf);
                c.Stop = i == count - 1 ? long.MaxValue : ParallelNssCefReader.LineStartAtOrAfter(file, (long)chunkBytes * (i + 1), buf);
                if (c.Stop <= c.Start) return;
                file.Position = c.Start;
                var range = new ParallelNssCefReader.RangeStream(file, c.Stop);
                // The first chunk is the file's start (a byte order mark, the first record deciding the mode); the others
                // start at a line start in line mode. Lines are counted from 1 in each; the calling thread adds the base.
                var splitter = i == 0 ? new JsonRecordSplitter(range, ctx.MaxRecordChars) : JsonRecordSplitter.ForLines(range, ctx.MaxRecordChars, c.Start, c.Start, 1);
                while (splitter.Next(out var bytes, out long line, out string? error))
                {
                    stop.ThrowIfCancellationRequested();
                    var p = new Parsed { Line = line, Start = splitter.RecordStart, LineStart = splitter.RecordLineStart };
                    if (error != null)
                    {
                        p.Malformed = true;
                        c.Parsed.Add(p);
                        return; // the rest is the calling thread's
                    }
                    p.Column = splitter.RecordColumn;
                    if (!scanner.TryRead(new ReadOnlySpan<byte>(bytes.Array, bytes.Offset, bytes.Count), ctx, out p.Event, out p.Valid, out p.Error))
                    {
                        p.General = true;
                        p.Bytes = new byte[bytes.Count];
                        Buffer.BlockCopy(bytes.Array!, bytes.Offset, p.Bytes, 0, bytes.Count);
                    }
                    c.Parsed.Add(p);
                }
                c.Lines = splitter.Line - 1;
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

        /// <summary>From a malformed stretch on, the rest of the file on this thread, numbered on (as one thread reads it).</summary>
        private static void ReadRest(string path, long start, long lineStart, long line, IEventSink sink, ReadContext ctx, FileReadSummary summary, ref long record)
        {
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.SequentialScan))
            {
                file.Position = start;
                var splitter = start == 0
                    ? new JsonRecordSplitter(new CancellableStream(file, ctx.Cancellation), ctx.MaxRecordChars)
                    : JsonRecordSplitter.ForLines(new CancellableStream(file, ctx.Cancellation), ctx.MaxRecordChars, start, lineStart, line);
                LogFileReader.ReadJsonRecords(splitter, path, sink, ctx, summary, ref record);
            }
        }
    }
}
