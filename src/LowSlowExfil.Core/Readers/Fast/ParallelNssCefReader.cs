using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Text;

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

        private sealed class Chunk : OrderedChunkPipeline.Chunk<NssCefReader.ParsedLine>
        {
            public long Lines, Records, HandOverAt = -1;
            public bool HandOverAtFileStart;
        }

        /// <summary>A worker's scanner and its pooled buffer (as the scanner's own).</summary>
        private sealed class ChunkParser : OrderedChunkPipeline.IChunkParser<Chunk>
        {
            private readonly NssCefScanner _scanner;

            public ChunkParser(string path, IEventSink sink, ReadContext workerCtx)
            {
                _scanner = NssCefScanner.ForChunks(path, sink, workerCtx);
                Buffer = ArrayPool<byte>.Shared.Rent(NssCefScanner.BufferBytes);
            }

            public byte[] Buffer { get; }

            public void Parse(Stream range, Chunk c, int index)
            {
                _scanner.ReadChunk(range, Buffer, fileStart: index == 0, c.Parsed!); // given just before Parse
                c.Lines = _scanner.ChunkLines;
                c.Records = _scanner.ChunkRecords;
                c.HandOverAt = _scanner.HandOverAt;
                c.HandOverAtFileStart = _scanner.HandOverAtFileStart;
            }

            public void Dispose() => ArrayPool<byte>.Shared.Return(Buffer);
        }

        /// <summary>Chunks of half the parallel threshold, at most 8 MB (tests lower the threshold to cut small feeds).</summary>
        internal static int ChunkBytesFor(ReadContext ctx) => (int)Math.Max(4096, Math.Min(DefaultChunkBytes, ctx.ParallelMinimumBytes / 2));

        public static void Read(string path, IEventSink sink, ReadContext ctx, FileReadSummary summary, int workers, int chunkBytes = DefaultChunkBytes)
        {
            summary.Format = LogFormat.NssCef;
            long templates = 0, lineBase = 0, recordBase = 0;
            var judging = FastPath.JudgingSink(sink, ctx);
            var handOver = OrderedChunkPipeline.Run<NssCefReader.ParsedLine, Chunk>(path, ctx, summary, workers, chunkBytes,
                workerCtx => new ChunkParser(path, sink, workerCtx),
                c =>
                {
                    ApplyChunk(c.Parsed!, lineBase, recordBase, path, sink, judging, ctx, summary, ref templates);
                    lineBase += c.Lines;
                    recordBase += c.Records;
                    return c.HandOverAt < 0;
                });
            if (handOver != null) HandOver(path, handOver.HandOverAt, handOver.HandOverAtFileStart, sink, ctx, summary, lineBase, recordBase, ref templates);
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
    }
}
