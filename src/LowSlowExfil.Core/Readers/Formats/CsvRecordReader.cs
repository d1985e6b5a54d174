using System;
using System.IO;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// A streaming RFC 4180 tokenizer: comma-separated, double-quoted fields with doubled quotes, quoted
    /// line breaks (LF or CRLF), tracking the line each record starts on. Memory is one record, capped.
    /// </summary>
    internal sealed class CsvRecordReader
    {
        private readonly TextReader _reader;
        private readonly int _maxRecordChars;
        private readonly char[] _buffer = new char[64 * 1024];
        private int _pos, _len;
        private bool _eof;
        private long _line = 1; // line of the next unread character

        private char[] _record = new char[1024];
        private int _recordLen;
        private int[] _fieldEnds = new int[64];
        private int _fieldCount;

        /// <param name="firstLine">The line number of the reader's first character (when it starts part-way into a file).</param>
        public CsvRecordReader(TextReader reader, int maxRecordChars, long firstLine = 1)
        {
            _reader = reader;
            _maxRecordChars = maxRecordChars;
            _line = firstLine;
        }

        /// <summary>1-based line on which the current record starts.</summary>
        public long RecordLine { get; private set; }

        public int FieldCount => _fieldCount;

        /// <summary>True when the current record is an empty line (one empty field).</summary>
        public bool IsBlank => _fieldCount == 1 && _recordLen == 0;

        /// <summary>The field, or null past the record's last one.</summary>
        public string? GetField(int index)
        {
            if ((uint)index >= (uint)_fieldCount) return null;
            int start = index == 0 ? 0 : _fieldEnds[index - 1];
            return new string(_record, start, _fieldEnds[index] - start);
        }

        /// <summary>
        /// Reads the next record. Returns false at end of input. <paramref name="error"/> is set when the record
        /// was malformed (it is then not usable; the reader has resynchronised on the next line).
        /// </summary>
        public bool Read(out string? error)
        {
            error = null;
            _recordLen = 0;
            _fieldCount = 0;
            if (!EnsureData()) return false;
            RecordLine = _line;

            bool inQuotes = false, fieldStart = true;
            long quoteLine = 0;
            while (true)
            {
                if (_pos >= _len && !EnsureData())
                {
                    if (inQuotes)
                    {
                        error = $"unterminated quoted field (opened on line {quoteLine}) at end of file";
                        return true;
                    }
                    EndField();
                    return true;
                }

                char c = _buffer[_pos++];
                if (inQuotes)
                {
                    if (c == '"')
                    {
                        if (_pos >= _len) EnsureData();
                        if (_pos < _len && _buffer[_pos] == '"') { _pos++; Append('"'); }
                        else inQuotes = false;
                    }
                    else
                    {
                        if (c == '\n') _line++;
                        Append(c);
                    }
                }
                else if (c == ',')
                {
                    EndField();
                    fieldStart = true;
                    continue;
                }
                else if (c == '\n' || c == '\r')
                {
                    if (c == '\r')
                    {
                        if (_pos >= _len) EnsureData();
                        if (_pos < _len && _buffer[_pos] == '\n') _pos++;
                    }
                    _line++;
                    EndField();
                    return true;
                }
                else if (c == '"' && fieldStart)
                {
                    inQuotes = true;
                    quoteLine = _line;
                }
                else
                {
                    // Text after a closing quote ("ab"c) is kept as Excel does; a bare quote mid-field is literal.
                    Append(c);
                }
                fieldStart = false;

                if (_recordLen > _maxRecordChars)
                {
                    error = inQuotes
                        ? $"record longer than {_maxRecordChars:N0} characters (a quoted field opened on line {quoteLine} does not close); skipped to the next line"
                        : $"record longer than {_maxRecordChars:N0} characters without a line break; skipped to the next line";
                    SkipToNextLine();
                    return true;
                }
            }
        }

        private void SkipToNextLine()
        {
            while (EnsureData())
            {
                int nl = Array.IndexOf(_buffer, '\n', _pos, _len - _pos);
                if (nl >= 0)
                {
                    _pos = nl + 1;
                    _line++;
                    return;
                }
                _pos = _len;
            }
        }

        private bool EnsureData()
        {
            if (_pos < _len) return true;
            if (_eof) return false;
            _len = _reader.Read(_buffer, 0, _buffer.Length);
            _pos = 0;
            if (_len <= 0)
            {
                _len = 0;
                _eof = true;
                return false;
            }
            return true;
        }

        private void Append(char c)
        {
            if (_recordLen == _record.Length) Array.Resize(ref _record, _record.Length * 2);
            _record[_recordLen++] = c;
        }

        private void EndField()
        {
            if (_fieldCount == _fieldEnds.Length) Array.Resize(ref _fieldEnds, _fieldEnds.Length * 2);
            _fieldEnds[_fieldCount++] = _recordLen;
        }
    }
}
