using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LowSlowExfil.Readers;

namespace FakeLogAnalytics
{
    /// <summary>A CommonSecurityLog row as the fake workspace holds it.</summary>
    public readonly struct ProxyRow
    {
        public ProxyRow(DateTime time, string vendor, string action, string user, string host, long? sentBytes)
        {
            TimeGenerated = time;
            DeviceVendor = vendor;
            DeviceAction = action;
            SourceUserName = user;
            DestinationHostName = host;
            SentBytes = sentBytes;
        }

        public DateTime TimeGenerated { get; }
        public string DeviceVendor { get; }
        public string DeviceAction { get; }
        public string SourceUserName { get; }
        public string DestinationHostName { get; }
        public long? SentBytes { get; }
    }

    /// <summary>An OfficeActivity row as the fake workspace holds it.</summary>
    public readonly struct SharingRow
    {
        public SharingRow(DateTime time, string userId, string operation)
        {
            TimeGenerated = time;
            UserId = userId;
            Operation = operation;
        }

        public DateTime TimeGenerated { get; }
        public string UserId { get; }
        public string Operation { get; }
    }

    /// <summary>The fake workspace's tables, loaded from log files with LowSlowExfil.Core's readers.</summary>
    public sealed class EventStore : IEventSink
    {
        private readonly List<ProxyRow> _proxy = new List<ProxyRow>();
        private readonly List<SharingRow> _sharing = new List<SharingRow>();

        public IReadOnlyList<ProxyRow> CommonSecurityLog => _proxy;
        public IReadOnlyList<SharingRow> OfficeActivity => _sharing;
        public List<ReadIssue> Issues { get; } = new List<ReadIssue>();

        public void AddProxy(DateTime timeUtc, string vendor, string action, string user, string host, long? sentBytes) =>
            _proxy.Add(new ProxyRow(timeUtc, vendor, action, user, host, sentBytes));

        public void AddSharing(DateTime timeUtc, string userId, string operation, string recordId = null) => _sharing.Add(new SharingRow(timeUtc, userId, operation));

        /// <summary>Reads files, or every file under folders (recursively), in any format LogFileReader knows.</summary>
        public static EventStore Load(params string[] paths)
        {
            var store = new EventStore();
            var ctx = new ReadContext { OnIssue = store.Issues.Add };
            foreach (string p in paths ?? new string[0])
            {
                if (Directory.Exists(p))
                {
                    // A sample tenant folder holds its manifest (tenant.psd1) beside the logs: that is not a log.
                    foreach (string f in Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).OrderBy(x => x, StringComparer.Ordinal))
                        if (!f.EndsWith(".psd1", StringComparison.OrdinalIgnoreCase)) LogFileReader.Read(f, store, ctx);
                }
                else if (File.Exists(p))
                {
                    LogFileReader.Read(p, store, ctx);
                }
                else
                {
                    throw new FileNotFoundException($"No file or folder '{p}'.", p);
                }
            }
            return store;
        }
    }
}
