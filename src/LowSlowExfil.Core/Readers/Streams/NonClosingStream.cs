using System.IO;

namespace LowSlowExfil.Readers
{
    /// <summary>Passes reads through and leaves the stream open for its owner when disposed.</summary>
    internal sealed class NonClosingStream : ReadOnlyStream
    {
        private readonly Stream _inner;
        public NonClosingStream(Stream inner) { _inner = inner; }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
    }
}
