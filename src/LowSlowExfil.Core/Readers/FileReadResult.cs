namespace LowSlowExfil.Readers
{
    /// <summary>What the host is told about one file of a multi-file read, on its own thread and in file order.</summary>
    public sealed class FileReadResult
    {
        internal FileReadResult(int index, FileReadSummary summary)
        {
            Index = index;
            Summary = summary;
        }

        /// <summary>The file's position in the list given.</summary>
        public int Index { get; }
        public FileReadSummary Summary { get; }
    }
}
