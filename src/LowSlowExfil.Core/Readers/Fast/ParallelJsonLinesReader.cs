using System;
using System.Collections.Generic;
using System.IO;

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
        private struct Parsed
        {
            public long Line, Column, Start, LineStart;
            public bool Valid, General, Malformed;
            public string? Error;
            public JsonRecordMapper.MappedEvent Event;
            public byte[]? Bytes;
        }

        private sealed class Chunk : OrderedChunkPipeline.Chunk<Parsed>
        {
            public long Lines;
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
            long lineBase = 0, record = 0;
            Parsed malformed = default;
            var stopped = OrderedChunkPipeline.Run<Parsed, Chunk>(path, ctx, summary, workers, chunkBytes,
                workerCtx => new ChunkParser(workerCtx),
                c =>
                {
                    int at = ApplyChunk(c.Parsed!, lineBase, path, sink, ctx, summary, ref record);
                    if (at >= 0)
                    {
                        malformed = c.Parsed![at];
                        return false;
                    }
                    lineBase += c.Lines;
                    return true;
                });
            if (stopped != null)
            {
                summary.Threads = 1;
                ReadRest(path, malformed.Start, malformed.LineStart, malformed.Line + lineBase, sink, ctx, summary, ref record);
            }
        }

        /// <summary>A chunk's records in order, lines counted from where the chunks before it ended; the index of a malformed stretch (the rest is read on this thread), else -1.</summary>
        // Once per record on the applying thread: compiled optimised at once, as the CEF reader's.
        [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
        private static int ApplyChunk(List<Parsed> parsed, long lineBase, string path, IEventSink sink, ReadContext ctx, FileReadSummary summary, ref long record)
        {
            for (int k = 0; k < parsed.Count; k++)
            {
                ctx.Cancellation.ThrowIfCancellationRequested();
                var p = parsed[k];
                if (p.Malformed) return k;
                long line = p.Line + lineBase;
                if (p.General)
                    LogFileReader.ReadJsonRecord(new ArraySegment<byte>(p.Bytes!), line, p.Column, path, sink, ctx, summary, ref record);
                else
                    LogFileReader.Count(p.Valid ? JsonRecordMapper.Add(p.Event, sink, ctx) : JsonRecordKind.Invalid, path, line, ++record, p.Error, ctx, summary);
            }
            return -1;
        }

        /// <summary>A worker's byte-level scanner: it splits and maps a chunk's records, with no side effects.</summary>
        private sealed class ChunkParser : OrderedChunkPipeline.IChunkParser<Chunk>
        {
            private readonly JsonRecordScanner _scanner = new JsonRecordScanner();
            private readonly ReadContext _ctx;

            public ChunkParser(ReadContext workerCtx) => _ctx = workerCtx;

            public byte[] Buffer { get; } = new byte[64 * 1024];

            public void Parse(Stream range, Chunk c, int index)
            {
                // The first chunk is the file's start (a byte order mark, the first record deciding the mode); the others
                // start at a line start in line mode. Lines are counted from 1 in each; the calling thread adds the base.
                var splitter = index == 0 ? new JsonRecordSplitter(range, _ctx.MaxRecordChars) : JsonRecordSplitter.ForLines(range, _ctx.MaxRecordChars, c.Start, c.Start, 1);
                var into = c.Parsed!; // given just before Parse
                while (splitter.Next(out var bytes, out long line, out string? error))
                {
                    _ctx.Cancellation.ThrowIfCancellationRequested();
                    var p = new Parsed { Line = line, Start = splitter.RecordStart, LineStart = splitter.RecordLineStart };
                    if (error != null)
                    {
                        p.Malformed = true;
                        into.Add(p);
                        return; // the rest is the calling thread's
                    }
                    p.Column = splitter.RecordColumn;
                    if (!_scanner.TryRead(new ReadOnlySpan<byte>(bytes.Array, bytes.Offset, bytes.Count), _ctx, out p.Event, out p.Valid, out p.Error))
                    {
                        p.General = true;
                        p.Bytes = new byte[bytes.Count];
                        System.Buffer.BlockCopy(bytes.Array!, bytes.Offset, p.Bytes, 0, bytes.Count);
                    }
                    into.Add(p);
                }
                c.Lines = splitter.Line - 1;
            }

            public void Dispose() { }
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
