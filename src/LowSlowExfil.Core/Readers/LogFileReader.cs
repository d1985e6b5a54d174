using System;
using System.IO;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Reads one log file of any supported format, recognised from its content (not its extension), gzip
    /// included, and hands its events to a sink. Never throws for bad input: problems become ReadIssues and
    /// the rest of the file still counts. Only cancellation propagates.
    /// </summary>
    public static class LogFileReader
    {
        private const int SniffBytes = 4096;

        public static FileReadSummary Read(string path, IEventSink sink, ReadContext ctx)
        {
            if (sink == null) throw new ArgumentNullException(nameof(sink));
            ctx = ctx ?? new ReadContext();
            var summary = new FileReadSummary { File = path };
            try
            {
                using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.SequentialScan))
                {
                    long total = file.Length;
                    using (var counted = new ProgressStream(file, n => ctx.OnProgress?.Invoke(new ReadProgress(path, n, total))))
                    {
                        ReadStream(counted, path, sink, ctx, summary);
                        ctx.OnProgress?.Invoke(new ReadProgress(path, counted.BytesRead, total));
                    }
                }
            }
            catch (OperationCanceledException) { throw; }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is InvalidDataException
                                      || e is DecoderFallbackException || e is NotSupportedException || e is ArgumentException)
            {
                // Includes a gzip stream that is corrupt or truncated part-way: what was read so far still counts.
                summary.Failed = true;
                ctx.Report(new ReadIssue(path, 0, 0, $"cannot read the file{(summary.Records > 0 ? $" past record {summary.Records}" : "")}: {e.Message}"));
            }
            return summary;
        }

        private static void ReadStream(Stream raw, string path, IEventSink sink, ReadContext ctx, FileReadSummary summary)
        {
            var input = new PeekableStream(raw);
            byte[] head = input.Peek(2);
            var stream = input;
            if (head.Length == 2 && head[0] == 0x1F && head[1] == 0x8B)
                stream = new PeekableStream(new BufferedStream(new GZipStream(input, CompressionMode.Decompress), 64 * 1024));

            byte[] sniff = stream.Peek(SniffBytes);
            var kind = Sniff(sniff);
            switch (kind)
            {
                case SniffResult.Empty:
                    summary.Failed = true;
                    ctx.Report(new ReadIssue(path, 0, 0, "the file is empty"));
                    return;
                case SniffResult.Binary:
                    summary.Failed = true;
                    ctx.Report(new ReadIssue(path, 0, 0, "the file is not text (binary content near the start); not a log export"));
                    return;
                case SniffResult.Json:
                    summary.Format = LogFormat.LogAnalyticsJson;
                    ReadJson(stream, path, sink, ctx, summary);
                    return;
                default:
                    using (var text = new StreamReader(stream, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024))
                        LogAnalyticsCsvReader.Read(text, path, sink, ctx, summary);
                    return;
            }
        }

        private static void ReadJson(Stream stream, string path, IEventSink sink, ReadContext ctx, FileReadSummary summary)
        {
            var splitter = new JsonRecordSplitter(stream, ctx.MaxRecordChars);
            long record = 0;
            while (splitter.Next(out var bytes, out long line, out string error))
            {
                ctx.Cancellation.ThrowIfCancellationRequested();
                record++;
                summary.Records++;
                if (error == null)
                {
                    try
                    {
                        using (var doc = JsonDocument.Parse(new ReadOnlyMemory<byte>(bytes.Array, bytes.Offset, bytes.Count)))
                        {
                            switch (JsonRecordMapper.Map(doc.RootElement, sink, out error))
                            {
                                case JsonRecordKind.Proxy: summary.ProxyEvents++; break;
                                case JsonRecordKind.Sharing: summary.SharingEvents++; break;
                            }
                        }
                    }
                    catch (JsonException e)
                    {
                        error = "not valid JSON: " + e.Message;
                    }
                }
                if (error != null)
                {
                    summary.Skipped++;
                    ctx.Report(new ReadIssue(path, line, record, error));
                }
            }
        }

        private enum SniffResult { Empty, Binary, Json, Text }

        private static SniffResult Sniff(byte[] head)
        {
            int i = 0;
            if (head.Length >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) i = 3;
            for (int j = i; j < head.Length; j++)
                if (head[j] == 0) return SniffResult.Binary;
            while (i < head.Length && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) i++;
            if (i >= head.Length) return SniffResult.Empty;
            if (head[i] == '[' || head[i] == '{') return SniffResult.Json;
            return SniffResult.Text;
        }
    }
}
