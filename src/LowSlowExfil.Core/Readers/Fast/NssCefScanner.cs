using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// The hot path for NSS CEF feeds: reads lines as UTF-8 bytes and decodes only what the rule reads (the
    /// header's vendor and six extension values), with the vendor, action, user and host and their verdicts cached
    /// per distinct value (<see cref="Utf8Cache"/>). A line it cannot read exactly as <see cref="NssCefReader"/>
    /// does (no CEF header, a possible feed template, a broken header, an escaped vendor, a time or size it does not
    /// know) is decoded and read by that reader, and from a line over the record cap on, the rest of the file is: the
    /// same records, events and issues by construction. Tests and the cef fuzz target hold the two to it.
    /// </summary>
    internal sealed class NssCefScanner
    {
        internal const int BufferBytes = 1 << 20;
        private const byte Lf = (byte)'\n', Cr = (byte)'\r', Space = (byte)' ', Backslash = (byte)'\\', Bar = (byte)'|', EqualsSign = (byte)'=';
        // The extension values the rule reads (NssCefReader.Wanted), by slot.
        private const int Act = 0, Suser = 1, Dhost = 2, Out = 3, Rt = 4, ExternalId = 5, Slots = 6;
        private static readonly string[] SlotKeys = { "act", "suser", "dhost", "out", "rt", "externalId" };
        private static readonly byte[] CefMarker = { (byte)'C', (byte)'E', (byte)'F', (byte)':' };
        private static readonly byte[][] MonthNames = Array.ConvertAll(
            new[] { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" }, Encoding.ASCII.GetBytes);

        private struct Key
        {
            public byte[] Bytes;
            public int Slot; // -1: a feed key the rule does not read (it still ends the value before it)
        }

        // The feed's keys by first byte, matched in place.
        private static readonly Key[][] KeysByFirstByte = BuildKeyTable();

        private readonly string _file;
        private readonly IEventSink _sink;
        private readonly ReadContext _ctx;
        private readonly FileReadSummary _summary;
        private readonly int _maxChars;
        private readonly IJudgedSink? _judging; // a sink that judges for itself: verdicts cached per value
        private readonly Utf8Cache _vendors = new Utf8Cache(), _actions = new Utf8Cache(), _users = new Utf8Cache(), _hosts = new Utf8Cache();
        private readonly Func<string, int> _vendorOk, _actionBlocked, _hostMatches, _none = _ => -1;
        private readonly Dictionary<string, string> _fields = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly int[] _valueStart = new int[Slots], _valueEnd = new int[Slots];
        private long _line, _record, _templates;
        // A chunk of one feed read on every core (ParallelNssCefReader): lines are parsed into _chunk, not applied
        // (replays and issues follow file order there), and a line the text reader must take ends the chunk.
        private List<NssCefReader.ParsedLine>? _chunk;
        private bool _fileStart = true;

        private NssCefScanner(string file, IEventSink sink, ReadContext ctx, FileReadSummary summary)
        {
            _file = file;
            _sink = sink;
            _ctx = ctx;
            _summary = summary;
            _maxChars = ctx.MaxRecordChars;
            _judging = FastPath.JudgingSink(sink, ctx);
            if (_judging != null)
            {
                var filter = _judging.Uploads.Filter;
                _vendorOk = filter.VendorVerdict;
                _actionBlocked = filter.ActionVerdict;
                _hostMatches = filter.HostVerdict;
            }
            else _vendorOk = _actionBlocked = _hostMatches = _none;
        }

        /// <summary>A scanner that parses chunks of one feed for <see cref="ParallelNssCefReader"/> (one per worker: its caches last).</summary>
        internal static NssCefScanner ForChunks(string file, IEventSink sink, ReadContext ctx) => new NssCefScanner(file, sink, ctx, new FileReadSummary());

        /// <summary>Lines and records of the last chunk, counted from 0.</summary>
        internal long ChunkLines => _line;
        internal long ChunkRecords => _record;

        /// <summary>Where the last chunk stopped for the text reader (the start of the line it must read), or -1.</summary>
        internal long HandOverAt { get; private set; } = -1;
        internal bool HandOverAtFileStart { get; private set; }

        /// <summary>
        /// Parses the lines of <paramref name="stream"/> (a chunk from a line start; its Position is the file's) into
        /// <paramref name="into"/>, numbered from 0, as <see cref="Read"/> would parse them at that place in the file.
        /// </summary>
        internal void ReadChunk(Stream stream, byte[] buf, bool fileStart, List<NssCefReader.ParsedLine> into)
        {
            _chunk = into;
            _fileStart = fileStart;
            _line = _record = 0;
            HandOverAt = -1;
            Run(stream, buf);
        }

        /// <summary>
        /// Reads a CEF feed from <paramref name="stream"/> (UTF-8, as sniffed) as <see cref="NssCefReader.Read"/> reads
        /// its text. <paramref name="bufferBytes"/>: at least this much buffer (tests take a small one, to cross its edge).
        /// </summary>
        public static void Read(Stream stream, string file, IEventSink sink, ReadContext ctx, FileReadSummary summary, int bufferBytes = BufferBytes)
        {
            summary.Format = LogFormat.NssCef;
            var scanner = new NssCefScanner(file, sink, ctx, summary);
            // Pooled: a fresh megabyte per file would land on the large-object heap (see ProxyCsvScanner.Run).
            byte[] buf = ArrayPool<byte>.Shared.Rent(bufferBytes);
            try
            {
                scanner.Run(stream, buf);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buf);
            }
            NssCefReader.SetNotice(summary, scanner._templates);
        }

        [MethodImpl(HotPath.Optimized)]
        private void Run(Stream stream, byte[] buf)
        {
            int pos = 0, len = 0, read;
            while (len < 3 && (read = stream.Read(buf, len, buf.Length - len)) > 0) len += read;
            bool eof = len == 0;
            // The text reader takes a UTF-16 byte order mark as the file's encoding: such a file is its to read.
            if (_fileStart && len >= 2 && ((buf[0] == 0xFE && buf[1] == 0xFF) || (buf[0] == 0xFF && buf[1] == 0xFE)))
            {
                HandOver(stream, buf, 0, len, fileStart: true);
                return;
            }
            if (_fileStart && len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF) pos = 3; // the UTF-8 one is dropped, as there
            var cancel = _ctx.Cancellation;
            while (true)
            {
                int nl = pos < len ? new ReadOnlySpan<byte>(buf, pos, len - pos).IndexOf(Lf) : -1;
                if (nl < 0)
                {
                    if (!eof)
                    {
                        // Keep the partial line at the front and read on; a line the buffer cannot hold is over any
                        // sensible record cap, and the text reader measures it in characters as it must.
                        if (pos > 0)
                        {
                            Buffer.BlockCopy(buf, pos, buf, 0, len - pos);
                            len -= pos;
                            pos = 0;
                        }
                        if (len == buf.Length)
                        {
                            HandOver(stream, buf, 0, len, fileStart: false);
                            return;
                        }
                        // One read at a time: should the stream fail (a cut gzip member), every line before is counted,
                        // as the text reader counts it.
                        read = stream.Read(buf, len, buf.Length - len);
                        if (read <= 0) eof = true;
                        else len += read;
                        continue;
                    }
                    if (pos >= len) break;
                    nl = len; // the last line, with no line break
                }
                else nl += pos;
                cancel.ThrowIfCancellationRequested();
                if (nl - pos > _maxChars)
                {
                    // Maybe over the cap (which counts characters, with a CR): the text reader decides, from here on.
                    HandOver(stream, buf, pos, len, fileStart: false);
                    return;
                }
                _line++;
                int end = nl > pos && buf[nl - 1] == Cr ? nl - 1 : nl;
                Line(buf, pos, end);
                pos = nl + 1;
            }
        }

        /// <summary>The rest of the file, from a line start (its first bytes in the buffer), to the text reader.</summary>
        private void HandOver(Stream stream, byte[] buf, int from, int len, bool fileStart)
        {
            if (_chunk != null)
            {
                HandOverAt = stream.Position - (len - from);
                HandOverAtFileStart = fileStart;
                return;
            }
            var prefix = new byte[len - from];
            Buffer.BlockCopy(buf, from, prefix, 0, prefix.Length);
            // Byte order marks are detected at the file's start only: past it one is a character, to both readers.
            using (var text = new StreamReader(new PrefixedStream(prefix, stream), new UTF8Encoding(false, false),
                       detectEncodingFromByteOrderMarks: fileStart, bufferSize: 64 * 1024, leaveOpen: true))
                NssCefReader.ReadLines(text, _file, _sink, _ctx, _summary, _line, _record, ref _templates);
        }

        [MethodImpl(HotPath.Optimized)]
        private void Line(byte[] b, int start, int end)
        {
            var line = new ReadOnlySpan<byte>(b, start, end - start);
            int cef = line.IndexOf(CefMarker);
            NssCefReader.ParsedLine parsed;
            if (cef < 0)
            {
                // Blank, or not CEF: rare, and for the text reader to judge.
                string text = Utf8Cache.Decode(line);
                if (string.IsNullOrWhiteSpace(text)) return;
                parsed = new NssCefReader.ParsedLine { Line = _line, Record = ++_record };
                NssCefReader.ParseLine(text, _fields, _ctx, ref parsed);
            }
            else
            {
                parsed = new NssCefReader.ParsedLine { Line = _line, Record = ++_record };
                if (!TryParse(b, start + cef, end, ref parsed))
                {
                    parsed = new NssCefReader.ParsedLine { Line = _line, Record = _record };
                    NssCefReader.ParseLine(Utf8Cache.Decode(line), _fields, _ctx, ref parsed);
                }
            }
            if (_chunk != null) _chunk.Add(parsed);
            else NssCefReader.Apply(parsed, _file, _sink, _judging, _ctx, _summary, ref _templates);
        }

        /// <summary>
        /// Reads a line from its "CEF:" at <paramref name="cef"/> as NssCefReader.ParseLine would; false where that
        /// reader must decide (its messages for a bad line are its own).
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private bool TryParse(byte[] b, int cef, int end, ref NssCefReader.ParsedLine parsed)
        {
            switch (Template(b, cef, end))
            {
                case 1:
                    parsed.Outcome = NssCefReader.LineOutcome.Template;
                    return true;
                case -1: return false;
            }

            // CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension
            int pos = cef + 4, vendorStart = 0, vendorEnd = 0;
            for (int f = 0; f < 7; f++)
            {
                int bar = pos;
                while (bar < end && b[bar] != Bar)
                {
                    if (b[bar] == Backslash)
                    {
                        if (f == 1) return false; // an escaped vendor: the text reader unescapes it
                        bar++;
                    }
                    bar++;
                }
                if (bar >= end) return false; // a broken header
                if (f == 1)
                {
                    vendorStart = pos;
                    vendorEnd = bar;
                }
                pos = bar + 1;
            }

            if (!Extension(b, pos, end)) return false;
            var starts = _valueStart;
            var ends = _valueEnd;
            if (starts[Rt] < 0 || !TryTime(b, starts[Rt], ends[Rt], out DateTime time)) return false;
            long? sent = null;
            if (starts[Out] >= 0)
            {
                var outBytes = new ReadOnlySpan<byte>(b, starts[Out], ends[Out] - starts[Out]);
                if (Utf8Parse.TryLong(outBytes, out long s)) sent = s;
                else if (!ExportSchema.TryParseLong(Value(b, Out), out sent)) return false;
                if (ExportSchema.SentBytesProblem(sent) != null) return false; // the text reader words the error

            }

            parsed.Outcome = NssCefReader.LineOutcome.Event;
            parsed.Time = time;
            parsed.Sent = sent;
            parsed.Vendor = _vendors.Get(new ReadOnlySpan<byte>(b, vendorStart, vendorEnd - vendorStart), _vendorOk, out parsed.VendorOk);
            parsed.Action = Cached(b, Act, _actions, _actionBlocked, out parsed.ActionBlocked);
            parsed.User = Cached(b, Suser, _users, _none, out _);
            parsed.Host = Cached(b, Dhost, _hosts, _hostMatches, out parsed.HostMatches);
            parsed.ExternalId = Value(b, ExternalId);
            parsed.HasVerdicts = _judging != null;
            return true;
        }

        /// <summary>
        /// 1 when the line is an NSS feed template (a placeholder such as %s{login} or %02d{dd} after "CEF:"), 0 when
        /// not, -1 when a non-ASCII character follows a '%' (the text reader's \d also takes other scripts' digits).
        /// </summary>
        private static int Template(byte[] b, int from, int end)
        {
            for (int i = from; i < end; i++)
            {
                int p = new ReadOnlySpan<byte>(b, i, end - i).IndexOf((byte)'%');
                if (p < 0) return 0;
                int j = i + p + 1;
                while (j < end && (uint)(b[j] - '0') <= 9) j++;
                if (j < end && b[j] >= 0x80) return -1;
                if (j + 1 < end && (b[j] == 's' || b[j] == 'd') && b[j + 1] == '{')
                {
                    int k = j + 2;
                    while (k < end && IsPlaceholderNameByte(b[k])) k++;
                    if (k > j + 2 && k < end && b[k] == '}') return 1;
                }
                i = i + p;
            }
            return 0;
        }

        private static bool IsPlaceholderNameByte(byte c) => (uint)((c | 0x20) - 'a') <= 'z' - 'a' || c == '_';

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool IsKeyByte(byte c) => (uint)((c | 0x20) - 'a') <= 'z' - 'a' || (uint)(c - '0') <= 9 || c == '_';

        /// <summary>
        /// Splits the extension on " key=" for the feed's keys, as NssCefReader.ParseExtension does, noting where each
        /// value the rule reads lies (a later repeat wins, until all six are found). False for an escape in one of them.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private bool Extension(byte[] b, int start, int end)
        {
            var starts = _valueStart;
            var ends = _valueEnd;
            for (int s = 0; s < Slots; s++) starts[s] = -1;
            int found = 0, keySlot = -1, valueStart = -1, i = start;
            bool inKey = false;
            while (i < end)
            {
                var candidates = KeysByFirstByte[b[i]];
                if (candidates != null && TryKey(b, i, end, candidates, out int slot, out int eq))
                {
                    if (inKey && keySlot >= 0)
                    {
                        if (starts[keySlot] < 0) found++;
                        starts[keySlot] = valueStart;
                        ends[keySlot] = i == start ? i : i - 1;
                        if (found == Slots) break;
                    }
                    inKey = true;
                    keySlot = slot;
                    valueStart = eq + 1;
                    i = eq + 1;
                }
                while (i < end && b[i] != Space) i++;
                i++;
            }
            if (found < Slots && inKey && keySlot >= 0)
            {
                starts[keySlot] = valueStart;
                ends[keySlot] = end;
            }
            for (int s = 0; s < Slots; s++)
            {
                if (starts[s] < 0) continue;
                int e = ends[s];
                while (e > starts[s] && b[e - 1] == Space) e--;
                ends[s] = e;
                if (new ReadOnlySpan<byte>(b, starts[s], e - starts[s]).IndexOf(Backslash) >= 0) return false;
            }
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool TryKey(byte[] b, int i, int end, Key[] candidates, out int slot, out int eq)
        {
            slot = -1;
            eq = i;
            while (eq < end && IsKeyByte(b[eq])) eq++;
            if (eq >= end || b[eq] != EqualsSign) return false;
            var name = new ReadOnlySpan<byte>(b, i, eq - i);
            foreach (var k in candidates)
            {
                if (name.SequenceEqual(k.Bytes))
                {
                    slot = k.Slot;
                    return true;
                }
            }
            return false;
        }

        /// <summary>A value the rule reads as text (null when its key is absent).</summary>
        private string? Value(byte[] b, int slot)
        {
            int s = _valueStart[slot];
            return s < 0 ? null : Utf8Cache.Decode(new ReadOnlySpan<byte>(b, s, _valueEnd[slot] - s));
        }

        private string? Cached(byte[] b, int slot, Utf8Cache cache, Func<string, int> judge, out int verdict)
        {
            int s = _valueStart[slot];
            if (s < 0)
            {
                verdict = -1; // absent: asked only if the event gets that far, as the text reader's would be
                return null;
            }
            return cache.Get(new ReadOnlySpan<byte>(b, s, _valueEnd[slot] - s), judge, out verdict);
        }

        /// <summary>
        /// rt as NssCefReader.TryParseRt reads it: "Mon DD YYYY HH:MM:SS" in the feed's zone or 12–18 digits of epoch
        /// milliseconds here; any other form through that method.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private bool TryTime(byte[] b, int start, int end, out DateTime utc)
        {
            var t = new ReadOnlySpan<byte>(b, start, end - start);
            if (t.Length >= 12 && t.Length <= 18 && AllDigits(t) && Utf8Parse.TryLong(t, out long ms) && ms <= NssCefReader.MaxEpochMilliseconds)
            {
                utc = NssCefReader.UnixEpoch.AddMilliseconds(ms);
                return true;
            }
            if (t.Length == 20 && TryCanonicalRt(t, out DateTime local) && FeedTime.TryToUtc(local, _ctx.FeedTimeZone, out utc)) return true;
            utc = default;
            string text = Utf8Cache.Decode(t);
            return text.Length > 0 && NssCefReader.TryParseRt(text, _ctx.FeedTimeZone, out utc);
        }

        private static bool AllDigits(ReadOnlySpan<byte> t)
        {
            foreach (byte c in t)
                if ((uint)(c - '0') > 9) return false;
            return true;
        }

        /// <summary>"Sep 27 2026 00:02:36" exactly (the feed's own form); anything else is for the general parse.</summary>
        private static bool TryCanonicalRt(ReadOnlySpan<byte> t, out DateTime local)
        {
            local = default;
            int month = 0;
            for (int m = 0; m < 12; m++)
            {
                var name = MonthNames[m];
                if (t[0] == name[0] && t[1] == name[1] && t[2] == name[2]) { month = m + 1; break; }
            }
            if (month == 0 || t[3] != ' ' || t[6] != ' ' || t[11] != ' ' || t[14] != ':' || t[17] != ':') return false;
            if (!Digits(t, 4, 2, out int day) || !Digits(t, 7, 4, out int year) || !Digits(t, 12, 2, out int hour)
                || !Digits(t, 15, 2, out int minute) || !Digits(t, 18, 2, out int second)) return false;
            if (year < 1 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return false;
            local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
            return true;
        }

        private static bool Digits(ReadOnlySpan<byte> t, int at, int count, out int value)
        {
            value = 0;
            for (int i = at; i < at + count; i++)
            {
                int d = t[i] - '0';
                if ((uint)d > 9) return false;
                value = value * 10 + d;
            }
            return true;
        }

        private static Key[][] BuildKeyTable()
        {
            var table = new Key[256][];
            foreach (string key in NssCefReader.NssKeys)
            {
                byte first = (byte)key[0];
                var list = table[first] ?? new Key[0];
                Array.Resize(ref list, list.Length + 1);
                list[list.Length - 1] = new Key { Bytes = Encoding.ASCII.GetBytes(key), Slot = Array.IndexOf(SlotKeys, key) };
                table[first] = list;
            }
            return table;
        }
    }
}
