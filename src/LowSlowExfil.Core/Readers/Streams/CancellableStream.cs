using System.IO;
using System.Threading;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Checks for cancellation on every read, so Ctrl+C is honoured by bytes read, not by records: a gzip of blank lines
    /// decodes gigabytes that hold no record at all (the readers' own checks count records).
    /// </summary>
    internal sealed class CancellableStream : ReadOnlyStream
    {
        private readonly Stream _inner;
        private readonly CancellationToken _cancel;

        public CancellableStream(Stream inner, CancellationToken cancel)
        {
            _inner = inner;
            _cancel = cancel;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            _cancel.ThrowIfCancellationRequested();
            return _inner.Read(buffer, offset, count);
        }

        public override long Length => _inner.Length;
    }
}
