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

        /// <summary>
        /// An ArgumentException from the core as the analyst should read it: without .NET's " (Parameter 'options')",
        /// which names a variable of the code, not a parameter they typed.
        /// </summary>
        public static ArgumentException ForUser(ArgumentException e)
        {
            string message = e.Message;
            string suffix = e.ParamName == null ? null : $" (Parameter '{e.ParamName}')";
            if (suffix != null && message.EndsWith(suffix, StringComparison.Ordinal)) message = message.Substring(0, message.Length - suffix.Length);
            // ArgumentOutOfRangeException adds "Actual value was …." on a line of its own.
            int cut = message.IndexOf(System.Environment.NewLine + "Actual value was", StringComparison.Ordinal);
            if (cut >= 0) message = message.Substring(0, cut);
            return new ArgumentException(message, e);
        }
    }
}
