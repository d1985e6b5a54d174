using System;
using System.Globalization;

namespace LowSlowExfil.Engine
{
    /// <summary>
    /// How much of one answer the client reads before it stops. The service never sends more than about 64 MB
    /// compressed and 500,000 rows per result (SPEC §5), so these sit well above that — only a broken or hostile
    /// endpoint reaches them — and far below what would exhaust the machine. Tests set small ones through
    /// <see cref="KustoQueryClient"/>'s internal constructor.
    /// </summary>
    internal sealed class ResponseLimits
    {
        public const long DefaultMaxWireBytes = 100L * 1024 * 1024;
        public const long DefaultMaxDecodedBytes = 1024L * 1024 * 1024;
        public const int DefaultMaxValueBytes = 64 * 1024 * 1024;
        public const int DefaultMaxRows = 1000000;

        /// <summary>Bytes read from the connection (compressed, when the answer is).</summary>
        public long MaxWireBytes { get; set; } = DefaultMaxWireBytes;

        /// <summary>Bytes once gzip or deflate is undone (a small gzip body can inflate a thousandfold).</summary>
        public long MaxDecodedBytes { get; set; } = DefaultMaxDecodedBytes;

        /// <summary>One JSON value as it arrives: a cell, or an error or dynamic object kept whole.</summary>
        public int MaxValueBytes { get; set; } = DefaultMaxValueBytes;

        /// <summary>Rows of the result table (each is held in memory until the answer ends).</summary>
        public int MaxRows { get; set; } = DefaultMaxRows;

        /// <summary>"64 MB", "1 GB", "512 KB": a limit as a console reader wants it.</summary>
        public static string Size(long bytes)
        {
            const double MB = 1024.0 * 1024;
            if (bytes >= 1024 * MB && bytes % (1024L * 1024 * 1024) == 0) return (bytes / (1024 * MB)).ToString("0", CultureInfo.InvariantCulture) + " GB";
            if (bytes >= MB) return (bytes / MB).ToString("#,0.#", CultureInfo.InvariantCulture) + " MB";
            return (bytes / 1024.0).ToString("#,0.#", CultureInfo.InvariantCulture) + " KB";
        }
    }

    /// <summary>An answer went past one of the <see cref="ResponseLimits"/>; the message says which, e.g. "more than 100 MB arrived on the wire".</summary>
    internal sealed class ResponseLimitException : Exception
    {
        public ResponseLimitException(string what) : base(what) { }
    }
}
