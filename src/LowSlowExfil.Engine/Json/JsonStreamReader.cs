using System;
using System.Buffers.Text;
using System.IO;
using System.Text;
using System.Text.Json;

namespace LowSlowExfil.Engine.Json
{
    /// <summary>
    /// Pulls JSON tokens from a stream through Utf8JsonReader, a buffer at a time: a result of hundreds of MB is
    /// never held whole, as bytes or as text. Strings are decoded as they are read; numbers stay bytes until asked
    /// for; a value's raw JSON text can be captured (for <c>dynamic</c> cells that arrive as objects or arrays).
    /// The buffer grows to hold the longest single value, up to <c>maxValueBytes</c>: a longer one (a hostile
    /// string with no end) is refused there, never buffered whole.
    /// </summary>
    internal sealed class JsonStreamReader
    {
        private readonly Stream _stream;
        private readonly int _maxValue;
        private byte[] _buffer;
        private int _start, _end;          // unread bytes: _buffer[_start.._end)
        private int _pin = -1;             // first byte to keep across refills, for raw captures
        private bool _final;
        private JsonReaderState _state;
        private int _tokenStart, _valueLength;
        private string _string;

        public JsonStreamReader(Stream stream, int bufferSize = 64 * 1024, int maxValueBytes = ResponseLimits.DefaultMaxValueBytes)
        {
            _stream = stream ?? throw new ArgumentNullException(nameof(stream));
            _maxValue = maxValueBytes;
            _buffer = new byte[bufferSize];
            _state = new JsonReaderState(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
        }

        public JsonTokenType TokenType { get; private set; }

        /// <summary>Nesting depth after the current token (0 at the root).</summary>
        public int Depth { get; private set; }

        public bool Read()
        {
            while (true)
            {
                var reader = new Utf8JsonReader(new ReadOnlySpan<byte>(_buffer, _start, _end - _start), _final, _state);
                if (reader.Read())
                {
                    TokenType = reader.TokenType;
                    _tokenStart = _start + (int)reader.TokenStartIndex;
                    _string = null;
                    if (TokenType == JsonTokenType.String || TokenType == JsonTokenType.PropertyName)
                    {
                        try
                        {
                            _string = reader.GetString();
                        }
                        catch (InvalidOperationException e)
                        {
                            // Invalid UTF-8 inside a string: Utf8JsonReader checks it only when the string is decoded.
                            throw new JsonException("The response holds a string that is not valid UTF-8.", e);
                        }
                    }
                    else if (TokenType == JsonTokenType.Number)
                        _valueLength = reader.ValueSpan.Length;
                    _start += (int)reader.BytesConsumed;
                    _state = reader.CurrentState;
                    Depth = reader.CurrentDepth + (TokenType == JsonTokenType.StartObject || TokenType == JsonTokenType.StartArray ? 1 : 0);
                    return true;
                }
                _start += (int)reader.BytesConsumed;
                _state = reader.CurrentState;
                if (_final) return false;
                Fill();
            }
        }

        /// <summary>Reads the next token and fails unless it is of the expected type.</summary>
        public void Expect(JsonTokenType type)
        {
            if (!Read()) throw new JsonException($"Unexpected end of the response; expected {type}.");
            if (TokenType != type) throw new JsonException($"Unexpected {TokenType} in the response; expected {type}.");
        }

        /// <summary>The current string or property name, unescaped.</summary>
        public string GetString() => _string;

        public ReadOnlySpan<byte> NumberSpan => new ReadOnlySpan<byte>(_buffer, _tokenStart, _valueLength);

        public string NumberText => Encoding.UTF8.GetString(_buffer, _tokenStart, _valueLength);

        public bool TryGetInt64(out long value) => Utf8Parser.TryParse(NumberSpan, out value, out int used) && used == _valueLength;

        /// <summary>Skips the current value: nothing for a scalar, up to the matching end for an object or array.</summary>
        public void Skip()
        {
            if (TokenType == JsonTokenType.PropertyName) Expect2();
            if (TokenType != JsonTokenType.StartObject && TokenType != JsonTokenType.StartArray) return;
            int depth = Depth;
            while (Read())
                if ((TokenType == JsonTokenType.EndObject || TokenType == JsonTokenType.EndArray) && Depth == depth - 1) return;
            throw new JsonException("Unexpected end of the response.");
        }

        private void Expect2()
        {
            if (!Read()) throw new JsonException("Unexpected end of the response.");
        }

        /// <summary>The current value's JSON text, exactly as received (reads to the end of an object or array).</summary>
        public string ReadRawValue()
        {
            if (TokenType != JsonTokenType.StartObject && TokenType != JsonTokenType.StartArray)
                throw new InvalidOperationException("ReadRawValue starts on an object or an array.");
            _pin = _tokenStart;
            try
            {
                Skip();
                return Encoding.UTF8.GetString(_buffer, _pin, _start - _pin);
            }
            finally
            {
                _pin = -1;
            }
        }

        private void Fill()
        {
            int keep = _pin >= 0 ? Math.Min(_pin, _start) : _start;
            if (keep > 0)
            {
                Buffer.BlockCopy(_buffer, keep, _buffer, 0, _end - keep);
                _end -= keep;
                _start -= keep;
                _tokenStart -= keep;
                if (_pin >= 0) _pin -= keep;
            }
            // What is left is one value not yet complete (or a raw capture): refuse it once it passes the limit.
            if (_end > _maxValue) throw new ResponseLimitException($"a single value of more than {ResponseLimits.Size(_maxValue)}");
            if (_end == _buffer.Length) Array.Resize(ref _buffer, (int)Math.Min(_buffer.Length * 2L, _maxValue + 1L));
            int n = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (n == 0) _final = true;
            else _end += n;
        }
    }
}
