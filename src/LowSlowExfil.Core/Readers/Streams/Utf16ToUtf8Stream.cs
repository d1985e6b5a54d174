using System;
using System.IO;
using System.Text;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Serves a UTF-16 text (as Excel's "Unicode Text" and some Windows tools save exports, with a byte order mark) as
    /// UTF-8, so every reader, the byte-level ones too, reads it as it reads any other export. Invalid code units
    /// become U+FFFD, as invalid UTF-8 does elsewhere: one bad character costs at most its record.
    /// </summary>
    internal sealed class Utf16ToUtf8Stream : ReadOnlyStream
    {
        private readonly Stream _inner;
        private readonly Decoder _decoder;
        private readonly Encoder _encoder = new UTF8Encoding(false).GetEncoder();
        private readonly byte[] _raw = new byte[32 * 1024];
        private readonly char[] _chars = new char[32 * 1024];
        private readonly byte[] _out = new byte[3 * 32 * 1024 + 16];
        private int _outPos, _outLen;
        private bool _eof;

        /// <param name="bigEndian">FE FF rather than FF FE; the byte order mark itself is left to the caller to have skipped.</param>
        public Utf16ToUtf8Stream(Stream inner, bool bigEndian)
        {
            _inner = inner;
            _decoder = new UnicodeEncoding(bigEndian, byteOrderMark: false, throwOnInvalidBytes: false).GetDecoder();
        }

        /// <summary>True for the UTF-16 byte order marks (FF FE little-endian, FE FF big-endian).</summary>
        public static bool IsByteOrderMark(byte[] head, out bool bigEndian)
        {
            bigEndian = head.Length >= 2 && head[0] == 0xFE && head[1] == 0xFF;
            return bigEndian || (head.Length >= 2 && head[0] == 0xFF && head[1] == 0xFE);
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            while (_outPos == _outLen)
            {
                if (_eof) return 0;
                int n = _inner.Read(_raw, 0, _raw.Length);
                bool last = n <= 0;
                if (last) { _eof = true; n = 0; }
                int chars = _decoder.GetChars(_raw, 0, n, _chars, 0, flush: last);
                _outLen = _encoder.GetBytes(_chars, 0, chars, _out, 0, flush: last);
                _outPos = 0;
            }
            int take = Math.Min(count, _outLen - _outPos);
            Buffer.BlockCopy(_out, _outPos, buffer, offset, take);
            _outPos += take;
            return take;
        }
    }
}
