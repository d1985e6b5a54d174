using System;
using System.IO;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Splits a stream of JSON records without loading the file: a top-level array of objects, JSON lines, or
    /// objects one after another. Each record comes back as its own bytes, with the line it starts on.
    /// Memory is one record (capped), whatever the file size.
    /// </summary>
    internal sealed class JsonRecordSplitter
    {
        private readonly Stream _stream;
        private readonly int _maxRecordBytes;
        private byte[] _buffer = new byte[64 * 1024];
        private int _pos, _len;
        private bool _eof;
        private long _line = 1;
        // Stream offsets of _buffer[0] and of the current line's first byte: where on its line a record starts, so a
        // JSON error inside it can be placed on the file's line (the parser counts within the record).
        private long _bufferStart, _lineStart;
        private bool _started, _inArray, _arrayClosed;
        // JSON lines: decided by the first record (one line, then a line break). A line break inside a
        // record then ends it, so one broken line cannot swallow the lines after it.
        private bool? _lineMode;

        public JsonRecordSplitter(Stream stream, int maxRecordBytes)
        {
            _stream = stream;
            _maxRecordBytes = maxRecordBytes;
        }

        // A comma was the last thing seen between the array's records: one before its ']' is a trailing comma.
        private bool _afterComma;

        /// <summary>Commas before the closing ']' of the top-level array (read as if absent, as every peer reads them).</summary>
        public long TrailingCommas { get; private set; }

        /// <summary>True when the records sit in a top-level JSON array.</summary>
        public bool IsArray => _inArray;

        /// <summary>How many bytes into its first line the last record returned starts (0 when it starts the line).</summary>
        public long RecordColumn { get; private set; }

        /// <summary>
        /// Reads the next record into <paramref name="record"/> (valid until the next call). Returns false at
        /// the end. A malformed stretch sets <paramref name="error"/>; the splitter resynchronises on the next line.
        /// </summary>
        public bool Next(out ArraySegment<byte> record, out long line, out string? error)
        {
            record = default;
            error = null;
            line = _line;
            if (!_started)
            {
                _started = true;
                SkipBom();
                if (!SkipWhitespace()) return false;
                if (_buffer[_pos] == (byte)'[')
                {
                    _inArray = true;
                    _pos++;
                }
            }

            while (true)
            {
                if (!SkipWhitespace())
                {
                    if (_inArray && !_arrayClosed)
                    {
                        _arrayClosed = true;
                        line = _line;
                        error = "the JSON array is not closed (the file may be truncated)";
                        return true;
                    }
                    return false;
                }
                byte b = _buffer[_pos];
                if (_inArray && (b == (byte)',')) { _pos++; _afterComma = true; continue; }
                if (_inArray && b == (byte)']')
                {
                    if (_afterComma) TrailingCommas++;
                    _pos++;
                    _arrayClosed = true;
                    if (SkipWhitespace())
                    {
                        line = _line;
                        error = "unexpected content after the closing ']' of the JSON array";
                        SkipRest();
                        return true;
                    }
                    return false;
                }
                line = _line;
                _afterComma = false;
                if (b != (byte)'{')
                {
                    error = $"expected a JSON object, found '{Printable(b)}'";
                    SkipLine();
                    return true;
                }
                return ScanObject(out record, out error);
            }
        }

        private bool ScanObject(out ArraySegment<byte> record, out string? error)
        {
            record = default;
            error = null;
            // Keep the record's bytes at the start of the buffer so it can grow to the cap.
            Compact();
            int depth = 0, i = _pos;
            bool inString = false, escaped = false;
            long startLine = _line;
            RecordColumn = _bufferStart + _pos - _lineStart;
            while (true)
            {
                if (i >= _len)
                {
                    if (i - _pos >= _maxRecordBytes)
                    {
                        error = $"JSON record starting on line {startLine} is longer than {_maxRecordBytes:N0} bytes; skipped to the next line";
                        _pos = i;
                        SkipLine();
                        return true;
                    }
                    if (!Fill(keepFrom: _pos, ref i))
                    {
                        error = $"JSON record starting on line {startLine} is truncated at the end of the file";
                        _pos = _len;
                        _arrayClosed = true; // one report for the truncation, not a second for the open array
                        return true;
                    }
                }
                byte b = _buffer[i++];
                if (b == (byte)'\n')
                {
                    _line++;
                    _lineStart = _bufferStart + i;
                    if (_lineMode == true)
                    {
                        error = $"line {startLine} is not a complete JSON object";
                        _pos = i;
                        return true;
                    }
                }
                if (inString)
                {
                    if (escaped) escaped = false;
                    else if (b == (byte)'\\') escaped = true;
                    else if (b == (byte)'"') inString = false;
                    continue;
                }
                switch (b)
                {
                    case (byte)'"': inString = true; break;
                    case (byte)'{':
                    case (byte)'[': depth++; break;
                    case (byte)'}':
                    case (byte)']':
                        if (--depth == 0)
                        {
                            record = new ArraySegment<byte>(_buffer, _pos, i - _pos);
                            _pos = i;
                            if (_lineMode == null) _lineMode = !_inArray && _line == startLine && NextIsLineBreak();
                            return true;
                        }
                        break;
                }
            }
        }

        private bool NextIsLineBreak()
        {
            int p = _pos;
            while (true)
            {
                if (p >= _len && !Fill(keepFrom: 0, ref p)) return true; // end of file counts as a line end
                byte b = _buffer[p];
                if (b == (byte)'\n') return true;
                if (b != (byte)' ' && b != (byte)'\t' && b != (byte)'\r') return false;
                p++;
            }
        }

        private void Compact()
        {
            if (_pos == 0) return;
            _bufferStart += _pos;
            Buffer.BlockCopy(_buffer, _pos, _buffer, 0, _len - _pos);
            _len -= _pos;
            _pos = 0;
        }

        /// <summary>Reads more bytes, keeping [keepFrom, _len); grows the buffer when it is full.</summary>
        private bool Fill(int keepFrom, ref int cursor)
        {
            if (_eof) return false;
            if (keepFrom > 0)
            {
                _bufferStart += keepFrom;
                Buffer.BlockCopy(_buffer, keepFrom, _buffer, 0, _len - keepFrom);
                _len -= keepFrom;
                cursor -= keepFrom;
                _pos -= keepFrom;
            }
            if (_len == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
            int n = _stream.Read(_buffer, _len, _buffer.Length - _len);
            if (n <= 0)
            {
                _eof = true;
                return false;
            }
            _len += n;
            return true;
        }

        private bool EnsureData()
        {
            if (_pos < _len) return true;
            if (_eof) return false;
            _bufferStart += _len;
            _pos = 0;
            _len = 0;
            int dummy = 0;
            return Fill(0, ref dummy);
        }

        private void SkipBom()
        {
            if (!EnsureData()) return;
            while (_len - _pos < 3 && !_eof) { int c = _pos; if (!Fill(_pos, ref c)) break; }
            if (_len - _pos >= 3 && _buffer[_pos] == 0xEF && _buffer[_pos + 1] == 0xBB && _buffer[_pos + 2] == 0xBF)
            {
                _pos += 3;
                _lineStart = _bufferStart + _pos; // an editor does not count the byte order mark
            }
        }

        private bool SkipWhitespace()
        {
            while (EnsureData())
            {
                byte b = _buffer[_pos];
                if (b == (byte)'\n')
                {
                    _line++;
                    _lineStart = _bufferStart + _pos + 1;
                }
                else if (b != (byte)' ' && b != (byte)'\t' && b != (byte)'\r') return true;
                _pos++;
            }
            return false;
        }

        private void SkipLine()
        {
            while (EnsureData())
            {
                int nl = Array.IndexOf(_buffer, (byte)'\n', _pos, _len - _pos);
                if (nl >= 0)
                {
                    _pos = nl + 1;
                    _line++;
                    _lineStart = _bufferStart + _pos;
                    return;
                }
                _pos = _len;
            }
        }

        private void SkipRest()
        {
            while (EnsureData()) _pos = _len;
        }

        private static string Printable(byte b) => b >= 0x20 && b < 0x7F ? ((char)b).ToString() : $"0x{b:X2}";
    }
}
