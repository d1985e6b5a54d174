using System;
using System.Buffers;
using System.IO;
using System.Runtime.CompilerServices;
using LowSlowExfil.Aggregation;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// The hot path for CommonSecurityLog CSV exports: parses records straight from UTF-8 bytes, touches only
    /// the six columns the rule reads, and classifies each row with the rule's own predicates, evaluated once
    /// per distinct vendor, action, user and host (<see cref="Utf8Cache"/>). Rows the rule leaves out cost no
    /// allocation. It follows <see cref="CsvRecordReader"/> and <see cref="LogAnalyticsCsvReader"/> exactly —
    /// same records, same fields, same issues — and tests hold the two to that.
    /// Runs over a whole stream or, for parallel reads, from one record boundary to the first record end at or
    /// after a stop offset.
    /// </summary>
    internal sealed class ProxyCsvScanner
    {
        private const byte Comma = (byte)',', Quote = (byte)'"', Lf = (byte)'\n', Cr = (byte)'\r';
        private const int TimeSlot = 0, VendorSlot = 1, ActionSlot = 2, UserSlot = 3, HostSlot = 4, SentSlot = 5, Slots = 6;

        private readonly ZiaAccumulator _acc;
        private readonly int _headerFields;
        private readonly int[] _slotOfColumn;
        private readonly int[] _columnOfSlot;
        private readonly int[] _nextReadColumn; // per column: the first column at or after it that is read
        private readonly TimeSpan _offset;
        private readonly int _maxRecord;
        private readonly string _file;
        private readonly Action<ScanIssue> _report;
        private readonly System.Threading.CancellationToken _cancel;
        private readonly Utf8Cache _vendors = new Utf8Cache(), _actions = new Utf8Cache(), _users = new Utf8Cache(), _hosts = new Utf8Cache();
        private readonly UploadFilter _filter;
        private readonly Func<string, int> _none = _ => 0;

        // Per record: where each needed field lies (start, length) and whether it must be unescaped.
        private readonly int[] _start = new int[Slots], _length = new int[Slots];
        private readonly bool[] _escaped = new bool[Slots];
        // Records are split on 64-byte masks where vectors are accelerated (ParseRecordByBlocks), else field by field.
        private readonly bool _blocks;
        // One scratch buffer per slot: a row's unescaped user must survive its host being unescaped after it.
        private readonly byte[][] _scratch = { new byte[64], new byte[64], new byte[64], new byte[64], new byte[64], new byte[64] };
        private Utf8Parse.DayCache _days;

        public ProxyCsvScanner(ZiaAccumulator acc, int headerFields, int[] columns, TimeSpan offset, string file, ReadContext ctx, Action<ScanIssue> report)
        {
            _acc = acc;
            _headerFields = headerFields;
            _slotOfColumn = new int[headerFields];
            for (int i = 0; i < headerFields; i++) _slotOfColumn[i] = -1;
            for (int s = 0; s < Slots; s++) _slotOfColumn[columns[s]] = s;
            _columnOfSlot = (int[])columns.Clone();
            // The first column is read too: a record of one empty field is a blank line.
            _nextReadColumn = new int[headerFields + 1];
            _nextReadColumn[headerFields] = int.MaxValue;
            for (int i = headerFields - 1; i >= 0; i--) _nextReadColumn[i] = _slotOfColumn[i] >= 0 || i == 0 ? i : _nextReadColumn[i + 1];
            _offset = offset;
            _maxRecord = ctx.MaxRecordChars;
            _file = file;
            _report = report;
            _cancel = ctx.Cancellation;
            _blocks = FastPath.SplitsCsvByBlocks(ctx);
            _filter = acc.Filter;
        }

        public long Records { get; private set; }
        public long Skipped { get; private set; }
        /// <summary>Rows with fewer fields than the header, read with the missing fields empty (as CsvRecordReader's reader does).</summary>
        public long ShortRows { get; private set; }
        public long ProxyEvents { get; private set; }
        /// <summary>Physical lines consumed (so a later chunk knows its first line number).</summary>
        public long Lines { get; private set; }
        /// <summary>Absolute offset just past the last record read.</summary>
        public long End { get; private set; }

        /// <summary>
        /// Reads records from <paramref name="stream"/>, positioned at a record start at absolute offset
        /// <paramref name="offset"/>, until end of data or the first record ending at or after <paramref name="stopAt"/>.
        /// </summary>
        public void Run(Stream stream, long offset, long stopAt, long firstLine, long firstRecord)
        {
            // Pooled: a parallel read runs a scanner per range, and a fresh megabyte each (large-object heap) would
            // bring on full collections of the host's whole heap.
            byte[] pooled = ArrayPool<byte>.Shared.Rent(BufferBytes);
            try
            {
                Scan(stream, pooled, offset, stopAt, firstLine, firstRecord);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(pooled);
            }
        }

        private const int BufferBytes = 1 << 20;

        [MethodImpl(HotPath.Optimized)]
        private void Scan(Stream stream, byte[] buf, long offset, long stopAt, long firstLine, long firstRecord)
        {
            int pos = 0, len = 0;
            bool eof = false;
            long line = firstLine, record = firstRecord, consumedBase = offset;
            End = offset;
            while (true)
            {
                if (pos >= len && eof) break;
                int fieldCount = 0, newlines = 0, quoteLine = 0;
                bool blank = false;
                int status = pos >= len ? 0
                    : _blocks && len - pos >= CsvBlocks.Size ? ParseRecordByBlocks(buf, pos, len, out fieldCount, out newlines, out blank) : -1;
                if (status < 0) status = ParseRecord(buf, pos, len, eof, out fieldCount, out newlines, out quoteLine, out blank);
                if (status == 0)
                {
                    if (eof) break; // nothing left
                    // Need more bytes: keep the partial record at the front, grow up to the record cap.
                    if (pos > 0)
                    {
                        Buffer.BlockCopy(buf, pos, buf, 0, len - pos);
                        consumedBase += pos;
                        len -= pos;
                        pos = 0;
                    }
                    if (len == buf.Length)
                    {
                        if (len > _maxRecord)
                        {
                            // A record longer than the cap, not even ended yet: the general reader takes over from it.
                            HandOver(buf, 0, len, consumedBase, line, record, firstLine);
                            return;
                        }
                        Array.Resize(ref buf, Math.Min(buf.Length * 2, Math.Max(_maxRecord + 2, buf.Length)));
                    }
                    int read = stream.Read(buf, len, buf.Length - len);
                    if (read <= 0) eof = true;
                    else len += read;
                    continue;
                }

                int recordBytes = status - pos;
                if (recordBytes > _maxRecord)
                {
                    // It may be over CsvRecordReader's cap (which counts the characters of the fields, never more than
                    // these bytes), and that reader resynchronises on the next line break wherever the cap is passed,
                    // inside a quoted field or not. Rather than imitate that, the general reader takes over from this
                    // record: the same issues and records by construction, and a record this long is rare.
                    HandOver(buf, pos, len, consumedBase, line, record, firstLine);
                    return;
                }
                pos = status;
                long recordLine = line;
                line += newlines;
                if (fieldCount < 0)
                {
                    // Unterminated quote at the end of the data.
                    record++;
                    Records++;
                    Issue(recordLine, record, "unterminated quoted field (opened on line {0}) at end of file", quoteLine + recordLine);
                }
                else if (!blank)
                {
                    record++;
                    Records++;
                    if ((record & 0xFFF) == 0) _cancel.ThrowIfCancellationRequested();
                    if (fieldCount > _headerFields) Issue(recordLine, record, $"has {fieldCount} fields where the header has {_headerFields}");
                    else
                    {
                        if (fieldCount < _headerFields) ClearMissing(fieldCount);
                        Process(buf, recordLine, record);
                    }
                }
                End = consumedBase + pos;
                if (End >= stopAt) break;
            }
            Lines = line - firstLine;
        }

        /// <summary>A short row: the fields the rule reads past its end are empty (the block parse left them as they were).</summary>
        private void ClearMissing(int fieldCount)
        {
            ShortRows++;
            for (int s = 0; s < Slots; s++)
            {
                if (_columnOfSlot[s] < fieldCount) continue;
                _length[s] = 0;
                _escaped[s] = false;
            }
        }

        [MethodImpl(HotPath.Optimized)]
        private void Process(byte[] buf, long line, long record)
        {
            // TimeGenerated, then SentBytes, are checked on every row, as the general reader does.
            var timeBytes = Field(buf, TimeSlot);
            DateTime time;
            if (!Utf8Parse.TryExportTimestamp(timeBytes, _offset, ref _days, out time))
            {
                string t = Utf8Cache.Decode(timeBytes);
                if (!Timestamps.TryParse(t, _offset, out time))
                {
                    Issue(line, record, $"TimeGenerated '{LogAnalyticsCsvReader.Clip(t)}' is not a timestamp");
                    return;
                }
            }
            var sentBytes = Field(buf, SentSlot);
            long? sent;
            if (Utf8Parse.TryLong(sentBytes, out long s)) sent = s;
            else
            {
                string text = Utf8Cache.Decode(sentBytes);
                if (!ExportSchema.TryParseLong(text, out sent))
                {
                    Issue(line, record, $"SentBytes '{LogAnalyticsCsvReader.Clip(text)}' is not a whole number");
                    return;
                }
            }
            string? problem = ExportSchema.SentBytesProblem(sent);
            if (problem != null)
            {
                Issue(line, record, $"SentBytes {sent} {problem}");
                return;
            }
            ProxyEvents++;

            // The rule's filters (UploadFilter), each verdict cached per distinct value.
            _acc.Seen(time);
            var row = new Row(this, buf, time);
            var d = _filter.Classify(ref row);
            if (d != ProxyDisposition.Counted) { _acc.CountRejected(d); return; }
            _acc.AddCounted(time, _users.Get(Field(buf, UserSlot), _none, out _), row.Host!, sent); // counted: HostMatches decoded it
        }

        /// <summary>The record being read as the filter sees it: each field decoded (through its cache) only when asked.</summary>
        private struct Row : IUploadEvent
        {
            private readonly ProxyCsvScanner _scanner;
            private readonly byte[] _buf;

            public Row(ProxyCsvScanner scanner, byte[] buf, DateTime time)
            {
                _scanner = scanner;
                _buf = buf;
                Time = time;
                Host = null;
            }

            public DateTime Time { get; }
            /// <summary>The destination host, once <see cref="HostMatches"/> has decoded it.</summary>
            public string? Host { get; private set; }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public int VendorOk(UploadFilter filter)
            {
                _scanner._vendors.Get(_scanner.Field(_buf, VendorSlot), filter.VendorVerdict, out int ok);
                return ok;
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public int ActionBlocked(UploadFilter filter)
            {
                _scanner._actions.Get(_scanner.Field(_buf, ActionSlot), filter.ActionVerdict, out int blocked);
                return blocked;
            }

            public bool HasUser
            {
                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                get => !_scanner.Field(_buf, UserSlot).IsEmpty;
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public int HostMatches(UploadFilter filter)
            {
                Host = _scanner._hosts.Get(_scanner.Field(_buf, HostSlot), filter.HostVerdict, out int matches);
                return matches;
            }
        }

        /// <summary>
        /// True when the scan stopped at a record that may exceed the record cap: the rest, from <see cref="HandOverOffset"/>
        /// (its first bytes in <see cref="HandOverBytes"/>, the others still in the stream), is for the general CSV reader,
        /// starting at line <see cref="HandOverLine"/> after <see cref="HandOverRecord"/> records (relative to the scan's start).
        /// </summary>
        public bool HandedOver { get; private set; }
        public long HandOverOffset { get; private set; }
        public long HandOverLine { get; private set; }
        public long HandOverRecord { get; private set; }
        public byte[] HandOverBytes { get; private set; } = Array.Empty<byte>();

        private void HandOver(byte[] buf, int from, int len, long consumedBase, long line, long record, long firstLine)
        {
            HandedOver = true;
            HandOverOffset = consumedBase + from;
            HandOverLine = line;
            HandOverRecord = record;
            HandOverBytes = new byte[len - from];
            Buffer.BlockCopy(buf, from, HandOverBytes, 0, len - from);
            End = HandOverOffset;
            Lines = line - firstLine;
        }

        /// <summary>A needed field's bytes, unescaped into scratch space when it was quoted with "" or trailing text.</summary>
        [MethodImpl(HotPath.Optimized)]
        private ReadOnlySpan<byte> Field(byte[] buf, int slot)
        {
            if (!_escaped[slot]) return new ReadOnlySpan<byte>(buf, _start[slot], _length[slot]);
            // Quoted: start points at the opening quote; rebuild the value as CsvRecordReader does.
            int start = _start[slot], end = start + _length[slot], n = 0;
            byte[] scratch = _scratch[slot];
            if (scratch.Length < _length[slot]) _scratch[slot] = scratch = new byte[_length[slot] * 2];
            int i = start + 1;
            bool inQuotes = true;
            for (; i < end; i++)
            {
                byte c = buf[i];
                if (inQuotes && c == Quote)
                {
                    if (i + 1 < end && buf[i + 1] == Quote) { scratch[n++] = Quote; i++; }
                    else inQuotes = false;
                    continue;
                }
                scratch[n++] = c;
            }
            return new ReadOnlySpan<byte>(scratch, 0, n);
        }

        /// <summary>
        /// Parses one record at <paramref name="p"/> from 64-byte masks (<see cref="CsvBlocks"/>): quotes toggle a
        /// running parity, delimiters outside quotes end fields. Returns the index just past the record, or -1 when
        /// <see cref="ParseRecord"/> must decide: the record runs into the buffer's last 64 bytes, or a quote is not
        /// where plain CSV puts one (opening a field, closing it, or doubled inside it), where that reader's rules for
        /// stray quotes apply. Only records it can read exactly as <see cref="ParseRecord"/> does are read here.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private unsafe int ParseRecordByBlocks(byte[] b, int p, int len, out int fieldCount, out int newlines, out bool blank)
        {
            fieldCount = 0;
            newlines = 0;
            blank = false;
            // No slots to clear: Process runs only for a record with the header's field count, and then SetField set every slot.
            int[] slotOfColumn = _slotOfColumn, nextReadColumn = _nextReadColumn;
            int field = 0, columns = slotOfColumn.Length, lines = 0, nextRead = 0;
            // The delimiter before the current field: the highest bit of lastEnds, in the block at lastEndsAt. Turned
            // into an offset only for the fields the rule reads. The record starts as if after a delimiter at p - 1.
            int lastEndsAt = p - 1;
            ulong lastEnds = 1;
            ulong inQuotesCarry = 0, afterDelimiterCarry = 1, afterCloseCarry = 0;
            fixed (byte* bytes = b)
            {
                for (int at = p; at <= len - CsvBlocks.Size; at += CsvBlocks.Size)
                {
                    CsvBlocks.Classify(bytes + at, out ulong quotes, out ulong delimiters, out ulong breaks, out ulong lineFeeds);
                    ulong inQuotes = inQuotesCarry, ends;
                    if (quotes == 0)
                    {
                        ends = delimiters & ~inQuotes;
                        afterCloseCarry = 0;
                    }
                    else
                    {
                        inQuotes ^= CsvBlocks.PrefixXor(quotes);
                        inQuotesCarry = 0 - (inQuotes >> 63);
                        ends = delimiters & ~inQuotes;
                        // Parity reads quotes as the field-by-field parse does as long as every quote that opens either
                        // starts a field (right after a delimiter) or doubles a quote (right after a closing one). A quote
                        // anywhere else (ab"c) is a literal there: the general rules decide. Text after a closing quote
                        // ("x"tail) needs no check: Field() rebuilds such a value from its raw span.
                        ulong opens = quotes & inQuotes, closes = quotes & ~inQuotes;
                        if ((opens & ~((ends << 1) | afterDelimiterCarry | (closes << 1) | afterCloseCarry)) != 0) return -1;
                        afterCloseCarry = closes >> 63;
                    }
                    afterDelimiterCarry = ends >> 63;
                    if (lineFeeds != 0) lines += CsvBlocks.PopCount(lineFeeds & inQuotes); // quoted line feeds, to the block end (corrected below)
                    if (ends == 0) continue;
                    ulong recordEnd = breaks & ends;
                    recordEnd &= 0 - recordEnd; // the first line break outside quotes, if the record ends in this block
                    if (recordEnd == 0)
                    {
                        // When none of the fields this block ends is one the rule reads, count them and move on.
                        int count = CsvBlocks.PopCount(ends);
                        if (field + count <= nextRead)
                        {
                            field += count;
                            lastEndsAt = at;
                            lastEnds = ends;
                            continue;
                        }
                    }
                    else ends &= (recordEnd << 1) - 1; // this record's delimiters only (all bits when the end is bit 63)
                    do
                    {
                        ulong delimiter = ends & (0 - ends);
                        ends ^= delimiter;
                        if (field == nextRead)
                        {
                            int start = lastEndsAt + CsvBlocks.HighestBit(lastEnds) + 1, end = at + CsvBlocks.LowestBit(delimiter);
                            if (field < columns)
                            {
                                if (slotOfColumn[field] >= 0) SetField(bytes, slotOfColumn[field], start, end);
                                nextRead = nextReadColumn[field + 1];
                            }
                            // A record of one empty field ("" counts as empty) is a blank line, skipped like CsvRecordReader.IsBlank.
                            if (field == 0) blank = end == start || (end - start == 2 && bytes[start] == Quote);
                        }
                        field++;
                        lastEndsAt = at;
                        lastEnds = delimiter;
                    }
                    while (ends != 0);
                    if (recordEnd == 0) continue;

                    // The record ends: take back the quoted line feeds counted past it, add the line break itself.
                    int bit = CsvBlocks.LowestBit(recordEnd), last = at + bit;
                    if (lineFeeds != 0 && bit < 63) lines -= CsvBlocks.PopCount(lineFeeds & inQuotes & (ulong.MaxValue << (bit + 1)));
                    newlines = lines + 1;
                    fieldCount = field;
                    blank = blank && field == 1;
                    if (bytes[last] == Cr)
                    {
                        if (last + 1 >= len) return -1; // whether an LF follows is not known yet
                        if (bytes[last + 1] == Lf) return last + 2;
                    }
                    return last + 1;
                }
            }
            return -1;
        }

        /// <summary>Notes where a field the rule reads lies, for a record <see cref="ParseRecordByBlocks"/> parsed.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private unsafe void SetField(byte* b, int slot, int start, int end)
        {
            if (end > start && b[start] == Quote)
            {
                // Quoted, and parity put the closing quote last unless text follows it: strip both quotes unless a
                // quote inside needs rebuilding (a doubled one, or text after the closing one), which Field() does.
                if (end - start > 2 && HasQuote(b + start + 1, end - start - 2))
                {
                    _start[slot] = start;
                    _length[slot] = end - start;
                    _escaped[slot] = true;
                    return;
                }
                _start[slot] = start + 1;
                _length[slot] = end - start - 2;
                _escaped[slot] = false;
                return;
            }
            _start[slot] = start;
            _length[slot] = end - start;
            _escaped[slot] = false;
        }

        /// <summary>
        /// Whether a quote lies in the <paramref name="n"/> bytes at <paramref name="p"/>: eight bytes a step with a
        /// zero-byte test, inline, as the fields asked about are short (a quoted timestamp) and a library search pays
        /// a call for each.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe bool HasQuote(byte* p, int n)
        {
            const ulong Ones = 0x0101010101010101UL, Highs = 0x8080808080808080UL, Quotes = Ones * Quote;
            int i = 0;
            for (; i + 8 <= n; i += 8)
            {
                ulong x = Unsafe.ReadUnaligned<ulong>(p + i) ^ Quotes;
                if (((x - Ones) & ~x & Highs) != 0) return true;
            }
            for (; i < n; i++)
                if (p[i] == Quote) return true;
            return false;
        }

        /// <summary>
        /// Parses one record at <paramref name="p"/>. Returns the index just past it, or 0 when the buffer ends
        /// first and more data may come. <paramref name="fieldCount"/> is -1 for a quote left open at the end of data.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private int ParseRecord(byte[] b, int p, int len, bool final, out int fieldCount, out int newlines, out int quoteLine, out bool blank)
        {
            fieldCount = 0;
            newlines = 0;
            quoteLine = 0;
            blank = false;
            bool firstEmpty = false; // a record of one empty field is a blank line, skipped like CsvRecordReader.IsBlank
            for (int s = 0; s < Slots; s++) { _length[s] = 0; _escaped[s] = false; }
            int field = 0;
            while (true)
            {
                int slot = field < _slotOfColumn.Length ? _slotOfColumn[field] : -1;
                int valueStart = p, end;
                bool escaped = false;
                if (p < len && b[p] == Quote)
                {
                    // Quoted field: up to the closing quote ("" is a quote), then any text up to the delimiter.
                    int lineInRecord = newlines;
                    int q = p + 1;
                    while (true)
                    {
                        int rel = new ReadOnlySpan<byte>(b, q, len - q).IndexOf(Quote);
                        if (rel < 0)
                        {
                            if (!final) return 0;
                            newlines += CountLf(b, q, len);
                            fieldCount = -1;
                            quoteLine = lineInRecord;
                            return len;
                        }
                        int at = q + rel;
                        newlines += CountLf(b, q, at);
                        if (at + 1 >= len && !final) return 0;
                        if (at + 1 < len && b[at + 1] == Quote)
                        {
                            escaped = true;
                            q = at + 2;
                            continue;
                        }
                        q = at + 1;
                        break;
                    }
                    int rest = new ReadOnlySpan<byte>(b, q, len - q).IndexOfAny(Comma, Lf, Cr);
                    if (rest < 0 && !final) return 0;
                    end = rest < 0 ? len : q + rest;
                    // Strip the quotes when nothing needs rebuilding; otherwise keep the raw span for Field().
                    if (!escaped && end == q)
                    {
                        valueStart = p + 1;
                        if (slot >= 0) { _start[slot] = valueStart; _length[slot] = q - 1 - valueStart; }
                    }
                    else if (slot >= 0)
                    {
                        _start[slot] = p;
                        _length[slot] = end - p;
                        _escaped[slot] = true;
                    }
                    if (field == 0) firstEmpty = !escaped && end == q && q - 1 - (p + 1) == 0;
                }
                else
                {
                    int rel = p < len ? new ReadOnlySpan<byte>(b, p, len - p).IndexOfAny(Comma, Lf, Cr) : -1;
                    if (rel < 0 && !final) return 0;
                    end = rel < 0 ? len : p + rel;
                    if (slot >= 0) { _start[slot] = p; _length[slot] = end - p; }
                    if (field == 0) firstEmpty = end == p;
                }
                field++;
                if (end >= len)
                {
                    fieldCount = field;
                    blank = field == 1 && firstEmpty;
                    return len; // end of data ends the record
                }
                byte d = b[end];
                if (d == Comma)
                {
                    p = end + 1;
                    continue;
                }
                fieldCount = field;
                blank = field == 1 && firstEmpty;
                newlines++;
                if (d == Cr)
                {
                    if (end + 1 >= len && !final) return 0;
                    if (end + 1 < len && b[end + 1] == Lf) return end + 2;
                }
                return end + 1;
            }
        }

        [MethodImpl(HotPath.Optimized)]
        private static int CountLf(byte[] b, int from, int to)
        {
            int n = 0;
            while (from < to)
            {
                int rel = new ReadOnlySpan<byte>(b, from, to - from).IndexOf(Lf);
                if (rel < 0) break;
                n++;
                from += rel + 1;
            }
            return n;
        }

        /// <summary><paramref name="openedOn"/>: a line the reason names (as {0}); lines are relative to the scan's first line.</summary>
        private void Issue(long line, long record, string reason, long openedOn = -1)
        {
            Skipped++;
            _report(new ScanIssue(_file, line, record, reason, openedOn));
        }
    }
}
