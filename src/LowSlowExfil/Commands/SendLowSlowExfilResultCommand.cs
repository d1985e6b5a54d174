using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using LowSlowExfil.Reporting;
using LowSlowExfil.Workspace;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// Sends candidates (from Find-LowSlowExfil) to the LowSlowExfil_CL table through the Logs Ingestion API (a data
    /// collection rule's stream), so a scheduled long-window hunt lands in Log Analytics where an analytics rule
    /// raises incidents. Emits one summary: records sent and failed, batches. A batch the service refuses is
    /// reported as an error with its record count; the other batches are still sent.
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "LowSlowExfilResult", SupportsShouldProcess = true)]
    [OutputType(typeof(IngestionResult))]
    public sealed class SendLowSlowExfilResultCommand : PSCmdlet, IAzureCredentialParameters
    {
        private readonly List<string> _records = new List<string>();
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private DateTime _now;
        private string _version;
        private int _skipped;

        /// <summary>The candidates (ExfilCandidate objects from Find-LowSlowExfil).</summary>
        [Parameter(ValueFromPipeline = true, Position = 0)]
        [AllowNull]
        [AllowEmptyCollection]
        public ExfilCandidate[] InputObject { get; set; }

        /// <summary>The Logs Ingestion URL of the data collection endpoint (or of the rule itself).</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNull]
        public Uri Endpoint { get; set; }

        /// <summary>The data collection rule's immutable id (dcr-…).</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string DcrImmutableId { get; set; }

        /// <summary>The rule's stream (default Custom-LowSlowExfil_CL, as Export-LowSlowExfilDeployment declares it).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string StreamName { get; set; } = IngestionRecord.StreamName;

        /// <summary>Also send candidates no clause flagged (from Find-LowSlowExfil -IncludeAll), with Flagged = false.</summary>
        [Parameter]
        public SwitchParameter IncludeAll { get; set; }

        [Parameter]
        [ValidateSet("AzureCloud", "AzureUSGovernment", "AzureChinaCloud", IgnoreCase = true)]
        public string Environment { get; set; } = "AzureCloud";

        [Parameter]
        public SwitchParameter UseManagedIdentity { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ClientId { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string TenantId { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string CertificatePath { get; set; }

        [Parameter]
        public System.Security.SecureString CertificatePassword { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string CertificateThumbprint { get; set; }

        [Parameter]
        public System.Security.SecureString AccessToken { get; set; }

        protected override void BeginProcessing()
        {
            // One TimeGenerated for every record of this run: the analytics rule sees one hunt as one arrival.
            _now = DateTime.UtcNow;
            _version = MyInvocation.MyCommand.Module?.Version?.ToString() ?? typeof(SendLowSlowExfilResultCommand).Assembly.GetName().Version.ToString();
        }

        protected override void ProcessRecord()
        {
            if (InputObject == null) return;
            foreach (var c in InputObject)
            {
                if (c == null) continue;
                if (!c.IsFlagged() && !IncludeAll)
                {
                    _skipped++;
                    continue;
                }
                _records.Add(IngestionRecord.ToJson(c, _now, _version));
            }
        }

        protected override void EndProcessing()
        {
            if (_skipped > 0) WriteVerbose($"{_skipped} candidates no clause flagged were not sent (use -IncludeAll to send every scored user).");
            string target = $"{StreamName} of data collection rule {DcrImmutableId} at {Endpoint.GetLeftPart(UriPartial.Authority)}";
            if (_records.Count == 0)
            {
                WriteVerbose("Nothing to send: no flagged candidate came down the pipeline.");
                WriteObject(new IngestionResult());
                return;
            }
            if (!ShouldProcess(target, $"Send {_records.Count} records")) return;

            var host = new CmdletHostContext(this);
            var connection = new IngestionConnection
            {
                Endpoint = Endpoint,
                DcrImmutableId = DcrImmutableId,
                StreamName = StreamName,
                Environment = Environment,
                Authentication = AzureCredential.Choose(this, this),
                // The engine logs batches and retries from its own threads.
                Log = host.Verbose,
            };
            IngestionResult result;
            try
            {
                using (var client = EngineLoader.CreateIngestionClient(connection))
                    result = host.Run(() => client.Send(_records, _stop.Token));
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, "InvalidIngestionTarget", ErrorCategory.InvalidArgument, Endpoint));
                return;
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            finally
            {
                host.Flush();
            }
            foreach (string w in result.Warnings) WriteWarning(w);
            foreach (var f in result.Failures)
                WriteError(new ErrorRecord(new InvalidOperationException(f.Message), "IngestionBatchFailed", ErrorCategory.WriteError, target));
            WriteVerbose($"{result.RecordsSent} records sent to {target} in {result.Batches} batches; {result.RecordsFailed} not accepted.");
            WriteObject(result);
        }

        protected override void StopProcessing() => _stop.Cancel();
    }
}
