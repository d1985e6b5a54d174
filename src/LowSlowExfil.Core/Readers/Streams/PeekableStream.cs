using System;
using System.IO;
using System.Runtime.ExceptionServices;

namespace LowSlowExfil.Readers
{
    /// <summary>A read-only stream whose first bytes can be looked at before they are read (format sniffing).</summary>
    internal sealed class PeekableStream : ReadOnlyStream
    {
        private readonly Stream _inner;
        private byte[] _head = Array.Empty<byte>();
        private int _headPos;
        private ExceptionDispatchInfo? _pendingError;

        public PeekableStream(Stream inner) { _inner = inner; }

        /// <summary>Returns up to <paramref name="count"/> bytes from the current position without consuming them.</summary>
        public byte[] Peek(int count)
        {
            int have = _head.Length - _headPos;
            if (have < count)
            {
                var buf = new byte[count];
                Buffer.BlockCopy(_head, _headPos, buf, 0, have);
                int n = have;
                try
                {
                    while (n < count && _pendingError == null)
                    {
                        int r = _inner.Read(buf, n, count - n);
                        if (r <= 0) break;
                        n += r;
                    }
                }
                catch (Exception e) when (e is IOException || e is InvalidDataException)
                {
                    // E.g. a gzip file cut short within the first bytes: what was decoded is still served,
                    // and the error is raised when the reader gets to it, not lost and not raised early.
                    if (n == 0) throw;
                    _pendingError = ExceptionDispatchInfo.Capture(e);
                }
                if (n < count) Array.Resize(ref buf, n);
                _head = buf;
                _headPos = 0;
            }
            var result = new byte[Math.Min(count, _head.Length - _headPos)];
            Buffer.BlockCopy(_head, _headPos, result, 0, result.Length);
            return result;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int have = _head.Length - _headPos;
            if (have > 0)
            {
                int n = Math.Min(have, count);
                Buffer.BlockCopy(_head, _headPos, buffer, offset, n);
                _headPos += n;
                return n;
            }
            _pendingError?.Throw();
            return _inner.Read(buffer, offset, count);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
