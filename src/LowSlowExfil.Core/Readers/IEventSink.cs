using System;

namespace LowSlowExfil.Readers
{
    /// <summary>Receives the events a reader decodes. Filtering is the receiver's business, not the reader's.</summary>
    public interface IEventSink
    {
        /// <summary>A web-proxy event (a CommonSecurityLog row or an NSS record).</summary>
        void AddProxy(DateTime timeUtc, string? vendor, string? action, string? user, string? host, long? sentBytes);

        /// <summary>
        /// A Microsoft 365 audit event (an OfficeActivity row or an audit record). <paramref name="recordId"/> is the audit
        /// record's Id (OfficeActivity's OfficeId), when the data carries it: the same record in two exports counts once.
        /// </summary>
        void AddSharing(DateTime timeUtc, string? userId, string operation, string? recordId = null);
    }
}
