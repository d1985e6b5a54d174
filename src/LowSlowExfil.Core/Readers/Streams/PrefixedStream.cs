using System;
using System.IO;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Some bytes already read, then the rest of a stream (left open): how a byte-level scanner hands the rest of
    /// a file to the general reader.
    /// </summary>
    internal sealed class PrefixedStream : ReadOnlyStream
    {
        private readonly byte[] _prefix;
        private readonly Stream _rest;
        private int _pos;

        public PrefixedStream(byte[] prefix, Stream rest)
        {
            _prefix = prefix;
            _rest = rest;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_pos < _prefix.Length)
            {
                // Never fill a read from the prefix completely (as GzipDecoder): StreamReader would read again within
                // the same call, and should the rest fail there (a cut gzip), the prefix's text would go with it.
                int n = Math.Min(count > 1 ? count - 1 : count, _prefix.Length - _pos);
                Buffer.BlockCopy(_prefix, _pos, buffer, offset, n);
                _pos += n;
                return n;
            }
            return _rest.Read(buffer, offset, count);
        }
    }
}
