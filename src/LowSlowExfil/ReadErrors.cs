using System;
using System.Management.Automation;
using LowSlowExfil.Readers;

namespace LowSlowExfil.Commands
{
    /// <summary>A log file or record the module could not read.</summary>
    public sealed class LogReadException : Exception
    {
        public LogReadException(ReadIssue issue) : base(issue.ToString()) { Issue = issue; }
        public ReadIssue Issue { get; }
    }

    internal static class ReadErrors
    {
        /// <summary>A non-terminating error whose target is the issue (File, Line, Record, Reason).</summary>
        public static ErrorRecord ToErrorRecord(ReadIssue issue) =>
            new ErrorRecord(new LogReadException(issue),
                issue.Line > 0 ? "RecordSkipped" : issue.Unshown > 0 ? "MoreRecordsSkipped" : "FileUnreadable",
                issue.Line > 0 || issue.Unshown > 0 ? ErrorCategory.InvalidData : ErrorCategory.ReadError,
                issue);
    }
}
