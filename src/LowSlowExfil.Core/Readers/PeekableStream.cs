using System;
using System.IO;

namespace LowSlowExfil.Readers
{
    /// <summary>A read-only stream whose first bytes can be looked at before they are read (format sniffing).</summary>
    internal sealed class PeekableStream : Stream
    {
        private readonly Stream _inner;
        private byte[] _head = Array.Empty<byte>();
        private int _headPos;

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
                while (n < count)
                {
                    int r = _inner.Read(buf, n, count - n);
                    if (r <= 0) break;
                    n += r;
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
            return _inner.Read(buffer, offset, count);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
