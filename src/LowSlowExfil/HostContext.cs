using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// What the module's long-running parts tell the analyst: errors, warnings, verbose lines and progress, from any
    /// thread (PSRule's IHostContext is the model). Only the pipeline thread may write to PowerShell.
    /// </summary>
    internal interface IHostContext
    {
        void Error(ErrorRecord record);
        void Warning(string text);
        void Verbose(string text);

        /// <summary>Shown only where someone can see it (<see cref="HostProgress.Shows"/>); ignored elsewhere.</summary>
        void Progress(ProgressRecord record);
    }

    /// <summary>
    /// The host context of one cmdlet: written straight through on the pipeline thread; raised on another thread,
    /// held until the pipeline thread writes it, in the order raised (<see cref="Run{T}"/> writes as it comes).
    /// </summary>
    internal sealed class CmdletHostContext : IHostContext
    {
        private readonly Cmdlet _cmdlet;
        private readonly int _pipelineThread = Environment.CurrentManagedThreadId;
        private readonly ConcurrentQueue<Action> _pending = new ConcurrentQueue<Action>();
        private readonly AutoResetEvent _raised = new AutoResetEvent(false);

        /// <summary>Made on the pipeline thread (the cmdlet's Begin, Process or End).</summary>
        public CmdletHostContext(PSCmdlet cmdlet)
        {
            _cmdlet = cmdlet;
            ShowsProgress = HostProgress.Shows(cmdlet.Host);
        }

        /// <summary>Whether progress reaches the host, decided once from the host.</summary>
        public bool ShowsProgress { get; }

        public void Error(ErrorRecord record) => Post(() => _cmdlet.WriteError(record));

        public void Warning(string text) => Post(() => _cmdlet.WriteWarning(text));

        public void Verbose(string text) => Post(() => _cmdlet.WriteVerbose(text));

        public void Progress(ProgressRecord record)
        {
            if (!ShowsProgress) return;
            if (OnPipelineThread) Post(() => _cmdlet.WriteProgress(record));
            else
            {
                // The caller may change its record again before the pipeline thread writes this one.
                var copy = Copy(record);
                Post(() => _cmdlet.WriteProgress(copy));
            }
        }

        /// <summary>
        /// Runs <paramref name="work"/> on a worker thread while this (pipeline) thread writes what it raises, as it
        /// raises it; returns its result or rethrows its exception once it has ended. The work stops on its own
        /// cancellation token (StopProcessing); if writing fails (the pipeline is stopping), the work is waited for
        /// so that nothing it uses is disposed under it.
        /// </summary>
        public T Run<T>(Func<T> work)
        {
            var culture = CultureInfo.CurrentCulture;
            var uiCulture = CultureInfo.CurrentUICulture;
            var task = Task.Factory.StartNew(() =>
            {
                // The session's culture, as if the work ran on the pipeline thread.
                CultureInfo.CurrentCulture = culture;
                CultureInfo.CurrentUICulture = uiCulture;
                return work();
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            try
            {
                var handles = new[] { _raised, ((IAsyncResult)task).AsyncWaitHandle };
                while (!task.IsCompleted)
                {
                    WaitHandle.WaitAny(handles);
                    Flush();
                }
                Flush();
            }
            catch
            {
                try { task.Wait(); } catch (AggregateException) { }
                throw;
            }
            return task.GetAwaiter().GetResult();
        }

        /// <summary><see cref="Run{T}"/> for work without a result.</summary>
        public void Run(Action work) => Run(() => { work(); return true; });

        /// <summary>Writes what other threads raised so far; call on the pipeline thread.</summary>
        public void Flush()
        {
            while (_pending.TryDequeue(out Action write)) write();
        }

        private bool OnPipelineThread => Environment.CurrentManagedThreadId == _pipelineThread;

        private void Post(Action write)
        {
            if (OnPipelineThread)
            {
                // What other threads raised before this comes first.
                Flush();
                write();
                return;
            }
            _pending.Enqueue(write);
            _raised.Set();
        }

        private static ProgressRecord Copy(ProgressRecord r) => new ProgressRecord(r.ActivityId, r.Activity, r.StatusDescription)
        {
            CurrentOperation = r.CurrentOperation,
            ParentActivityId = r.ParentActivityId,
            PercentComplete = r.PercentComplete,
            RecordType = r.RecordType,
            SecondsRemaining = r.SecondsRemaining,
        };
    }
}
