using System;
using System.IO;
using System.IO.Compression;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Decompresses gzip (RFC 1952) member by member, checking each member's CRC-32 and length trailer.
    /// GZipStream cannot be trusted with a cut-off file: it reports a normal end of data (no exception), so a
    /// half-written last line would be read as a record (e.g. "out=7" for "out=76435613") and the truncation
    /// never reported. Here a member that ends without its trailer, or with a wrong one, throws
    /// InvalidDataException, after everything decoded before the cut has been handed out. Concatenated members
    /// (cat a.gz b.gz) are read in turn, as gzip -d does; trailing zero padding is ignored.
    /// </summary>
    internal sealed class GzipDecoder : ReadOnlyStream
    {
        private readonly Source _src;
        private DeflateStream? _member;
        private uint _crc;
        private long _size;
        private int _members;
        private bool _done;
        // Decoded data is made a fixed chunk at a time and handed out from here: when corrupt input stops the
        // inflater, what its failing call had decoded is lost, and that must be the same bytes whether the reader
        // asks for 64 KB at a time (the text readers) or a megabyte (the byte-level scanners).
        private readonly byte[] _chunk = new byte[ChunkBytes];
        private int _chunkPos, _chunkLen;
        private const int ChunkBytes = 64 * 1024;

        public GzipDecoder(Stream compressed) { _src = new Source(compressed); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (count == 0) return 0;
            // Never fill a read completely: StreamReader reads the stream again within one call when it got all
            // it asked for, and if that second read throws (the cut), the text of the first is lost with it.
            if (count > 1) count--;
            if (_chunkPos == _chunkLen && !NextChunk()) return 0;
            int n = Math.Min(count, _chunkLen - _chunkPos);
            Buffer.BlockCopy(_chunk, _chunkPos, buffer, offset, n);
            _chunkPos += n;
            return n;
        }

        private bool NextChunk()
        {
            while (!_done)
            {
                if (_member == null && !StartMember())
                {
                    _done = true;
                    break;
                }
                int n;
                try
                {
                    n = _member!.Read(_chunk, 0, _chunk.Length); // StartMember set it, or _member was already open
                }
                catch (InvalidDataException e)
                {
                    // The inflater's own text ("The archive entry was compressed using an unsupported compression
                    // method.") speaks of zip archives and says nothing of where: say what it means for this file.
                    throw new InvalidDataException(
                        $"the gzip data is corrupt: member {_members + 1} cannot be decompressed {(_size == 0 ? "from its start" : $"past its first {_size:N0} bytes")}", e);
                }
                if (n > 0)
                {
                    _crc = Crc32.Update(_crc, _chunk, 0, n);
                    _size += n;
                    _chunkPos = 0;
                    _chunkLen = n;
                    return true;
                }
                EndMember();
            }
            return false;
        }

        private bool StartMember()
        {
            int b = _src.ReadByteUnrecorded();
            if (b < 0) return false;
            if (b == 0 && _members > 0)
            {
                while ((b = _src.ReadByteUnrecorded()) == 0) { }
                if (b < 0) return false; // zero padding after the last member
                throw new InvalidDataException($"unexpected data after gzip member {_members}");
            }
            if (b != 0x1F || _src.ReadByteUnrecorded() != 0x8B)
                throw new InvalidDataException(_members == 0 ? "not gzip data" : $"unexpected data after gzip member {_members}");
            int cm = Need(), flg = Need();
            if (cm != 8) throw new InvalidDataException($"gzip member {_members + 1} uses compression method {cm}, not deflate");
            if ((flg & 0xE0) != 0) throw new InvalidDataException($"gzip member {_members + 1} has reserved header flags set");
            for (int i = 0; i < 6; i++) Need();                               // MTIME, XFL, OS
            if ((flg & 0x04) != 0)                                            // FEXTRA
            {
                int xlen = Need() | (Need() << 8);
                for (int i = 0; i < xlen; i++) Need();
            }
            if ((flg & 0x08) != 0) while (Need() != 0) { }                    // FNAME
            if ((flg & 0x10) != 0) while (Need() != 0) { }                    // FCOMMENT
            if ((flg & 0x02) != 0) { Need(); Need(); }                        // FHCRC
            _src.ForgetChunks();
            _src.Consumed = 0;
            _member = new DeflateStream(_src, CompressionMode.Decompress, leaveOpen: true);
            _crc = 0;
            _size = 0;
            return true;
        }

        private int Need()
        {
            int b = _src.ReadByteUnrecorded();
            if (b < 0) throw new InvalidDataException($"gzip member {_members + 1} is truncated in its header");
            return b;
        }

        /// <summary>
        /// The member's deflate data ended (or the input did). The deflate stream asks for input only when it has
        /// used up what it had, so its end lies in the last chunk it read; the 8-byte trailer (CRC-32, length mod
        /// 2^32) must follow it there. What follows the trailer is given back for the next member.
        /// </summary>
        private void EndMember()
        {
            _member?.Dispose();
            _member = null;
            _members++;
            var expected = new byte[8];
            WriteUInt32(expected, 0, _crc);
            WriteUInt32(expected, 4, unchecked((uint)_size));
            // The trailer is followed by the end of the file, the next member's header (1F 8B 08), or zero
            // padding; prefer a match so followed, as the trailer pattern can also occur just before it (an empty
            // member's trailer is eight zero bytes, and its deflate data "03 00" ends in one).
            // Only the first match and the seven positions after it are candidates: the trailer follows the deflate
            // data at once, so it is the first match or overlaps it (an empty member's zeros). A later match is data
            // after the member — preferring it (say, a run of zeros in garbage) would skip that garbage unreported.
            long consumed = _src.Consumed;
            byte[] window = _src.RecentChunksAndLookahead(16, out int chunks, out bool eof);
            int best = -1, rank = 0, first = -1;
            for (int p = 0; p <= chunks && p + 8 <= window.Length; p++)
            {
                if (first >= 0 && p > first + 7) break;
                int k = 0;
                while (k < 8 && window[p + k] == expected[k]) k++;
                if (k < 8) continue;
                if (first < 0) first = p;
                int after = p + 8;
                int r = (after == window.Length && eof) || (after + 3 <= window.Length && window[after] == 0x1F && window[after + 1] == 0x8B && window[after + 2] == 8) ? 3
                      : after < window.Length && window[after] == 0 ? 2 : 1;
                if (r > rank)
                {
                    best = p;
                    rank = r;
                    if (r == 3) break;
                }
            }
            // An empty member's trailer is eight zero bytes, found in any run of zeros: its deflate data must also be
            // as short as an encoder writes it ("03 00", or an empty stored block). A longer stretch is a deflate stream
            // that never ended (corrupt or cut) and read on into what follows, where some zeros are no trailer.
            if (best >= 0 && _size == 0 && consumed - chunks + best > MaxEmptyDeflateBytes) best = -1;
            if (best >= 0)
            {
                _src.PushBack(window, best + 8, window.Length - best - 8);
                return;
            }
            throw new InvalidDataException(
                $"the gzip data is truncated or corrupt: member {_members} ends without a matching CRC-32/length trailer after {_size:N0} decompressed bytes");
        }

        /// <summary>The longest deflate data taken for an empty member (zlib writes 2 bytes, an empty stored block is 5).</summary>
        private const int MaxEmptyDeflateBytes = 16;

        private static void WriteUInt32(byte[] b, int at, uint v)
        {
            b[at] = (byte)v;
            b[at + 1] = (byte)(v >> 8);
            b[at + 2] = (byte)(v >> 16);
            b[at + 3] = (byte)(v >> 24);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _member?.Dispose();
                _src.Dispose();
            }
            base.Dispose(disposing);
        }

        /// <summary>The compressed input: bytes given back are served first; the last two chunks read are kept.</summary>
        private sealed class Source : ReadOnlyStream
        {
            private readonly Stream _inner;
            private byte[] _back = Array.Empty<byte>();
            private int _backPos;
            private byte[] _prev = new byte[8192], _last = new byte[8192];
            private int _prevLen, _lastLen;
            private readonly byte[] _one = new byte[1];

            public Source(Stream inner) { _inner = inner; }

            private int ReadRaw(byte[] buffer, int offset, int count)
            {
                if (_backPos < _back.Length)
                {
                    int n = Math.Min(count, _back.Length - _backPos);
                    Buffer.BlockCopy(_back, _backPos, buffer, offset, n);
                    _backPos += n;
                    return n;
                }
                return _inner.Read(buffer, offset, count);
            }

            /// <summary>Bytes handed out through <see cref="Read"/> (to the deflate stream) since it was last set to 0.</summary>
            public long Consumed { get; set; }

            public override int Read(byte[] buffer, int offset, int count)
            {
                int n = ReadRaw(buffer, offset, count);
                if (n > 0)
                {
                    Consumed += n;
                    var t = _prev;
                    _prev = _last;
                    _prevLen = _lastLen;
                    if (t.Length < n) t = new byte[n];
                    Buffer.BlockCopy(buffer, offset, t, 0, n);
                    _last = t;
                    _lastLen = n;
                }
                return n;
            }

            public int ReadByteUnrecorded() => ReadRaw(_one, 0, 1) == 1 ? _one[0] : -1;

            public void ForgetChunks() => _prevLen = _lastLen = 0;

            /// <summary>The last two chunks handed out (<paramref name="chunks"/> bytes), then up to <paramref name="lookahead"/>
            /// more bytes, now consumed; <paramref name="eof"/> when the input ended before all of them.</summary>
            public byte[] RecentChunksAndLookahead(int lookahead, out int chunks, out bool eof)
            {
                var ahead = new byte[lookahead];
                int a = 0;
                while (a < lookahead)
                {
                    int r = ReadRaw(ahead, a, lookahead - a);
                    if (r <= 0) break;
                    a += r;
                }
                var w = new byte[_prevLen + _lastLen + a];
                Buffer.BlockCopy(_prev, 0, w, 0, _prevLen);
                Buffer.BlockCopy(_last, 0, w, _prevLen, _lastLen);
                Buffer.BlockCopy(ahead, 0, w, _prevLen + _lastLen, a);
                chunks = _prevLen + _lastLen;
                eof = a < lookahead;
                ForgetChunks();
                return w;
            }

            /// <summary>Makes bytes already read the next ones served, ahead of any given back before.</summary>
            public void PushBack(byte[] bytes, int offset, int count)
            {
                int rest = _back.Length - _backPos;
                var b = new byte[count + rest];
                Buffer.BlockCopy(bytes, offset, b, 0, count);
                Buffer.BlockCopy(_back, _backPos, b, count, rest);
                _back = b;
                _backPos = 0;
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing) _inner.Dispose();
                base.Dispose(disposing);
            }
        }
    }
}
