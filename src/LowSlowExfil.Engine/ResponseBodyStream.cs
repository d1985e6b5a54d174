using System;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace LowSlowExfil.Engine
{
    /// <summary>
    /// An answer's body as it comes off the connection, read under the bounds a broken or hostile endpoint would
    /// otherwise escape: a byte limit; a deadline for the whole body (Azure.Core's network timeout starts again with
    /// every read, so a byte every few seconds never trips it); and the caller's cancellation (Ctrl+C). Each read
    /// waits on the deadline and the cancellation as well as on the data, so the caller is let go even by a read
    /// that ignores its token; the connection is then dropped so that read ends too. Counts the bytes read.
    /// </summary>
    internal sealed class ResponseBodyStream : Readers.ReadOnlyStream
    {
        private readonly Stream _inner;
        private readonly long _maxBytes;
        private readonly CancellationToken _caller;
        private readonly CancellationTokenSource _stop;   // the caller's cancellation or the deadline, whichever comes first
        // The deadline as a clock reading too: each wait is bounded by it on the reading thread itself, so a busy thread
        // pool (where the timer behind CancelAfter runs) cannot make the deadline late.
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        private readonly TimeSpan _timeLeft;

        public ResponseBodyStream(Stream inner, long maxBytes, TimeSpan timeLeft, CancellationToken caller)
        {
            _inner = inner ?? Null;
            _maxBytes = maxBytes;
            _caller = caller;
            _timeLeft = timeLeft;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(caller);
            if (timeLeft <= TimeSpan.Zero) _stop.Cancel();
            else _stop.CancelAfter(timeLeft);
        }

        /// <summary>Bytes read so far (as they came over the wire, before decompression).</summary>
        public long Count { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_stop.IsCancellationRequested || _clock.Elapsed >= _timeLeft) throw Stopped(null);
            if (count == 0) return 0;
            Task<int> read = null;
            int n;
            try
            {
                read = _inner.ReadAsync(buffer, offset, count, _stop.Token);
                TimeSpan left = _timeLeft - _clock.Elapsed;
                if (left < TimeSpan.Zero) left = TimeSpan.Zero;
                if (!read.Wait((int)Math.Min(int.MaxValue - 1, Math.Ceiling(left.TotalMilliseconds)), _stop.Token))
                {
                    _stop.Cancel(); // the deadline, seen on this thread before the timer came round
                    throw Stopped(read);
                }
                n = read.Result;
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                throw Stopped(read);
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
            Count += n;
            if (Count > _maxBytes)
            {
                Drop(null);
                throw new ResponseLimitException($"more than {ResponseLimits.Size(_maxBytes)} arrived on the wire");
            }
            return n;
        }

        /// <summary>The caller's own cancellation, or else the deadline (which the client reports as its timeout).</summary>
        private Exception Stopped(Task pending)
        {
            Drop(pending);
            return _caller.IsCancellationRequested
                ? new OperationCanceledException(_caller)
                : new OperationCanceledException("The client-side deadline passed while the answer was still arriving.");
        }

        /// <summary>Drops the connection, which ends a read still pending on it; that read's failure is observed here.</summary>
        private void Drop(Task pending)
        {
            pending?.ContinueWith(t => _ = t.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            try { _inner.Dispose(); }
            catch (Exception) { }   // already broken: nothing more to release
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
                _stop.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    /// <summary>Refuses to read past a number of bytes: the decompressed side of a gzip or deflate answer.</summary>
    internal sealed class DecodedLimitStream : Readers.ReadOnlyStream
    {
        private readonly Stream _inner;
        private readonly long _maxBytes;
        private long _count;

        public DecodedLimitStream(Stream inner, long maxBytes)
        {
            _inner = inner;
            _maxBytes = maxBytes;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = _inner.Read(buffer, offset, count);
            _count += n;
            if (_count > _maxBytes) throw new ResponseLimitException($"more than {ResponseLimits.Size(_maxBytes)} once decompressed");
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
