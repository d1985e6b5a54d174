using System;

namespace LowSlowExfil.Readers
{
    /// <summary>A record or file that could not be read: where, and why.</summary>
    public sealed class ReadIssue
    {
        public ReadIssue(string file, long line, long record, string reason)
        {
            File = file;
            Line = line;
            Record = record;
            Reason = reason;
        }

        public string File { get; }
        /// <summary>1-based line where the record starts; 0 when the issue concerns the whole file.</summary>
        public long Line { get; }
        /// <summary>1-based record index within the file (data rows, not counting a header); 0 for the whole file.</summary>
        public long Record { get; }
        public string Reason { get; }
        /// <summary>For the closing issue of a file that had more than were reported one by one: how many were not.</summary>
        public long Unshown { get; internal set; }

        /// <summary>The record was an object in the pipeline, not a line of a file: <see cref="Record"/> is its position there.</summary>
        public bool FromPipeline { get; internal set; }

        public override string ToString() =>
            FromPipeline && Line > 0 ? $"{File}: object {Record}: {Reason}"
            : Line > 0 ? $"{File}:{Line}: record {Record}: {Reason}" : $"{File}: {Reason}";
    }
}
