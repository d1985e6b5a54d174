using System;
using System.Collections.Generic;
using System.Threading;
using LowSlowExfil.Aggregation;
using LowSlowExfil.Kql;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Workspace
{
    /// <summary>
    /// Reads a workspace the way the file readers read files: it runs the push-down queries and feeds their
    /// per-group rows into the same accumulators, so scoring is the same code either way. A result over the
    /// service's limits is fetched again in two halves of the time range, recursively; the groups of the halves
    /// merge exactly (sums, counts, minima and maxima keyed by user, day, host or operation).
    /// </summary>
    public sealed class WorkspaceReader
    {
        /// <summary>The narrowest range worth splitting: below it, a too-large result is an error.</summary>
        public static readonly TimeSpan MinimumSplit = TimeSpan.FromMinutes(1);

        private readonly IQueryClient _client;
        private readonly Action<string>? _log;

        public WorkspaceReader(IQueryClient client, Action<string>? log = null)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            _log = log;
        }

        /// <summary>Where the uploads are read: CommonSecurityLog (default) or the ASIM web-session parser.</summary>
        public ProxySchema Schema { get; set; }

        /// <summary>Result rows that could not be counted (e.g. a negative byte sum), one line each: errors for the caller to report.</summary>
        public List<string> RejectedRows { get; } = new List<string>();

        /// <summary>Partial results the caller allowed, one line each (they also mark the hunt as partial).</summary>
        public List<string> PartialResults { get; } = new List<string>();

        public void ReadUploads(EventAccumulator acc, CancellationToken ct)
        {
            var o = acc.Options;
            Fetch(Schema == ProxySchema.Asim ? "ZIA uploads (ASIM web sessions)" : "ZIA uploads", o, (s, e, ub) => KqlQueryBuilder.ZiaAggregation(o, s, e, ub, Schema), table =>
            {
                int user = Column(table, "UserName"), day = Column(table, "Day"), host = Column(table, "DestinationHostName"),
                    bytes = Column(table, "SentBytes"), requests = Column(table, "Requests"), negative = Column(table, "Negative"),
                    oversized = Column(table, "Oversized"), first = Column(table, "FirstSeen"), last = Column(table, "LastSeen");
                foreach (var r in table.Rows)
                {
                    long sent = Long(r[bytes]), count = Long(r[requests]);
                    // Records the file readers would skip, left out by the query itself: said here as a reader says it.
                    foreach (var (n, why) in new[] { (Long(r[negative]), "is negative; a byte count cannot be"), (Long(r[oversized]), "is over 1 TiB, more than any single request sends") })
                        if (n > 0)
                            RejectedRows.Add($"ZIA uploads: user '{r[user]}', day {Time(r[day]):yyyy-MM-dd}, host '{r[host]}': {n} record(s) whose SentBytes {why}, left out of the totals.");
                    if (count <= 0) continue;   // only such records: no request, no active day
                    // A hostile service may still send anything: a group of `count` records holds at most count × 1 TiB.
                    if (sent < 0 || count > 0 && sent / count > Readers.ExportSchema.MaxSentBytes)
                    {
                        RejectedRows.Add($"ZIA uploads: user '{r[user]}', day {Time(r[day]):yyyy-MM-dd}, host '{r[host]}': SentBytes {sent} over {count} request(s) " +
                            (sent < 0 ? "is negative" : "is over 1 TiB a request") + "; the group is left out of the totals.");
                        continue;
                    }
                    acc.Uploads.AddAggregate(r[user] as string, Time(r[day]), r[host] as string, sent, count, Time(r[first]), Time(r[last]));
                }
            }, ct);
        }

        public void ReadSharing(EventAccumulator acc, CancellationToken ct)
        {
            var o = acc.Options;
            Fetch("O365 sharing", o, (s, e, ub) => KqlQueryBuilder.SharingAggregation(o, s, e, ub), table =>
            {
                int user = Column(table, "UserName"), op = Column(table, "Operation"), events = Column(table, "Events"),
                    anon = Column(table, "AnonLinks"), first = Column(table, "FirstEvent"), last = Column(table, "LastEvent");
                foreach (var r in table.Rows)
                    acc.Sharing.AddAggregate(r[user] as string, Text(r[op], "Operation"), Long(r[events]), Long(r[anon]), Time(r[first]), Time(r[last]));
            }, ct);
        }

        private void Fetch(string what, HuntOptions o, Func<DateTime, DateTime, bool, string> query, Action<QueryTable> consume, CancellationToken ct)
        {
            var pending = new Stack<(DateTime Start, DateTime End, bool Upper)>();
            pending.Push((o.Window.Start, o.Window.End, o.Window.HasUpperBound));
            while (pending.Count > 0)
            {
                ct.ThrowIfCancellationRequested();
                var (start, end, upper) = pending.Pop();
                QueryTable table;
                try
                {
                    table = _client.Query(query(start, end, upper), start, upper ? end : (DateTime?)null, ct);
                }
                catch (QueryResultTooLargeException e) when (end - start > MinimumSplit)
                {
                    var mid = Midpoint(start, end);
                    _log?.Invoke($"{what}: the result for {Range(start, end, upper)} exceeds the service's limits ({e.Message}); fetching it in two halves.");
                    // Later half first on the stack's bottom, so halves are fetched in time order.
                    pending.Push((mid, end, upper));
                    pending.Push((start, mid, true));
                    continue;
                }
                if (table.PartialError != null)
                    PartialResults.Add($"{what} {Range(start, end, upper)}: {table.PartialError.Code}: {table.PartialError.Message}");
                // 204 No Content (or an accepted error without a table): no rows and no columns; nothing to add.
                if (table.Columns.Count == 0) continue;
                _log?.Invoke($"{what}: {table.Rows.Count} rows for {Range(start, end, upper)}.");
                consume(table);
            }
        }

        private static string Range(DateTime start, DateTime end, bool upper) => upper ? $"({start:o}, {end:o}]" : $"({start:o}, …) (no upper bound)";

        /// <summary>The middle of a range, on a UTC midnight when the range spans more than a day (tidier queries).</summary>
        private static DateTime Midpoint(DateTime start, DateTime end)
        {
            var mid = new DateTime(start.Ticks + (end.Ticks - start.Ticks) / 2, DateTimeKind.Utc);
            var midnight = KqlMath.BinDay(mid);
            return midnight > start && midnight < end ? midnight : mid;
        }

        private static int Column(QueryTable t, string name)
        {
            int i = t.IndexOf(name);
            if (i < 0) throw new QueryFailedException($"The query result lacks the column '{name}'.", 200, "UnexpectedSchema");
            return i;
        }

        // The operation keys the user's counts: a service that sends none (or a number) sent a result this query cannot give.
        private static string Text(object v, string column) =>
            v as string ?? throw new QueryFailedException($"Expected text in the column '{column}', got '{v ?? "null"}'.", 200, "UnexpectedSchema");

        private static long Long(object v)
        {
            switch (v)
            {
                case null: return 0;
                case long l: return l;
                case int i: return i;
                // A real out of the long range would convert to an undefined value: refused like any non-number.
                case double d when d >= -9.2e18 && d <= 9.2e18: return (long)d;
                case decimal m when m >= long.MinValue && m <= long.MaxValue: return (long)m;
                case string s when long.TryParse(s, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out long p): return p;
                default: throw new QueryFailedException($"Expected a number, got '{v}'.", 200, "UnexpectedSchema");
            }
        }

        private static DateTime Time(object v)
        {
            if (v is DateTime t) return HuntWindow.ToUtc(t);
            throw new QueryFailedException($"Expected a datetime, got '{v}'.", 200, "UnexpectedSchema");
        }
    }
}
