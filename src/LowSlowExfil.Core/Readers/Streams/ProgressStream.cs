using System;
using System.IO;

namespace LowSlowExfil.Readers
{
    /// <summary>A read-only pass-through that reports bytes read from the underlying file.</summary>
    internal sealed class ProgressStream : ReadOnlyStream
    {
        private const long ReportEvery = 4 * 1024 * 1024;
        private readonly Stream _inner;
        private readonly Action<long> _report;
        private long _read, _nextReport = ReportEvery;

        public ProgressStream(Stream inner, Action<long> report)
        {
            _inner = inner;
            _report = report;
        }

        public long BytesRead => _read;

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = _inner.Read(buffer, offset, count);
            _read += n;
            if (_read >= _nextReport && _report != null)
            {
                _nextReport = _read + ReportEvery;
                _report(_read);
            }
            return n;
        }

        public override long Length => _inner.Length;
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
