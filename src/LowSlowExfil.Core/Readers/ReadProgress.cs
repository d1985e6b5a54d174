namespace LowSlowExfil.Readers
{
    /// <summary>Bytes read so far from one file.</summary>
    public readonly struct ReadProgress
    {
        public ReadProgress(string? file, long bytesRead, long totalBytes)
        {
            File = file;
            BytesRead = bytesRead;
            TotalBytes = totalBytes;
        }

        /// <summary>The file, or null for the progress of several files read together.</summary>
        public string? File { get; }
        public long BytesRead { get; }
        public long TotalBytes { get; }
    }
}
