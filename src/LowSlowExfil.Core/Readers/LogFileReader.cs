using System;
using System.Collections.Generic;
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

        public static FileReadSummary Read(string path, IEventSink sink, ReadContext? ctx)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            if (sink == null) throw new ArgumentNullException(nameof(sink));
            ctx = ctx ?? new ReadContext();
            var summary = new FileReadSummary { File = path };
            var cap = new IssueCap(ctx.OnIssue, ctx.MaxIssuesPerFile);
            ctx = ctx.ForFile(cap);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.SequentialScan))
                {
                    long total = file.Length;
                    summary.Bytes = total;
                    using (var counted = new ProgressStream(new CancellableStream(file, ctx.Cancellation), n => ctx.OnProgress?.Invoke(new ReadProgress(path, n, total))))
                    {
                        ReadStream(counted, path, plainFile: true, sink, ctx, summary);
                        ctx.OnProgress?.Invoke(new ReadProgress(path, counted.BytesRead, total));
                        // Through the open handle: a file cut or grown meanwhile (a log still being written, truncated,
                        // or rotated in place) was read as it was at some moment, not as it is: say so, never silently.
                        long now = file.Length;
                        if (now != total)
                            summary.Notice = (summary.Notice == null ? "" : summary.Notice + "; ") +
                                $"the file changed size while it was read ({total:N0} bytes when opened, {now:N0} at the end, {counted.BytesRead:N0} read): " +
                                (now < total ? "records past the cut are missing" : "records written meanwhile may be missing or partial") +
                                "; read it again once nothing writes to it";
                    }
                }
            }
            catch (OperationCanceledException) { throw; }
            catch (Exception e) when (IsReadFailure(e, ctx))
            {
                ReportFailure(path, e, ctx, summary);
            }
            cap.Finish(path);
            if (sink is IJudgedSink judging) summary.CountedProxyHours = judging.Uploads.TakeCountedHours();
            summary.Elapsed = clock.Elapsed;
            return summary;
        }

        /// <summary>
        /// Reads log data already open as a stream (not disposed here), exactly as <see cref="Read(string, IEventSink, ReadContext)"/>
        /// reads a file, under the name <paramref name="name"/> in its issues. A stream is never cut into ranges
        /// for parallel reading. The in-memory entry of the fuzz targets and the parser tests.
        /// </summary>
        internal static FileReadSummary Read(Stream stream, string name, IEventSink sink, ReadContext? ctx)
        {
            if (stream == null) throw new ArgumentNullException(nameof(stream));
            if (sink == null) throw new ArgumentNullException(nameof(sink));
            ctx = ctx ?? new ReadContext();
            var summary = new FileReadSummary { File = name };
            var cap = new IssueCap(ctx.OnIssue, ctx.MaxIssuesPerFile);
            ctx = ctx.ForFile(cap);
            try
            {
                ReadStream(new NonClosingStream(stream), name, plainFile: false, sink, ctx, summary);
            }
            catch (OperationCanceledException) { throw; }
            catch (Exception e) when (IsReadFailure(e, ctx))
            {
                ReportFailure(name, e, ctx, summary);
            }
            cap.Finish(name);
            return summary;
        }

        // ArgumentException and NotSupportedException are a path the file system refuses; raised while parsing they
        // would be a reader's bug, which the fuzz targets ask to see (RethrowUnexpected) rather than have reported.
        private static bool IsReadFailure(Exception e, ReadContext ctx) =>
            e is IOException || e is UnauthorizedAccessException || e is InvalidDataException || e is DecoderFallbackException
            || (!ctx.RethrowUnexpected && (e is NotSupportedException || e is ArgumentException));

        private static void ReportFailure(string path, Exception e, ReadContext ctx, FileReadSummary summary)
        {
            // Includes a gzip stream that is corrupt or truncated part-way: what was read so far still counts.
            summary.Failed = true;
            // .NET's "Access to the path '…' is denied." names the path the issue already names.
            string why = e is UnauthorizedAccessException ? "permission denied" : e.Message.TrimEnd('.');
            ctx.Report(new ReadIssue(path, 0, 0, $"cannot read the file{(summary.Records > 0 ? $" past record {summary.Records}" : "")}: {why}"));
        }

        /// <summary>How a file of a multi-file read is scheduled (see MultiFileReader).</summary>
        internal enum ReadShape
        {
            /// <summary>Read on one thread, in any order.</summary>
            Single,
            /// <summary>A raw feed (NSS CEF or JSON, plain or gzip): consults the replay filter shared across files, so read in order.</summary>
            RawFeed,
            /// <summary>A plain CommonSecurityLog CSV export large enough to be cut into ranges read on every core.</summary>
            Ranges,
        }

        /// <summary>What <see cref="Read(string, IEventSink, ReadContext)"/> will do with the data, from its first bytes only.</summary>
        internal static ReadShape ShapeOf(Stream raw, long length, ReadContext ctx)
        {
            var input = new PeekableStream(raw);
            byte[] head = input.Peek(2);
            if (head.Length == 2 && head[0] == 0x1F && head[1] == 0x8B)
                using (var gz = new GzipDecoder(input))
                {
                    var kind = Sniff(AsUtf8(new PeekableStream(gz)).Peek(SniffBytes));
                    return IsRawFeed(kind) ? ReadShape.RawFeed : ReadShape.Single;
                }
            if (Utf16ToUtf8Stream.IsByteOrderMark(head, out _))
            {
                var kind = Sniff(AsUtf8(input).Peek(SniffBytes));
                return IsRawFeed(kind) ? ReadShape.RawFeed : ReadShape.Single;
            }
            var plain = Sniff(input.Peek(SniffBytes));
            if (IsRawFeed(plain)) return ReadShape.RawFeed;
            // The header is looked for only in a file that could be cut (the read itself peeks again).
            bool ranges = plain == SniffResult.Text && FastPath.CutsIntoRanges(ctx, length)
                && ProxyCsvFastPath.ProxyHeader(input.Peek(ProxyCsvFastPath.HeaderPeekBytes), ctx, out _) != null;
            return ranges ? ReadShape.Ranges : ReadShape.Single;
        }

        // Raw feeds carry record ids a replay repeats: read in order, with the filter shared across files.
        private static bool IsRawFeed(SniffResult kind) => kind == SniffResult.Json || kind == SniffResult.Cef || kind == SniffResult.KeyValue;

        private static void ReadStream(Stream raw, string path, bool plainFile, IEventSink sink, ReadContext ctx, FileReadSummary summary)
        {
            var input = new PeekableStream(raw);
            byte[] head = input.Peek(2);
            var stream = input;
            bool gzip = head.Length == 2 && head[0] == 0x1F && head[1] == 0x8B;
            if (gzip)
                stream = new PeekableStream(new CancellableStream(new GzipDecoder(input), ctx.Cancellation)); // no BufferedStream: it drops what it had when a refill throws
            var utf8 = AsUtf8(stream);
            bool transcoded = utf8 != stream;
            stream = utf8;

            byte[] sniff = stream.Peek(SniffBytes);
            switch (Sniff(sniff))
            {
                case SniffResult.Empty:
                    summary.Failed = true;
                    ctx.Report(new ReadIssue(path, 0, 0, "the file is empty"));
                    return;
                case SniffResult.Binary:
                    summary.Failed = true;
                    ctx.Report(new ReadIssue(path, 0, 0, "the file is not text: its first 4 KB are mostly control bytes (a compressed archive, an image, or UTF-16 without a byte order mark); not a log file"));
                    return;
                case SniffResult.Template:
                    summary.Format = LogFormat.FeedTemplate;
                    summary.Notice = "the file is a Zscaler NSS feed output template (placeholders such as %s{login}), not log data; it holds no events";
                    return;
                case SniffResult.Json:
                    summary.Format = LogFormat.Json;
                    ReadJson(stream, path, sink, ctx, summary);
                    return;
                case SniffResult.KeyValue:
                    summary.Format = LogFormat.NssKeyValue;
                    using (var text = OpenText(stream))
                        NssKeyValueReader.Read(text, path, sink, ctx, summary);
                    return;
                case SniffResult.Cef:
                    if (FastPath.ScansCef(ctx))
                    {
                        // One large plain feed: parsed on every core, applied in file order (replays as on one thread).
                        if (plainFile && !gzip && !transcoded && ctx.MaxDegreeOfParallelism > 1 && new FileInfo(path).Length >= ctx.ParallelMinimumBytes)
                            ParallelNssCefReader.Read(path, sink, ctx, summary, ctx.MaxDegreeOfParallelism, ParallelNssCefReader.ChunkBytesFor(ctx));
                        else NssCefScanner.Read(stream, path, sink, ctx, summary);
                        return;
                    }
                    using (var text = OpenText(stream))
                        NssCefReader.Read(text, path, sink, ctx, summary);
                    return;
                default:
                    var judging = FastPath.JudgingSink(sink, ctx);
                    if (judging != null && ProxyCsvFastPath.TryReadProxyFast(stream, path, plainFile && !gzip && !transcoded, judging, ctx, summary)) return;
                    using (var text = OpenText(stream))
                        LogAnalyticsCsvReader.Read(text, path, sink, ctx, summary);
                    return;
            }
        }

        // Invalid UTF-8 decodes to U+FFFD rather than failing the file: one bad byte costs at most its record.
        private static StreamReader OpenText(Stream stream) =>
            new StreamReader(stream, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024);

        internal static void ReadJson(Stream stream, string path, IEventSink sink, ReadContext ctx, FileReadSummary summary)
        {
            var splitter = new JsonRecordSplitter(stream, ctx.MaxRecordChars);
            long record = 0;
            while (splitter.Next(out var bytes, out long line, out string? error))
            {
                ctx.Cancellation.ThrowIfCancellationRequested();
                if (error != null)
                {
                    Skip(path, line, ++record, error, ctx, summary);
                    continue;
                }
                JsonDocument doc;
                var json = new ReadOnlyMemory<byte>(bytes.Array, bytes.Offset, bytes.Count);
                try
                {
                    doc = JsonDocument.Parse(json);
                }
                catch (JsonException e)
                {
                    // A comma before a closing bracket is the one slip every peer reads (ConvertFrom-Json, Python,
                    // the SIEMs' parsers): read such a record and count it; the option relaxes nothing else.
                    try
                    {
                        doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true });
                        summary.TrailingCommas++;
                    }
                    catch (JsonException)
                    {
                        Skip(path, line, ++record, JsonErrorText.NotValid(e, line, splitter.RecordColumn), ctx, summary);
                        continue;
                    }
                }
                using (doc)
                {
                    try
                    {
                        var root = doc.RootElement;
                        if (root.TryGetProperty("tables", out var tables) && tables.ValueKind == JsonValueKind.Array)
                            ReadQueryResponse(tables, path, line, ref record, sink, ctx, summary);
                        else if (root.TryGetProperty("events", out var events) && events.ValueKind == JsonValueKind.Array)
                            ReadEnvelope(events, path, line, ref record, sink, ctx, summary);
                        else
                            Count(JsonRecordMapper.Map(root, sink, ctx, out error), path, line, ++record, error, ctx, summary);
                    }
                    catch (InvalidOperationException)
                    {
                        // A property name System.Text.Json cannot decode (looking a property up decodes the names): the
                        // rows and events mapped one by one catch this themselves, so here it is the container's own.
                        Skip(path, line, ++record, JsonRecordMapper.NotText, ctx, summary);
                    }
                }
            }
            summary.TrailingCommas += splitter.TrailingCommas;
        }

        /// <summary>A Log Analytics query API response saved to a file: {"tables":[{"columns":[…],"rows":[[…]]}]}.</summary>
        private static void ReadQueryResponse(JsonElement tables, string path, long line, ref long record, IEventSink sink, ReadContext ctx, FileReadSummary summary)
        {
            foreach (var table in tables.EnumerateArray())
            {
                if (table.ValueKind != JsonValueKind.Object || !table.TryGetProperty("columns", out var columns) || columns.ValueKind != JsonValueKind.Array
                    || !table.TryGetProperty("rows", out var rows) || rows.ValueKind != JsonValueKind.Array)
                {
                    // A table whose shape is not {"columns":[…],"rows":[…]} cannot be read: said once, not dropped silently.
                    Skip(path, line, ++record, "a table of the query response is not an object with a \"columns\" array and a \"rows\" array", ctx, summary);
                    continue;
                }
                var names = new List<string?>(); // null for a column without a name
                foreach (var c in columns.EnumerateArray())
                    names.Add(c.ValueKind == JsonValueKind.Object && c.TryGetProperty("name", out var n) && JsonRecordMapper.TryGetString(n, out string name) ? name : null);
                foreach (var row in rows.EnumerateArray())
                {
                    ctx.Cancellation.ThrowIfCancellationRequested();
                    if (row.ValueKind != JsonValueKind.Array)
                    {
                        Skip(path, line, ++record, $"a row of the query response is {row.ValueKind}, not an array of values", ctx, summary);
                        continue;
                    }
                    var props = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
                    int i = 0;
                    foreach (var v in row.EnumerateArray())
                    {
                        if (i < names.Count && names[i] is string column && v.ValueKind != JsonValueKind.Null) props[column] = v;
                        i++;
                    }
                    Count(JsonRecordMapper.Map(props, TimeSpan.Zero, sink, ctx, out string? error), path, line, ++record, error, ctx, summary);
                }
            }
        }

        /// <summary>Records wrapped as {"events":[{"event":{"original":"&lt;record JSON&gt;"}}]} (a log shipper's test harness).</summary>
        private static void ReadEnvelope(JsonElement events, string path, long line, ref long record, IEventSink sink, ReadContext ctx, FileReadSummary summary)
        {
            foreach (var item in events.EnumerateArray())
            {
                ctx.Cancellation.ThrowIfCancellationRequested();
                record++;
                string? error;
                if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("event", out var ev) && ev.ValueKind == JsonValueKind.Object
                    && ev.TryGetProperty("original", out var original) && original.ValueKind == JsonValueKind.String)
                {
                    if (!JsonRecordMapper.TryGetString(original, out string text))
                    {
                        Skip(path, line, record, "event.original: " + JsonRecordMapper.NotText, ctx, summary);
                        continue;
                    }
                    try
                    {
                        using (var inner = JsonDocument.Parse(text))
                            Count(JsonRecordMapper.Map(inner.RootElement, sink, ctx, out error), path, line, record, error, ctx, summary);
                    }
                    catch (JsonException e)
                    {
                        Skip(path, line, record, JsonErrorText.NotValidIn("event.original", e), ctx, summary);
                    }
                    continue;
                }
                Count(JsonRecordMapper.Map(item, sink, ctx, out error), path, line, record, error, ctx, summary);
            }
        }

        private static void Count(JsonRecordKind kind, string path, long line, long record, string? error, ReadContext ctx, FileReadSummary summary)
        {
            switch (kind)
            {
                case JsonRecordKind.Proxy: summary.Records++; summary.ProxyEvents++; break;
                case JsonRecordKind.Sharing: summary.Records++; summary.SharingEvents++; break;
                case JsonRecordKind.Replay: summary.Records++; summary.Replays++; break;
                default: Skip(path, line, record, error, ctx, summary); break;
            }
        }

        private static void Skip(string path, long line, long record, string? error, ReadContext ctx, FileReadSummary summary)
        {
            summary.Records++;
            summary.Skipped++;
            ctx.Report(new ReadIssue(path, line, record, error ?? "the record cannot be read")); // the mappers say why; this only if one did not
        }

        private enum SniffResult { Empty, Binary, Json, Cef, Template, Text, KeyValue }

        /// <summary>
        /// A UTF-16 text (byte order mark FF FE or FE FF) as UTF-8, the mark skipped; any other stream as it is. The
        /// readers all read UTF-8 (a UTF-8 mark is theirs to skip).
        /// </summary>
        private static PeekableStream AsUtf8(PeekableStream stream)
        {
            byte[] head = stream.Peek(2);
            if (!Utf16ToUtf8Stream.IsByteOrderMark(head, out bool bigEndian)) return stream;
            stream.Read(new byte[2], 0, 2);
            return new PeekableStream(new Utf16ToUtf8Stream(stream, bigEndian));
        }

        // A file is refused as binary only when control bytes make more than this share of its first bytes: random or
        // compressed data has about 11 %, UTF-16 text without a mark about 50 %, while a stray NUL in a log costs only
        // the record it falls in (as it does past the first 4 KB), not the whole file; nor do a few in a tiny file.
        private const double BinaryShare = 0.05;

        private static SniffResult Sniff(byte[] head)
        {
            int i = 0;
            if (head.Length >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) i = 3;
            int control = 0;
            for (int j = i; j < head.Length; j++)
            {
                byte b = head[j];
                if (b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' && b != 0x1B) control++;
            }
            if (control >= 3 && control > (head.Length - i) * BinaryShare) return SniffResult.Binary;
            while (i < head.Length && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) i++;
            if (i >= head.Length) return SniffResult.Empty;

            // JSON records are JSON whatever their values hold: a Cloud NSS or audit record (JSON lines) whose user
            // name or URL contains "CEF:" or a placeholder-like "%s{login}" is data, not a CEF feed or a feed template.
            // (No CEF line opens with '{' or '['; Zscaler's Cloud NSS template opens with an escaped "\{".)
            if (LooksLikeJson(head, i)) return SniffResult.Json;
            int nl = Array.IndexOf(head, (byte)'\n', i);
            string firstLine = Encoding.UTF8.GetString(head, i, (nl < 0 ? head.Length : nl) - i);
            // LEEF before CEF: a LEEF record's values may hold "CEF:", never the other way round.
            if (NssKeyValueReader.LooksLikeOne(firstLine)) return NssCefReader.IsTemplate(firstLine) ? SniffResult.Template : SniffResult.KeyValue;
            // A CEF file reports template lines one by one (there may be real records after them).
            if (NssCefReader.LooksLikeCef(firstLine)) return SniffResult.Cef;
            if (NssCefReader.IsTemplate(firstLine)) return SniffResult.Template;
            if (head[i] == '[' || head[i] == '{') return SniffResult.Json;
            // A syslog file may open with a message that is not CEF (a receiver's restart notice): when the first
            // line is syslog-framed and a later one is CEF, read it as CEF, so that line alone is reported.
            if (SyslogFramed.IsMatch(firstLine) && NssCefReader.LooksLikeCef(Encoding.UTF8.GetString(head, i, head.Length - i)))
                return SniffResult.Cef;
            return SniffResult.Text;
        }

        /// <summary>An object, or an array whose first element is an object or array (or that is empty).</summary>
        private static bool LooksLikeJson(byte[] head, int i)
        {
            if (head[i] == '{') return true;
            if (head[i] != '[') return false;
            int j = i + 1;
            while (j < head.Length && (head[j] == ' ' || head[j] == '\t' || head[j] == '\r' || head[j] == '\n')) j++;
            return j >= head.Length || head[j] == '{' || head[j] == '[' || head[j] == ']';
        }

        // "<134>…", "Jun 11 02:52:44 …" (RFC 3164), "2024-06-11T02:52:44… " (RFC 5424 / rsyslog file format).
        private static readonly System.Text.RegularExpressions.Regex SyslogFramed = new System.Text.RegularExpressions.Regex(
            @"^(<\d{1,3}>|[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} |\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\S* )",
            System.Text.RegularExpressions.RegexOptions.CultureInvariant);
    }
}
