using System;
using System.IO;
using System.Text;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Reads lines (LF or CRLF) with their numbers, refusing a line longer than a cap without ever holding more
    /// than the cap: the rest of such a line is skipped and reported, and reading resumes on the next line.
    /// </summary>
    internal sealed class LineReader
    {
        private readonly TextReader _reader;
        private readonly int _maxChars;
        private readonly char[] _buffer = new char[64 * 1024];
        private readonly StringBuilder _line = new StringBuilder();
        private int _pos, _len;
        private bool _eof;

        public LineReader(TextReader reader, int maxChars)
        {
            _reader = reader;
            _maxChars = maxChars;
        }

        /// <summary>1-based number of the line last returned.</summary>
        public long LineNumber { get; private set; }

        /// <summary>Returns false at the end. <paramref name="tooLong"/> marks a line that was cut off and skipped (its <paramref name="line"/> is null).</summary>
        public bool Next(out string? line, out bool tooLong)
        {
            line = null;
            tooLong = false;
            _line.Clear();
            bool any = false;
            while (true)
            {
                if (_pos >= _len)
                {
                    if (_eof || (_len = _reader.Read(_buffer, 0, _buffer.Length)) <= 0)
                    {
                        _eof = true;
                        _len = 0;
                        _pos = 0;
                        if (!any) return false;
                        break;
                    }
                    _pos = 0;
                }
                any = true;
                int nl = Array.IndexOf(_buffer, '\n', _pos, _len - _pos);
                if (nl >= 0 && _line.Length == 0 && !tooLong && nl - _pos <= _maxChars)
                {
                    // The whole line is in the buffer (the usual case): one copy, straight into the string.
                    int length = nl > _pos && _buffer[nl - 1] == '\r' ? nl - 1 - _pos : nl - _pos;
                    line = new string(_buffer, _pos, length);
                    _pos = nl + 1;
                    LineNumber++;
                    return true;
                }
                int end = nl >= 0 ? nl : _len;
                if (!tooLong)
                {
                    if (_line.Length + (end - _pos) > _maxChars) tooLong = true;
                    else _line.Append(_buffer, _pos, end - _pos);
                }
                _pos = end;
                if (nl >= 0)
                {
                    _pos++;
                    break;
                }
            }
            LineNumber++;
            if (tooLong)
            {
                _line.Clear();
                return true;
            }
            int n = _line.Length;
            if (n > 0 && _line[n - 1] == '\r') n--;
            line = _line.ToString(0, n);
            return true;
        }
    }
}
