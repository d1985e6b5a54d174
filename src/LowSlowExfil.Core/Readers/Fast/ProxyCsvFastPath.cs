using System;
using System.IO;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// The hot path for the common case: a CommonSecurityLog export whose header is one plain line, read into
    /// a sink that judges for itself (<see cref="IJudgedSink"/>) by <see cref="ProxyCsvScanner"/> (on every core for a large plain file); anything else is
    /// left to <see cref="LogAnalyticsCsvReader.Read"/>.
    /// </summary>
    internal static class ProxyCsvFastPath
    {
        internal const int HeaderPeekBytes = 256 * 1024;

        /// <summary>
        /// The header of a CommonSecurityLog export the byte-level path can read (a plain first line of known
        /// columns), with its length in bytes; null for anything else, which the general reader takes.
        /// </summary>
        internal static ExportHeader? ProxyHeader(byte[] head, ReadContext ctx, out int headerBytes)
        {
            headerBytes = 0;
            int bom = head.Length >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF ? 3 : 0;
            int nl = Array.IndexOf(head, (byte)'\n', bom);
            if (nl < 0 || Array.IndexOf(head, (byte)'"', bom, nl - bom) >= 0) return null; // no plain header line
            if (nl - bom > ctx.MaxRecordChars) return null; // a header that may pass the record cap: the general reader says so
            string line = Utf8Cache.Decode(new ReadOnlySpan<byte>(head, bom, nl - bom));
            if (line.EndsWith("\r", StringComparison.Ordinal)) line = line.Substring(0, line.Length - 1);
            if (line.Length == 0 || line.IndexOf('\r') >= 0) return null;
            var header = ExportHeader.Map(line.Split(','), out _);
            if (header == null || header.Format != LogFormat.CommonSecurityLogCsv) return null; // null: a header the general reader explains
            headerBytes = nl + 1;
            return header;
        }

        /// <summary>Returns false (having consumed nothing) when the file is not such an export.</summary>
        public static bool TryReadProxyFast(PeekableStream stream, string file, bool plainFile, IJudgedSink sink, ReadContext ctx, FileReadSummary summary)
        {
            var header = ProxyHeader(stream.Peek(HeaderPeekBytes), ctx, out int headerBytes);
            if (header == null) return false;

            summary.Format = header.Format;
            if (plainFile && ctx.MaxDegreeOfParallelism > 1 && new FileInfo(file).Length >= ctx.ParallelMinimumBytes)
            {
                ParallelProxyCsvReader.Read(file, header, headerBytes, sink, ctx, summary, ctx.MaxDegreeOfParallelism);
                return true;
            }
            var skip = new byte[headerBytes];
            for (int got = 0; got < headerBytes;)
            {
                int n = stream.Read(skip, got, headerBytes - got);
                if (n <= 0) throw new EndOfStreamException();
                got += n;
            }
            ScanProxyRows(stream, headerBytes, file, header, sink, ctx, summary);
            return true;
        }

        /// <summary>
        /// The rows of a CommonSecurityLog export on one thread, <paramref name="stream"/> positioned just past the header:
        /// ProxyCsvScanner, and the general reader from a record the scanner hands over (one that may pass the record cap).
        /// </summary>
        internal static void ScanProxyRows(Stream stream, long headerBytes, string file, ExportHeader header, IJudgedSink sink, ReadContext ctx, FileReadSummary summary)
        {
            var scanner = new ProxyCsvScanner(sink.Uploads, header.FieldCount, header.ProxyColumns(), header.TimeOffset, file, ctx, i => ctx.Report(i.ToIssue()));
            scanner.Run(stream, headerBytes, long.MaxValue, firstLine: 2, firstRecord: 0);
            summary.Records += scanner.Records;
            summary.Skipped += scanner.Skipped;
            summary.ShortRows += scanner.ShortRows;
            summary.ProxyEvents += scanner.ProxyEvents;
            if (!scanner.HandedOver) return;
            using (var rest = new StreamReader(new PrefixedStream(scanner.HandOverBytes, stream), new System.Text.UTF8Encoding(false, false),
                       detectEncodingFromByteOrderMarks: false, bufferSize: 64 * 1024, leaveOpen: true))
            {
                var csv = new CsvRecordReader(rest, ctx.MaxRecordChars, scanner.HandOverLine);
                long record = scanner.HandOverRecord;
                LogAnalyticsCsvReader.ReadProxyRows(csv, file, header, sink, ctx, summary, ref record);
            }
        }
    }
}
