using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LowSlowExfil.Aggregation;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Reads one large CommonSecurityLog CSV on every core: the file is cut into byte ranges, each worker starts
    /// at the first line break after its cut, reads into its own accumulator and stops at the first record end
    /// at or after the next cut. A cut inside a quoted multi-line cell shows up as a mismatch (the previous worker
    /// ends past where the next one started); that range is read again from the true boundary. The accumulators
    /// then merge (sums, counts, minima and maxima), so the result equals a single-threaded read. Issues are
    /// kept per range and reported in file order with absolute line and record numbers, on the calling thread.
    /// </summary>
    internal static class ParallelProxyCsvReader
    {
        private const int RangesPerWorker = 4;

        private sealed class Range
        {
            public long Start, Stop;
            public ZiaAccumulator? Acc;
            public ProxyCsvScanner? Scanner; // null: nothing left to read in this range
            // The range's first issues, as many as the file may report one by one; the rest only counted by kind, so a
            // range of millions of bad lines holds no more than that (issues are told in file order, after all ranges).
            public List<ScanIssue> Issues = new List<ScanIssue>();
            public UnshownIssues Unshown = new UnshownIssues();
            public int Keep;
            public long BytesDone;

            public void Add(ScanIssue issue)
            {
                if (Issues.Count < Keep) Issues.Add(issue);
                else Unshown.Add(issue.ToIssue().Reason);
            }
            public long End => Scanner?.End ?? Start;
        }

        public static void Read(string path, ExportHeader header, long headerBytes, IJudgedSink target, ReadContext ctx, FileReadSummary summary, int workers)
        {
            long length = new FileInfo(path).Length;
            // Ranges of at least half the parallel threshold (cutting finer costs more than it saves), a few per
            // worker: a worker that is slowed down (a busy machine) leaves its next range to the others.
            long most = Math.Max(1, (length - headerBytes) / Math.Max(1, ctx.ParallelMinimumBytes / 2));
            workers = (int)Math.Min(workers, most);
            int count = (int)Math.Max(1, Math.Min(workers * RangesPerWorker, most));
            var ranges = new Range[count];
            long span = (length - headerBytes) / count;
            for (int i = 0; i < count; i++)
                ranges[i] = new Range { Start = headerBytes + span * i, Stop = i == count - 1 ? long.MaxValue : headerBytes + span * (i + 1) };

            summary.Threads = workers;
            int next = -1;
            var tasks = Enumerable.Range(0, Math.Max(1, workers)).Select(_ => Task.Run(() =>
            {
                for (int i; (i = Interlocked.Increment(ref next)) < ranges.Length && !ctx.Cancellation.IsCancellationRequested;)
                    Scan(path, header, ranges[i], startsAtBoundary: i == 0, target.Uploads.Options, ctx);
            })).ToArray();
            Wait(tasks, ranges, path, length, ctx);
            ctx.Cancellation.ThrowIfCancellationRequested();

            // A worker whose cut fell inside a multi-line cell started mid-record and read garbage: read its
            // range again from where the previous range really ended (or drop it if that one read past it).
            for (int i = 1; i < ranges.Length; i++)
            {
                long boundary = ranges[i - 1].End;
                if (ranges[i].Start == boundary) continue;
                ranges[i].Start = boundary;
                if (boundary >= length || boundary >= ranges[i].Stop)
                {
                    ranges[i].Scanner = null;
                    ranges[i].Acc = null;
                    ranges[i].Issues.Clear();
                    ranges[i].Unshown.Clear();
                    continue;
                }
                int k = i;
                Wait(new[] { Task.Run(() => Scan(path, header, ranges[k], startsAtBoundary: true, target.Uploads.Options, ctx)) }, ranges, path, length, ctx);
            }

            // A range stopped at a record that may pass the record cap: such a file is read on one thread instead, where
            // the general reader takes over at that record (rare: the cap is 16 M characters).
            if (ranges.Any(r => r.Scanner != null && r.Scanner.HandedOver))
            {
                summary.Threads = 1;
                using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan))
                {
                    file.Position = headerBytes;
                    ProxyCsvFastPath.ScanProxyRows(file, headerBytes, path, header, target, ctx, summary);
                }
                return;
            }

            long line = 2, record = 0; // the header is line 1
            foreach (var r in ranges)
            {
                // A range with nothing left to read has neither (both are dropped together); Scan sets both.
                if (!(r.Scanner is ProxyCsvScanner scanner) || !(r.Acc is ZiaAccumulator acc)) continue;
                foreach (var issue in r.Issues) ctx.Report(issue.ToIssue(line, record));
                ctx.Issues?.CountUnshown(r.Unshown);
                line += scanner.Lines;
                record += scanner.Records;
                summary.Records += scanner.Records;
                summary.Skipped += scanner.Skipped;
                summary.ShortRows += scanner.ShortRows;
                summary.ProxyEvents += scanner.ProxyEvents;
                target.Uploads.Merge(acc);
            }
        }

        private static void Scan(string path, ExportHeader header, Range r, bool startsAtBoundary, Rule.HuntOptions options, ReadContext ctx)
        {
            r.Acc = new ZiaAccumulator(options);
            r.Issues = new List<ScanIssue>();
            r.Unshown = new UnshownIssues();
            r.Keep = ctx.Issues != null ? ctx.MaxIssuesPerFile : int.MaxValue;
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan))
            {
                long start = startsAtBoundary ? r.Start : LikelyRecordStart(file, r.Start, header.FieldCount);
                r.Start = start;
                file.Position = start;
                var counting = new CountingStream(new CancellableStream(file, ctx.Cancellation), n => Interlocked.Add(ref r.BytesDone, n));
                r.Scanner = new ProxyCsvScanner(r.Acc, header.FieldCount, header.ProxyColumns(), header.TimeOffset, path, ctx, r.Add);
                // Lines and records are counted from 0 here and made absolute when the ranges are put together.
                r.Scanner.Run(counting, start, r.Stop, firstLine: 0, firstRecord: 0);
            }
        }

        /// <summary>
        /// Where a record most likely starts at or after <paramref name="from"/>: the first line start from which the
        /// next few records each have the header's number of fields. A cut inside a multi-line quoted cell has line
        /// breaks after it that are not record ends; starting there would read the range with quotes inverted, and
        /// the check after the read would have it read again, on one thread. This guess only saves that; the check
        /// still decides. With no such line start in reach, the first line start.
        /// </summary>
        internal static long LikelyRecordStart(Stream file, long from, int fields)
        {
            const int Window = 256 * 1024, Records = 4;
            file.Position = from - 1; // a cut right after a line break is a line start
            var buf = ArrayPool<byte>.Shared.Rent(Window); // pooled for the same reason as the scanner's buffer
            try
            {
                int n = 0, read;
                while (n < Window && (read = file.Read(buf, n, Window - n)) > 0) n += read;
                bool final = n < Window;
                long first = -1;
                for (int i = 0; i < n; i++)
                {
                    if (buf[i] != (byte)'\n') continue;
                    if (first < 0) first = from + i;
                    if (HasRecords(buf, i + 1, n, final, fields, Records)) return from + i;
                }
                return first >= 0 ? first : final ? from - 1 + n : NextLineStart(file, from - 1 + n);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buf);
            }
        }

        /// <summary>The offset just after the first line break at or after <paramref name="from"/> (the end of the file if none).</summary>
        private static long NextLineStart(Stream file, long from)
        {
            file.Position = from;
            var buf = new byte[64 * 1024];
            long pos = from;
            int n;
            while ((n = file.Read(buf, 0, buf.Length)) > 0)
            {
                int nl = Array.IndexOf(buf, (byte)'\n', 0, n);
                if (nl >= 0) return pos + nl + 1;
                pos += n;
            }
            return pos;
        }

        /// <summary>True when <paramref name="count"/> records (or all up to the end of data) from <paramref name="p"/> have <paramref name="fields"/> fields.</summary>
        private static bool HasRecords(byte[] b, int p, int n, bool final, int fields, int count)
        {
            for (int r = 0; r < count; r++)
            {
                if (p >= n) return final;
                int field = 1;
                bool inQuotes = false, fieldStart = true;
                for (; p < n; p++)
                {
                    byte c = b[p];
                    if (inQuotes)
                    {
                        if (c == (byte)'"') inQuotes = false; // a doubled quote reopens on the next byte
                    }
                    else if (c == (byte)'"' && fieldStart) inQuotes = true;
                    else if (c == (byte)'"' && p > 0 && b[p - 1] == (byte)'"') inQuotes = true;
                    else if (c == (byte)',') { field++; fieldStart = true; continue; }
                    else if (c == (byte)'\n') break;
                    fieldStart = false;
                }
                if (p >= n) return final && field == fields;
                if (field != fields) return false;
                p++;
            }
            return true;
        }

        /// <summary>Waits on the calling thread, which alone may report progress to the host.</summary>
        private static void Wait(Task[] tasks, Range[] ranges, string path, long length, ReadContext ctx)
        {
            while (!Task.WaitAll(tasks, 250))
            {
                if (ctx.Cancellation.IsCancellationRequested) break;
                ctx.OnProgress?.Invoke(new ReadProgress(path, Math.Min(length, ranges.Sum(r => Interlocked.Read(ref r.BytesDone))), length));
            }
            try
            {
                Task.WaitAll(tasks);
            }
            catch (AggregateException e)
            {
                var inner = e.Flatten().InnerExceptions.First();
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(inner).Throw();
            }
        }

        /// <summary>Counts bytes read through it.</summary>
        private sealed class CountingStream : ReadOnlyStream
        {
            private readonly Stream _inner;
            private readonly Action<int> _add;

            public CountingStream(Stream inner, Action<int> add)
            {
                _inner = inner;
                _add = add;
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                int n = _inner.Read(buffer, offset, count);
                _add(n);
                return n;
            }

            public override long Length => _inner.Length;
            public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }
        }
    }
}
