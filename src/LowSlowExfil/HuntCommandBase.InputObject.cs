using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using LowSlowExfil.Aggregation;
using LowSlowExfil.Readers;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// -InputObject: everything piped into a hunting cmdlet. Log records (Import-Csv rows of any export the readers
    /// know, ConvertFrom-Json objects, Search-UnifiedAuditLog results, Microsoft Graph audit-log records) stream into
    /// the accumulator as they arrive, through the Core's JSON mapping; path strings and Get-ChildItem output are read
    /// as -LiteralPath would; candidates and profiles go to the cmdlet (<see cref="TakePipedObject"/>). One pipeline
    /// parameter for all of them keeps the parameter sets unambiguous: with a second by-value parameter PowerShell
    /// could not tell which set a piped string or candidate meant.
    /// </summary>
    public abstract partial class HuntCommandBase
    {
        protected const string InputObjectSet = "InputObject";

        /// <summary>Objects from the pipeline: log records, files or path strings, and candidates or profiles.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
        [AllowNull]
        public PSObject InputObject { get; set; }

        private long _piped;
        private ObjectRecordReader _records;
        private EventAccumulator _pipedEvents;
        private HuntOptions _options;

        /// <summary>True once a log record was piped in (it is already in the accumulator <see cref="ReadInputs"/> returns).</summary>
        protected bool ReadsRecords => _records != null;

        /// <summary>True when the command hunts logs (files, records or a workspace), not candidates or profiles piped in.</summary>
        protected bool ReadsLogs => ReadsFiles || ReadsWorkspace || ReadsRecords;

        /// <summary>A cmdlet takes the piped objects that are its own (candidates, profiles) and returns true; the rest are log records.</summary>
        protected virtual bool TakePipedObject(object value) => false;

        /// <summary>One -InputObject: each element of a collection given as -InputObject $rows counts as an object of its own.</summary>
        private void TakeInputObject()
        {
            object value = InputObject?.BaseObject;
            if (value is IEnumerable items && !(value is string) && !(value is IDictionary))
            {
                foreach (object item in items) TakeOne(item);
                return;
            }
            TakeOne(InputObject);
        }

        private void TakeOne(object item)
        {
            _piped++;
            var pso = item == null ? null : item as PSObject ?? PSObject.AsPSObject(item);
            object value = pso?.BaseObject;
            if (value is string path) AddInputPath(path, literal: true); // taken literally, as -LiteralPath takes it
            else if (value is FileSystemInfo file) AddInputPath(file.FullName, literal: true);
            else if (value != null && TakePipedObject(value)) { }
            else ReadRecord(pso);
        }

        private void ReadRecord(PSObject record)
        {
            if (_records == null)
            {
                _pipedEvents = new EventAccumulator(CreateOptions());
                _records = new ObjectRecordReader(_pipedEvents, new ReadContext
                {
                    Cancellation = _stop.Token,
                    FeedTimeZone = ResolveFeedTimeZone(),
                    Replays = _replays,
                    OnIssue = issue => WriteError(ReadErrors.ToErrorRecord(issue)),
                });
            }
            try
            {
                _records.Read(_piped, record == null ? null : PipedRecord.Properties(record));
            }
            catch (System.OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>The records' closing issue (those past the first 100) and their summary, for the -Verbose accounting.</summary>
        private FileReadSummary FinishRecords()
        {
            if (_records == null) return null;
            _records.Finish();
            return _records.Summary;
        }
    }
}
