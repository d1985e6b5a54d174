namespace LowSlowExfil.Tests
{
    /// <summary>Keeps every event a reader hands over, and every issue it reports.</summary>
    public sealed class RecordingSink : IEventSink
    {
        public readonly List<(DateTime Time, string Vendor, string Action, string User, string Host, long? Sent)> Proxy =
            new List<(DateTime, string, string, string, string, long?)>();
        public readonly List<(DateTime Time, string User, string Operation)> Sharing = new List<(DateTime, string, string)>();
        public readonly List<ReadIssue> Issues = new List<ReadIssue>();

        public void AddProxy(DateTime timeUtc, string vendor, string action, string user, string host, long? sentBytes) =>
            Proxy.Add((timeUtc, vendor, action, user, host, sentBytes));

        public void AddSharing(DateTime timeUtc, string userId, string operation, string recordId = null) => Sharing.Add((timeUtc, userId, operation));

        public ReadContext Context(int maxRecordChars = 16 * 1024 * 1024) =>
            new ReadContext { OnIssue = Issues.Add, MaxRecordChars = maxRecordChars };

        public FileReadSummary Read(string path, int maxRecordChars = 16 * 1024 * 1024) =>
            LogFileReader.Read(path, this, Context(maxRecordChars));
    }
}
