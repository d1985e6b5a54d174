using System;
using System.Collections.Generic;
using System.Globalization;
using LowSlowExfil.Kql;

namespace LowSlowExfil.SampleData
{
    /// <summary>Parameters of a generated sample tenant. Everything generated is a pure function of these.</summary>
    public sealed class SampleTenantOptions
    {
        /// <summary>PRNG seed; the same seed and options give byte-identical events.</summary>
        public int Seed { get; set; } = 42;

        /// <summary>End of the generated period; must be a UTC midnight (the actors' days are UTC days).</summary>
        public DateTime EndTime { get; set; } = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

        /// <summary>Days generated before <see cref="EndTime"/> (at least 30: the actors are laid out in the 30 days before EndTime).</summary>
        public int Days { get; set; } = 35;

        /// <summary>Ordinary users of the company (besides the injected actors).</summary>
        public int BackgroundUsers { get; set; } = 200;

        /// <summary>Average web-proxy rows per user per weekday that are not uploads to exfiltration domains (weekends: 15 %).</summary>
        public double BrowsingEventsPerUserPerDay { get; set; } = 10;

        /// <summary>Average Microsoft 365 audit events per background user per weekday (weekends: 15 %).</summary>
        public double OfficeEventsPerUserPerDay { get; set; } = 3;

        /// <summary>
        /// Truncates every event time to the whole second (default false: millisecond resolution). The raw formats
        /// record seconds only (NSS CEF <c>rt</c>, Cloud NSS <c>TimeGenerated</c>, audit <c>CreationTime</c>), so a
        /// tenant meant to be written in every format (<c>SampleRawFeedWriter.WriteAllFormats</c> in tests/LowSlowExfil.TestSupport) and read back
        /// identically must be generated with this set. The RNG draws are the same either way; only the times are
        /// truncated (which keeps the streams in time order), and the edges actor's "just inside the window" event
        /// moves from EndTime − 30 d + 1 ms to EndTime − 30 d + 1 s, the smallest step the formats can express.
        /// </summary>
        public bool WholeSecondTimestamps { get; set; }
    }

    /// <summary>One web-proxy row (the CommonSecurityLog columns the rule reads, and a few more).</summary>
    /// <remarks>A column left null is written as an empty cell (tests build rows with only the columns they need).</remarks>
    public sealed class SampleProxyEvent
    {
        public DateTime TimeGenerated { get; set; }
        public string? DeviceVendor { get; set; }
        public string? DeviceProduct { get; set; }
        public string? DeviceAction { get; set; }
        public string? SourceUserName { get; set; }
        public string? DestinationHostName { get; set; }
        public long SentBytes { get; set; }
        public long ReceivedBytes { get; set; }
        public string? RequestURL { get; set; }
        public string? SourceIP { get; set; }
        /// <summary>Unique per event (Zscaler's record id); assigned in stream order.</summary>
        public long ExternalId { get; set; }

        public override string ToString() => string.Format(CultureInfo.InvariantCulture,
            "{0:yyyy-MM-ddTHH:mm:ss.fffZ}|{1}|{2}|{3}|{4}|{5}|{6}|{7}|{8}|{9}|{10}",
            TimeGenerated, DeviceVendor, DeviceProduct, DeviceAction, SourceUserName, DestinationHostName,
            SentBytes, ReceivedBytes, RequestURL, SourceIP, ExternalId);
    }

    /// <summary>One Microsoft 365 audit event (the OfficeActivity columns the rule reads, and a few more).</summary>
    /// <remarks>A column left null is written as an empty cell.</remarks>
    public sealed class SampleSharingEvent
    {
        public DateTime TimeGenerated { get; set; }
        public string? UserId { get; set; }
        public string? Operation { get; set; }
        public string? OfficeWorkload { get; set; }
        public string? OfficeObjectId { get; set; }
        public string? ClientIP { get; set; }
        /// <summary>The audit record type as a number (6 SharePointFileOperation, 14 SharePointSharingOperation, …).</summary>
        public int RecordType { get; set; }
        /// <summary>Unique per event (the audit record's Id), a GUID string; assigned in stream order.</summary>
        public string? Id { get; set; }

        public override string ToString() => string.Format(CultureInfo.InvariantCulture,
            "{0:yyyy-MM-ddTHH:mm:ss.fffZ}|{1}|{2}|{3}|{4}|{5}|{6}|{7}",
            TimeGenerated, UserId, Operation, OfficeWorkload, OfficeObjectId, ClientIP, RecordType, Id);
    }

    /// <summary>The role keys of <see cref="SampleTenant.Actors"/>.</summary>
    public static class SampleActorRoles
    {
        public const string Spike = "spike";
        public const string LowSlow = "lowslow";
        public const string AnonSharer = "anonsharer";
        public const string NearMissDays = "nearmiss-days";
        public const string NearMissMB = "nearmiss-mb";
        public const string NearMissAnonCount = "nearmiss-anon-count";
        public const string NearMissAnonMB = "nearmiss-anon-mb";
        public const string NearMissZ = "nearmiss-z";
        public const string Lookalike = "lookalike";
        public const string Blocked = "blocked";
        public const string VendorCase = "vendorcase";
        public const string MixedCase = "mixedcase";
        public const string Edges = "edges";
        public const string Midpoint = "midpoint";
        public const string O365Only = "o365only";
    }

    /// <summary>
    /// A deterministic synthetic tenant: a company (contoso.com) whose users browse the web through Zscaler ZIA and
    /// work in Microsoft 365, with injected actors whose outcome under the rule is known by construction.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Events are produced lazily, in time order, one UTC day at a time (web browsing is generated minute by minute,
    /// so even a day is never held in memory; only the day's planned uploads are). The tenant stores the options,
    /// the actor table and one solved parameter; enumerating twice gives identical events. The PRNG is
    /// xoshiro256** seeded through SplitMix64 per (stream, user, day), and no floating-point transcendental function
    /// is used, so the output does not depend on the platform.
    /// </para>
    /// <para>
    /// Background users (first.last@contoso.com) browse non-exfiltration hosts (Microsoft 365, Salesforce, news, CDNs
    /// — all filtered by the rule), upload a few hundred KB to a few MB to exfiltration domains on a handful of days
    /// (a few MB per user in total), and generate Microsoft 365 events, mostly non-sharing operations (FileAccessed,
    /// PageViewed, …) and a few sharing ones (SharingSet, FileDownloaded, …; at most one AnonymousLinkCreated per
    /// user). Mixed in: Fortinet rows, rows with an empty SourceUserName, upload attempts with DeviceAction
    /// <c>blocked</c>/<c>BLOCK</c>/<c>deny</c> (dropped in both modes), audit events with an empty UserId, from
    /// <c>app@sharepoint</c> and from anonymous link users.
    /// </para>
    /// <para>
    /// Actors (role → outcome for a hunt with Days = 30 ending at <see cref="EndTime"/>; W(i) is the i-th day of that
    /// window, i = 0…29, W(0) starting at EndTime − 30 d; "pre" days lie before the window and never count). Outcomes
    /// hold for the default population (about 200 background users): a z-score depends on the population, and with
    /// many more users the mid-sized actors would reach z ≥ 3 too.
    /// </para>
    /// <list type="table">
    /// <listheader><term>role (user)</term><description>design → KqlCompatible outcome | Intent outcome</description></listheader>
    /// <item><term>spike (marcus.webb)</term><description>900.00 MB to (www.)dropbox.com on W(17), W(18) → ZScore | ZScore.</description></item>
    /// <item><term>lowslow (priya.raman)</term><description>3,155,968 bytes/day (3 requests, drive.google.com/github.com/gist.github.com)
    /// on 24 window days + 3 pre days → 72.23 MB (75,743,232 bytes), 24 days, 72 requests → Persistence | Persistence.</description></item>
    /// <item><term>anonsharer (tom.okafor)</term><description>15.00 MB to wetransfer.com on W(20..24); 4 AnonymousLinkCreated, 3 SharingSet
    /// (+ non-sharing events) → not flagged (O365_AnonLinks is always 0) | AnonymousLinks.</description></item>
    /// <item><term>nearmiss-days (lena.fischer)</term><description>80.00 MB over 19 window days (+ 3 pre days that would make 22) → not flagged | not flagged.</description></item>
    /// <item><term>nearmiss-mb (omar.haddad)</term><description>25 days × 2 MB = exactly 50.00 MB (not &gt; 50) → not flagged | not flagged.</description></item>
    /// <item><term>nearmiss-anon-count (grace.lindqvist)</term><description>40.00 MB; 2 AnonymousLinkCreated in the window (+1 pre) → not flagged | not flagged.</description></item>
    /// <item><term>nearmiss-anon-mb (diego.alvarez)</term><description>exactly 10.00 MB (not &gt; 10); 3 AnonymousLinkCreated → not flagged | not flagged.</description></item>
    /// <item><term>nearmiss-z (hannah.kowalski)</term><description>total solved at generation so that its Intent Zscore rounds to 2.95
    /// (218.95 MB for seed 42, to mediafire.com over 6 days) → not flagged (z ≈ 2.6) | not flagged (z in [2.90, 3.00)).</description></item>
    /// <item><term>lookalike (victor.chen)</term><description>60 MB mydropbox.com, 400 MB evil-dropbox.com.example, 40 MB t.media.com,
    /// 1.50 MB www.dropbox.com → 401.50 MB matched (has "dropbox.com"), ZScore | 1.50 MB, not flagged.</description></item>
    /// <item><term>blocked (ivan.petrov)</term><description>500.00 MB to mega.nz with DeviceAction Block/DENY/Deny → kept, 500.00 MB, ZScore | dropped: no ZIA row.</description></item>
    /// <item><term>vendorcase (sofia.marino)</term><description>400.00 MB to (app.)box.com, DeviceVendor "zscaler" → dropped: no ZIA row | 400.00 MB, ZScore.</description></item>
    /// <item><term>mixedcase (Jane.Doe@Contoso.com)</term><description>2 MB as Jane.Doe@Contoso.com and 1.5 MB as jane.doe@contoso.com on W(7), 3 MB as
    /// jane.doe@contoso.com on W(15) → one user jane.doe@contoso.com, 6.50 MB, 2 days, 3 requests, 2 sharing events | same.</description></item>
    /// <item><term>edges (noah.brandt)</term><description>1 MB at EndTime − 30 d (excluded), 2 MB at EndTime − 30 d + 1 ms (+ 1 s with <see cref="SampleTenantOptions.WholeSecondTimestamps"/>), 4 MB at EndTime
    /// (included), 8 MB at EndTime + 1 s (excluded) → 6,291,456 bytes, 2 days; sharing FileCopied/SharingSet/FileDownloaded/AnonymousLinkCreated
    /// at the same instants → 2 events (SharingSet, FileDownloaded), 0 anonymous links | same.</description></item>
    /// <item><term>midpoint (ruth.abebe)</term><description>12,713,984 bytes = 12.125 MB → ZIA_TotalMBSent 12.13 (half away from zero) | same.</description></item>
    /// <item><term>o365only (felix.moreau)</term><description>5 AnonymousLinkCreated, sharing events, no proxy rows at all → not a candidate | not a candidate.</description></item>
    /// </list>
    /// <para>Flagged: KqlCompatible — spike, blocked, lookalike (ZScore), lowslow (Persistence). Intent — spike, vendorcase
    /// (ZScore), lowslow (Persistence), anonsharer (AnonymousLinks).</para>
    /// </remarks>
    public sealed class SampleTenant
    {
        /// <summary>The hunt window the actors are designed for.</summary>
        public const int DesignedHuntDays = 30;

        public const string CompanyDomain = "contoso.com";
        private const long MB = 1048576;
        private const double TargetNearMissZ = 2.95;

        private readonly ulong _seed;
        private readonly int _days;
        private readonly int _backgroundUsers;
        private readonly double _browseRate, _officeRate;
        private readonly bool _wholeSeconds;
        private readonly Dictionary<string, string> _actors;
        private readonly string[] _actorBrowsers;
        private long _nearMissZBytes;

        private SampleTenant(SampleTenantOptions o)
        {
            Options = o;
            _seed = unchecked((ulong)(long)o.Seed);
            _days = o.Days;
            _backgroundUsers = o.BackgroundUsers;
            _browseRate = o.BrowsingEventsPerUserPerDay;
            _officeRate = o.OfficeEventsPerUserPerDay;
            _wholeSeconds = o.WholeSecondTimestamps;
            EndTime = o.EndTime;
            Start = EndTime.AddDays(-o.Days);
            WindowStart = EndTime.AddDays(-DesignedHuntDays);
            _actors = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [SampleActorRoles.Spike] = "marcus.webb@" + CompanyDomain,
                [SampleActorRoles.LowSlow] = "priya.raman@" + CompanyDomain,
                [SampleActorRoles.AnonSharer] = "tom.okafor@" + CompanyDomain,
                [SampleActorRoles.NearMissDays] = "lena.fischer@" + CompanyDomain,
                [SampleActorRoles.NearMissMB] = "omar.haddad@" + CompanyDomain,
                [SampleActorRoles.NearMissAnonCount] = "grace.lindqvist@" + CompanyDomain,
                [SampleActorRoles.NearMissAnonMB] = "diego.alvarez@" + CompanyDomain,
                [SampleActorRoles.NearMissZ] = "hannah.kowalski@" + CompanyDomain,
                [SampleActorRoles.Lookalike] = "victor.chen@" + CompanyDomain,
                [SampleActorRoles.Blocked] = "ivan.petrov@" + CompanyDomain,
                [SampleActorRoles.VendorCase] = "sofia.marino@" + CompanyDomain,
                [SampleActorRoles.MixedCase] = "Jane.Doe@Contoso.com",
                [SampleActorRoles.Edges] = "noah.brandt@" + CompanyDomain,
                [SampleActorRoles.Midpoint] = "ruth.abebe@" + CompanyDomain,
                [SampleActorRoles.O365Only] = "felix.moreau@" + CompanyDomain,
            };
            var browsers = new List<string>();
            foreach (var kv in _actors)
                if (kv.Key != SampleActorRoles.O365Only) browsers.Add(kv.Value);
            browsers.Add("jane.doe@" + CompanyDomain);
            _actorBrowsers = browsers.ToArray();
        }

        public SampleTenantOptions Options { get; }
        public DateTime EndTime { get; }
        /// <summary>EndTime − Days: the first instant generated.</summary>
        public DateTime Start { get; }
        /// <summary>EndTime − 30 days: the (exclusive) start of the window the actors are designed for.</summary>
        public DateTime WindowStart { get; }

        /// <summary>Role (see <see cref="SampleActorRoles"/>) → user name as written in the logs.</summary>
        public IReadOnlyDictionary<string, string> Actors => _actors;

        /// <summary>The nearmiss-z actor's upload total in bytes, solved at generation.</summary>
        public long NearMissZBytes => _nearMissZBytes;

        public static SampleTenant Generate(SampleTenantOptions? options = null)
        {
            var o = options ?? new SampleTenantOptions();
            var end = o.EndTime.Kind == DateTimeKind.Local ? o.EndTime.ToUniversalTime() : DateTime.SpecifyKind(o.EndTime, DateTimeKind.Utc);
            if (end.Ticks % TimeSpan.TicksPerDay != 0) throw new ArgumentException("EndTime must be a UTC midnight.", nameof(options));
            if (o.Days < DesignedHuntDays) throw new ArgumentOutOfRangeException(nameof(options), o.Days, "Days must be at least " + DesignedHuntDays + ".");
            if (o.BackgroundUsers < 0) throw new ArgumentOutOfRangeException(nameof(options), o.BackgroundUsers, "BackgroundUsers must not be negative.");
            if (!(o.BrowsingEventsPerUserPerDay >= 0) || !(o.OfficeEventsPerUserPerDay >= 0))
                throw new ArgumentOutOfRangeException(nameof(options), "Event rates must not be negative.");
            var copy = new SampleTenantOptions
            {
                Seed = o.Seed, EndTime = end, Days = o.Days, BackgroundUsers = o.BackgroundUsers,
                BrowsingEventsPerUserPerDay = o.BrowsingEventsPerUserPerDay, OfficeEventsPerUserPerDay = o.OfficeEventsPerUserPerDay,
                WholeSecondTimestamps = o.WholeSecondTimestamps,
            };
            var tenant = new SampleTenant(copy);
            tenant._nearMissZBytes = tenant.SolveNearMissZ();
            return tenant;
        }

        // ───────────────────────────── streams ─────────────────────────────

        /// <summary>Web-proxy rows in time order (ties: planned uploads first), lazily.</summary>
        public IEnumerable<SampleProxyEvent> ProxyEvents()
        {
            var names = BackgroundNames();
            var actorPlan = new List<Planned<SampleProxyEvent>>();
            BuildActorPlan(_nearMissZBytes, actorPlan, null);
            SortPlanned(actorPlan);
            long externalId = 7_250_000_000_000L;
            int ai = 0;
            var day = new List<Planned<SampleProxyEvent>>();
            for (int d = 0; d <= _days; d++)
            {
                DateTime dayEnd = Start.AddDays(d + 1);
                day.Clear();
                while (ai < actorPlan.Count && actorPlan[ai].Time < dayEnd) day.Add(actorPlan[ai++]);
                if (d < _days)
                    for (int u = 0; u < _backgroundUsers; u++) BackgroundUploads(u, d, names[u], day);
                SortPlanned(day);
                var process = d < _days ? BrowsingDay(d, names) : Array.Empty<SampleProxyEvent>();
                foreach (var e in Merge(day, process, e => e.TimeGenerated))
                {
                    e.ExternalId = externalId++;
                    yield return e;
                }
            }
        }

        /// <summary>Microsoft 365 audit events in time order (ties: planned events first), lazily.</summary>
        public IEnumerable<SampleSharingEvent> SharingEvents()
        {
            var names = BackgroundNames();
            var actorPlan = new List<Planned<SampleSharingEvent>>();
            BuildActorPlan(_nearMissZBytes, null, actorPlan);
            SortPlanned(actorPlan);
            long counter = 0;
            int ai = 0;
            var day = new List<Planned<SampleSharingEvent>>();
            for (int d = 0; d <= _days; d++)
            {
                DateTime dayStart = Start.AddDays(d), dayEnd = dayStart.AddDays(1);
                day.Clear();
                while (ai < actorPlan.Count && actorPlan[ai].Time < dayEnd) day.Add(actorPlan[ai++]);
                if (d < _days)
                {
                    // At most one anonymous link per background user over the whole period.
                    for (int u = 0; u < _backgroundUsers; u++)
                    {
                        var r = Rng.For(_seed, StreamAnon, (ulong)u, 0);
                        if (!r.Chance(0.1) || r.Next(_days) != d) continue;
                        var t = dayStart.AddMilliseconds(r.Range(8 * 3600_000L, 18 * 3600_000L));
                        day.Add(Plan(NewSharing(r, t, names[u], "AnonymousLinkCreated", u), true, true));
                    }
                }
                SortPlanned(day);
                var process = d < _days ? OfficeDay(d, names) : Array.Empty<SampleSharingEvent>();
                foreach (var e in Merge(day, process, e => e.TimeGenerated))
                {
                    e.Id = GuidText(Rng.For(_seed, StreamId, (ulong)counter++, 0));
                    yield return e;
                }
            }
        }

        private static IEnumerable<T> Merge<T>(List<Planned<T>> planned, IEnumerable<T> process, Func<T, DateTime> time)
        {
            int i = 0;
            foreach (var e in process)
            {
                var t = time(e);
                while (i < planned.Count && planned[i].Time <= t) yield return planned[i++].Event;
                yield return e;
            }
            while (i < planned.Count) yield return planned[i++].Event;
        }

        private struct Planned<T>
        {
            public DateTime Time;
            public int Seq;
            public T Event;
            /// <summary>Counted by the rule in Intent / KqlCompatible mode (window aside).</summary>
            public bool Intent, Kql;
        }

        private static Planned<SampleProxyEvent> Plan(SampleProxyEvent e, bool intent, bool kql) =>
            new Planned<SampleProxyEvent> { Time = e.TimeGenerated, Event = e, Intent = intent, Kql = kql };

        private static Planned<SampleSharingEvent> Plan(SampleSharingEvent e, bool intent, bool kql) =>
            new Planned<SampleSharingEvent> { Time = e.TimeGenerated, Event = e, Intent = intent, Kql = kql };

        private static void SortPlanned<T>(List<Planned<T>> list)
        {
            for (int i = 0; i < list.Count; i++) { var p = list[i]; p.Seq = i; list[i] = p; }
            list.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Seq.CompareTo(b.Seq));
        }

        // ───────────────────────────── design model ─────────────────────────────

        /// <summary>
        /// Bytes each user (lower-cased) uploads that the rule counts in the designed window (EndTime − 30 d, EndTime],
        /// by construction (not by running the rule): the generator's own model, used to solve nearmiss-z.
        /// </summary>
        internal Dictionary<string, long> DesignedUploadBytes(bool kqlCompatible) => DesignedUploadBytes(kqlCompatible, _nearMissZBytes);

        private Dictionary<string, long> DesignedUploadBytes(bool kql, long nearMissZBytes)
        {
            var totals = new Dictionary<string, long>(StringComparer.Ordinal);
            var names = BackgroundNames();
            var sink = new List<Planned<SampleProxyEvent>>();
            for (int u = 0; u < _backgroundUsers; u++)
                for (int d = 0; d < _days; d++)
                {
                    sink.Clear();
                    BackgroundUploads(u, d, names[u], sink);
                    Tally(sink, kql, totals);
                }
            sink.Clear();
            BuildActorPlan(nearMissZBytes, sink, null);
            Tally(sink, kql, totals);
            return totals;
        }

        private void Tally(List<Planned<SampleProxyEvent>> list, bool kql, Dictionary<string, long> totals)
        {
            foreach (var p in list)
            {
                if (!(kql ? p.Kql : p.Intent) || p.Time <= WindowStart || p.Time > EndTime) continue;
                string user = (p.Event.SourceUserName ?? string.Empty).ToLowerInvariant();
                totals.TryGetValue(user, out long b);
                totals[user] = b + p.Event.SentBytes;
            }
        }

        /// <summary>
        /// Finds the nearmiss-z total (a whole number of 0.01 MB) whose Intent-mode Zscore, with the user included in
        /// the population, is the first at or above 2.95 — so it rounds to 2.95, inside [2.90, 3.00).
        /// </summary>
        private long SolveNearMissZ()
        {
            var others = DesignedUploadBytes(false, 0);
            string me = _actors[SampleActorRoles.NearMissZ];
            others.Remove(me);
            var names = new List<string>(others.Keys) { me };
            names.Sort(StringComparer.Ordinal);
            int mine = names.IndexOf(me);
            var values = new double[names.Count];
            for (int i = 0; i < names.Count; i++)
                if (i != mine) values[i] = KqlMath.BytesToRoundedMB(others[names[i]]);

            double Z(long centiMB)
            {
                values[mine] = centiMB / 100.0;
                double mean = KqlMath.Average(values), sd = KqlMath.SampleStdev(values);
                return sd > 0 ? (values[mine] - mean) / sd : 0;
            }

            long lo = 0, hi = 1_000_000_000; // 10 TB
            if (Z(hi) < TargetNearMissZ) throw new InvalidOperationException("No upload total gives the nearmiss-z actor a Zscore of " + TargetNearMissZ + ".");
            while (lo < hi)
            {
                long mid = lo + (hi - lo) / 2;
                if (Z(mid) >= TargetNearMissZ) hi = mid; else lo = mid + 1;
            }
            return (long)Math.Round(lo / 100.0 * MB, MidpointRounding.AwayFromZero);
        }

        // ───────────────────────────── actors ─────────────────────────────

        private DateTime W(Rng r, int i) => WindowStart.AddDays(i).AddMilliseconds(r.Range(8 * 3600_000L, 18 * 3600_000L));
        private DateTime Pre(Rng r, int j) => WindowStart.AddDays(-1 - j).AddMilliseconds(r.Range(8 * 3600_000L, 18 * 3600_000L));

        /// <summary>The injected actors' events (both kinds; either list may be null). Deterministic.</summary>
        private void BuildActorPlan(long nearMissZBytes, List<Planned<SampleProxyEvent>>? proxy, List<Planned<SampleSharingEvent>>? sharing)
        {
            var r = Rng.For(_seed, StreamActors, 0, 0);
            int ipBase = _backgroundUsers;

            void Up(string role, DateTime t, string host, long bytes, string vendor = "Zscaler", string action = "Allowed",
                bool intent = true, bool kql = true, string? user = null)
            {
                var e = NewUpload(r, t, vendor, action, user ?? _actors[role], host, bytes, ipBase + RoleIndex(role));
                if (proxy != null && t >= Start) proxy.Add(Plan(e, intent, kql));
            }

            void Share(string role, DateTime t, string operation, string? user = null)
            {
                var e = NewSharing(r, t, user ?? _actors[role], operation, ipBase + RoleIndex(role));
                if (sharing != null && t >= Start) sharing.Add(Plan(e, true, true));
            }

            // spike: 900 MB to dropbox in two days.
            for (int k = 0; k < 26; k++) Up(SampleActorRoles.Spike, W(r, 17), k % 2 == 0 ? "www.dropbox.com" : "dropbox.com", 20 * MB);
            for (int k = 0; k < 19; k++) Up(SampleActorRoles.Spike, W(r, 18), "www.dropbox.com", 20 * MB);
            Share(SampleActorRoles.Spike, W(r, 17), "FileAccessed");
            Share(SampleActorRoles.Spike, W(r, 18), "FileDownloaded");

            // lowslow: 3,155,968 bytes on each of 24 window days (and 3 pre-window days, which never count).
            var skip = new HashSet<int> { 1, 2, 8, 15, 22, 29 };
            void LowSlowDay(DateTime dayOf)
            {
                var t0 = dayOf;
                Up(SampleActorRoles.LowSlow, t0, "drive.google.com", 1_050_000);
                Up(SampleActorRoles.LowSlow, t0.AddMinutes(37), "github.com", 1_050_000);
                Up(SampleActorRoles.LowSlow, t0.AddMinutes(95), r.Chance(0.5) ? "drive.google.com" : "gist.github.com", 1_055_968);
            }
            for (int j = 0; j < 3; j++) LowSlowDay(Pre(r, j));
            for (int i = 0; i < DesignedHuntDays; i++)
                if (!skip.Contains(i)) LowSlowDay(WindowStart.AddDays(i).AddMilliseconds(r.Range(7 * 3600_000L, 15 * 3600_000L)));
            Share(SampleActorRoles.LowSlow, W(r, 6), "FileSyncDownloadedFull");
            Share(SampleActorRoles.LowSlow, W(r, 13), "PageViewed");

            // anonsharer: 15 MB to wetransfer over 5 days, 4 anonymous links, 3 SharingSet.
            for (int i = 20; i <= 24; i++) Up(SampleActorRoles.AnonSharer, W(r, i), "wetransfer.com", 3 * MB);
            for (int i = 20; i <= 23; i++) Share(SampleActorRoles.AnonSharer, W(r, i), "AnonymousLinkCreated");
            foreach (int i in new[] { 20, 22, 24 }) Share(SampleActorRoles.AnonSharer, W(r, i), "SharingSet");
            Share(SampleActorRoles.AnonSharer, W(r, 21), "FileAccessed");
            Share(SampleActorRoles.AnonSharer, W(r, 24), "PageViewed");

            // nearmiss-days: 19 window days, 80 MB (3 pre-window days of 4 MB would make it 22 days / 92 MB).
            for (int j = 0; j < 3; j++) Up(SampleActorRoles.NearMissDays, Pre(r, j), "drive.google.com", 4 * MB);
            foreach (int i in new[] { 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 17, 18, 19, 20, 21, 24, 25, 26, 27 })
                Up(SampleActorRoles.NearMissDays, W(r, i), i % 2 == 0 ? "drive.google.com" : "docs.google.com", 4 * MB);
            Up(SampleActorRoles.NearMissDays, W(r, 27), "drive.google.com", 4 * MB);

            // nearmiss-mb: 25 days × 2 × 1 MB = exactly 50 MB.
            var skipMb = new HashSet<int> { 1, 2, 8, 9, 15 };
            for (int i = 0; i < DesignedHuntDays; i++)
            {
                if (skipMb.Contains(i)) continue;
                Up(SampleActorRoles.NearMissMB, W(r, i), "github.com", MB);
                Up(SampleActorRoles.NearMissMB, W(r, i), "gitlab.com", MB);
            }

            // nearmiss-anon-count: 40 MB, 2 anonymous links in the window (a third one before it).
            foreach (int i in new[] { 9, 10, 11, 12 }) Up(SampleActorRoles.NearMissAnonCount, W(r, i), i % 2 == 0 ? "mega.nz" : "www.mediafire.com", 10 * MB);
            Share(SampleActorRoles.NearMissAnonCount, Pre(r, 2), "AnonymousLinkCreated");
            Share(SampleActorRoles.NearMissAnonCount, W(r, 10), "AnonymousLinkCreated");
            Share(SampleActorRoles.NearMissAnonCount, W(r, 11), "AnonymousLinkCreated");
            Share(SampleActorRoles.NearMissAnonCount, W(r, 10), "SharingSet");
            Share(SampleActorRoles.NearMissAnonCount, W(r, 11), "SharingSet");
            Share(SampleActorRoles.NearMissAnonCount, W(r, 12), "FileDownloaded");

            // nearmiss-anon-mb: exactly 10 MB, 3 anonymous links.
            for (int i = 2; i <= 6; i++) Up(SampleActorRoles.NearMissAnonMB, W(r, i), i % 2 == 0 ? "www.sendspace.com" : "www.4shared.com", 2 * MB);
            foreach (int i in new[] { 3, 4, 5 }) Share(SampleActorRoles.NearMissAnonMB, W(r, i), "AnonymousLinkCreated");
            Share(SampleActorRoles.NearMissAnonMB, W(r, 5), "SharingInvitationCreated");

            // lookalike: ~500 MB to look-alike hosts, 1.5 MB to the real dropbox.
            Up(SampleActorRoles.Lookalike, W(r, 2), "www.dropbox.com", 1_572_864);
            for (int k = 0; k < 3; k++) Up(SampleActorRoles.Lookalike, W(r, 8), "mydropbox.com", 20 * MB, intent: false, kql: false);
            for (int k = 0; k < 10; k++) Up(SampleActorRoles.Lookalike, W(r, 9), "evil-dropbox.com.example", 20 * MB, intent: false, kql: true);
            for (int k = 0; k < 10; k++) Up(SampleActorRoles.Lookalike, W(r, 10), "evil-dropbox.com.example", 20 * MB, intent: false, kql: true);
            for (int k = 0; k < 2; k++) Up(SampleActorRoles.Lookalike, W(r, 10), "t.media.com", 20 * MB, intent: false, kql: false);

            // blocked: 500 MB to mega.nz under actions the rule's case-sensitive !in keeps.
            for (int k = 0; k < 8; k++) Up(SampleActorRoles.Blocked, W(r, 12), "mega.nz", 25 * MB, action: "Block", intent: false, kql: true);
            for (int k = 0; k < 6; k++) Up(SampleActorRoles.Blocked, W(r, 13), "mega.nz", 25 * MB, action: "DENY", intent: false, kql: true);
            for (int k = 0; k < 6; k++) Up(SampleActorRoles.Blocked, W(r, 14), "mega.nz", 25 * MB, action: "Deny", intent: false, kql: true);

            // vendorcase: 400 MB to box.com logged with DeviceVendor "zscaler".
            for (int k = 0; k < 10; k++) Up(SampleActorRoles.VendorCase, W(r, 25), k % 2 == 0 ? "app.box.com" : "box.com", 20 * MB, vendor: "zscaler", intent: true, kql: false);
            for (int k = 0; k < 10; k++) Up(SampleActorRoles.VendorCase, W(r, 26), "app.box.com", 20 * MB, vendor: "zscaler", intent: true, kql: false);

            // mixedcase: one person, two spellings.
            string jane = _actors[SampleActorRoles.MixedCase], janeLower = jane.ToLowerInvariant();
            var w7 = W(r, 7);
            Up(SampleActorRoles.MixedCase, w7, "drive.google.com", 2 * MB);
            Up(SampleActorRoles.MixedCase, w7.AddMinutes(20), "docs.google.com", 1_572_864, user: janeLower);
            Up(SampleActorRoles.MixedCase, W(r, 15), "github.com", 3 * MB, user: janeLower);
            Share(SampleActorRoles.MixedCase, W(r, 7), "SharingSet");
            Share(SampleActorRoles.MixedCase, W(r, 15), "FileDownloaded", user: janeLower);

            // edges: the window's boundaries, distinguishable by size.
            Up(SampleActorRoles.Edges, WindowStart, "drive.google.com", 1 * MB);
            // Just inside: +1 ms, or +1 s when times are whole seconds (+1 ms would truncate onto the excluded edge).
            DateTime justInside = _wholeSeconds ? WindowStart.AddSeconds(1) : WindowStart.AddMilliseconds(1);
            Up(SampleActorRoles.Edges, justInside, "drive.google.com", 2 * MB);
            Up(SampleActorRoles.Edges, EndTime, "drive.google.com", 4 * MB);
            Up(SampleActorRoles.Edges, EndTime.AddSeconds(1), "drive.google.com", 8 * MB);
            Share(SampleActorRoles.Edges, WindowStart, "FileCopied");
            Share(SampleActorRoles.Edges, justInside, "SharingSet");
            Share(SampleActorRoles.Edges, EndTime, "FileDownloaded");
            Share(SampleActorRoles.Edges, EndTime.AddSeconds(1), "AnonymousLinkCreated");

            // midpoint: 12.125 MB exactly.
            Up(SampleActorRoles.Midpoint, W(r, 3), "drive.google.com", 6 * MB);
            Up(SampleActorRoles.Midpoint, W(r, 16), "drive.google.com", 6 * MB + 131072);

            // o365only: sharing but no proxy rows.
            foreach (int i in new[] { 4, 9, 14, 19, 23 }) Share(SampleActorRoles.O365Only, W(r, i), "AnonymousLinkCreated");
            Share(SampleActorRoles.O365Only, W(r, 4), "SharingSet");
            Share(SampleActorRoles.O365Only, W(r, 9), "SharingSet");
            foreach (int i in new[] { 5, 10, 15 }) Share(SampleActorRoles.O365Only, W(r, i), "FileDownloaded");
            Share(SampleActorRoles.O365Only, W(r, 6), "PageViewed");

            // nearmiss-z last (its total does not change anyone else's draws): 6 days to mediafire.
            if (nearMissZBytes > 0)
            {
                int[] days = { 5, 7, 13, 19, 21, 27 };
                long per = nearMissZBytes / days.Length;
                for (int k = 0; k < days.Length; k++)
                {
                    long b = k == days.Length - 1 ? nearMissZBytes - per * (days.Length - 1) : per;
                    Up(SampleActorRoles.NearMissZ, W(r, days[k]), k % 2 == 0 ? "www.mediafire.com" : "mediafire.com", b);
                }
                Share(SampleActorRoles.NearMissZ, W(r, 8), "SharingSet");
            }
        }

        private static readonly string[] RoleOrder =
        {
            SampleActorRoles.Spike, SampleActorRoles.LowSlow, SampleActorRoles.AnonSharer, SampleActorRoles.NearMissDays,
            SampleActorRoles.NearMissMB, SampleActorRoles.NearMissAnonCount, SampleActorRoles.NearMissAnonMB,
            SampleActorRoles.NearMissZ, SampleActorRoles.Lookalike, SampleActorRoles.Blocked, SampleActorRoles.VendorCase,
            SampleActorRoles.MixedCase, SampleActorRoles.Edges, SampleActorRoles.Midpoint, SampleActorRoles.O365Only,
        };

        private static int RoleIndex(string? role) => Array.IndexOf(RoleOrder, role);

        // ───────────────────────────── background ─────────────────────────────

        private const ulong StreamUpload = 1, StreamBrowse = 2, StreamOffice = 3, StreamAnon = 4, StreamActors = 5, StreamId = 6, StreamNames = 7;

        private static readonly string[] FirstNames =
        {
            "james", "mary", "robert", "patricia", "john", "jennifer", "michael", "linda", "david", "elizabeth",
            "william", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles", "karen",
            "christopher", "lisa", "daniel", "nancy", "matthew", "betty", "anthony", "sandra", "mark", "margaret",
            "donald", "ashley", "steven", "kimberly", "paul", "emily", "andrew", "donna", "joshua", "michelle",
            "kenneth", "carol", "kevin", "amanda", "brian", "melissa", "george", "deborah", "timothy", "stephanie",
            "ronald", "rebecca", "jason", "laura", "edward", "sharon", "jeffrey", "cynthia", "ryan", "kathleen",
            "aisha", "wei", "yuki", "fatima", "mateo", "chloe", "arjun", "ingrid", "kofi", "elena",
        };

        private static readonly string[] LastNames =
        {
            "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez",
            "hernandez", "lopez", "gonzalez", "wilson", "anderson", "taylor", "moore", "jackson", "martin", "lee",
            "perez", "thompson", "white", "harris", "sanchez", "clark", "ramirez", "lewis", "robinson", "walker",
            "young", "allen", "king", "wright", "scott", "torres", "nguyen", "hill", "flores", "green",
            "adams", "nelson", "baker", "hall", "rivera", "campbell", "mitchell", "carter", "roberts", "gomez",
            "phillips", "evans", "turner", "diaz", "parker", "cruz", "edwards", "collins", "reyes", "stewart",
            "morris", "murphy", "cook", "rogers", "kim", "patel", "singh", "mueller", "rossi", "tanaka",
        };

        /// <summary>Background user names: a seed-dependent bijection of index → first.last (a number after 4,900).</summary>
        private string[] BackgroundNames()
        {
            int combos = FirstNames.Length * LastNames.Length;
            var r = Rng.For(_seed, StreamNames, 0, 0);
            long offset = r.Range(0, combos);
            const long stride = 7919; // prime, coprime with 4,900
            var names = new string[_backgroundUsers];
            for (int i = 0; i < names.Length; i++)
            {
                int j = (int)((i % combos * stride + offset) % combos);
                string suffix = i >= combos ? (i / combos + 1).ToString(CultureInfo.InvariantCulture) : string.Empty;
                names[i] = FirstNames[j / LastNames.Length] + "." + LastNames[j % LastNames.Length] + suffix + "@" + CompanyDomain;
            }
            return names;
        }

        /// <summary>Exfiltration-domain hosts background users upload to (each matches in both modes).</summary>
        internal static readonly string[] BackgroundUploadHosts =
        {
            "drive.google.com", "drive.google.com", "docs.google.com", "docs.google.com", "github.com", "gist.github.com",
            "web.whatsapp.com", "web.whatsapp.com", "mail.google.com", "outlook.live.com", "www.dropbox.com",
            "app.box.com", "t.me", "discord.com", "gitlab.com", "bitbucket.org", "telegram.org", "wetransfer.com",
        };

        /// <summary>Hosts of ordinary browsing (none matches an exfiltration domain in either mode).</summary>
        internal static readonly string[] BrowsingHosts =
        {
            "outlook.office365.com", "outlook.office365.com", "contoso.sharepoint.com", "contoso.sharepoint.com",
            "contoso-my.sharepoint.com", "login.microsoftonline.com", "teams.microsoft.com", "teams.microsoft.com",
            "www.office.com", "graph.microsoft.com", "contoso.my.salesforce.com", "contoso.my.salesforce.com",
            "login.salesforce.com", "www.bbc.co.uk", "www.nytimes.com", "www.reuters.com", "news.ycombinator.com",
            "cdn.jsdelivr.net", "ajax.googleapis.com", "fonts.gstatic.com", "www.google.com", "www.google.com",
            "accounts.google.com", "www.linkedin.com", "www.youtube.com", "update.microsoft.com", "slack.com",
            "contoso.zoom.us", "d1.awsstatic.com", "s3.amazonaws.com", "en.wikipedia.org", "stackoverflow.com",
            "github.githubassets.com", "avatars.githubusercontent.com", "www.bing.com", "edge.microsoft.com",
            "ocsp.digicert.com", "clients2.google.com", "play.google.com", "connect.facebook.net", "www.cnn.com",
            "weather.com", "www.amazon.com", "login.live.com", "www.dropboxforum.com", "web.whatsapp.net",
        };

        private static readonly string[] CategoryBlockedHosts =
        {
            "free-movie-streams.example", "crypto-pool.example", "torrent-tracker.example", "casino-royale.example",
        };

        private static bool IsWeekend(DateTime day) => day.DayOfWeek == DayOfWeek.Saturday || day.DayOfWeek == DayOfWeek.Sunday;

        private string BackgroundIp(int u) =>
            "10." + (20 + u / 62500 % 200).ToString(CultureInfo.InvariantCulture) + "." +
            (u / 250 % 250).ToString(CultureInfo.InvariantCulture) + "." + (u % 250 + 2).ToString(CultureInfo.InvariantCulture);

        /// <summary>One background user's uploads (and blocked upload attempts) on day <paramref name="d"/>.</summary>
        private void BackgroundUploads(int u, int d, string name, List<Planned<SampleProxyEvent>> sink)
        {
            var r = Rng.For(_seed, StreamUpload, (ulong)u, (ulong)d);
            DateTime day = Start.AddDays(d);
            bool weekend = IsWeekend(day);
            if (r.Chance(weekend ? 0.04 : 0.17))
            {
                int requests = 1 + r.Next(3);
                string host = BackgroundUploadHosts[r.Next(BackgroundUploadHosts.Length)];
                for (int k = 0; k < requests; k++)
                {
                    var t = day.AddMilliseconds(r.Range(1000, 86_399_000L));
                    long bytes = r.Range(150_000, 1_200_000);
                    sink.Add(Plan(NewUpload(r, t, "Zscaler", "Allowed", name, host, bytes, u), true, true));
                }
            }
            if (r.Chance(0.008))
            {
                // Dropped in both modes: the rule's list has exactly these spellings.
                string action = r.Next(3) switch { 0 => "blocked", 1 => "BLOCK", _ => "deny" };
                string host = r.Next(2) == 0 ? "mega.nz" : "anonfiles.com";
                var t = day.AddMilliseconds(r.Range(1000, 86_399_000L));
                sink.Add(Plan(NewUpload(r, t, "Zscaler", action, name, host, r.Range(5 * MB, 60 * MB), u), false, false));
            }
        }

        private static readonly int[] HourWeights = { 1, 1, 1, 1, 1, 2, 4, 10, 16, 18, 18, 16, 12, 16, 18, 18, 14, 10, 6, 4, 3, 2, 2, 1 };
        private static readonly int HourWeightTotal = Sum(HourWeights);

        private static int Sum(int[] a) { int s = 0; foreach (int x in a) s += x; return s; }

        private static int PickHour(Rng r)
        {
            int x = r.Next(HourWeightTotal);
            for (int h = 0; h < 24; h++) { x -= HourWeights[h]; if (x < 0) return h; }
            return 23;
        }

        /// <summary>
        /// Per-minute counts of a day's process events, then each minute's events in time order: memory is one
        /// int per minute, whatever the volume.
        /// </summary>
        private static IEnumerable<T> MinuteProcess<T>(Rng r, DateTime dayStart, long count, Func<Rng, DateTime, T> make)
        {
            var perMinute = new int[1440];
            for (long i = 0; i < count; i++) perMinute[PickHour(r) * 60 + r.Next(60)]++;
            for (int m = 0; m < 1440; m++)
            {
                int k = perMinute[m];
                if (k == 0) continue;
                var ms = new int[k];
                for (int j = 0; j < k; j++) ms[j] = r.Next(60_000);
                Array.Sort(ms);
                DateTime minute = dayStart.AddMinutes(m);
                for (int j = 0; j < k; j++) yield return make(r, minute.AddMilliseconds(ms[j]));
            }
        }

        private IEnumerable<SampleProxyEvent> BrowsingDay(int d, string[] names)
        {
            DateTime dayStart = Start.AddDays(d);
            int browsers = _backgroundUsers + _actorBrowsers.Length;
            long count = (long)Math.Round(browsers * _browseRate * (IsWeekend(dayStart) ? 0.15 : 1.0), MidpointRounding.AwayFromZero);
            var rng = Rng.For(_seed, StreamBrowse, (ulong)d, 0);
            return MinuteProcess(rng, dayStart, count, (r, t) =>
            {
                int ui = r.Next(browsers);
                string user = ui < _backgroundUsers ? names[ui] : _actorBrowsers[ui - _backgroundUsers];
                int ip = ui < _backgroundUsers ? ui : _backgroundUsers + Math.Max(0, RoleIndex(ActorRoleOf(user)));
                double roll = r.NextDouble();
                if (roll < 0.03)
                {
                    // Another vendor's firewall: dropped in both modes, wherever it goes.
                    string host = r.Next(3) == 0 ? BackgroundUploadHosts[r.Next(BackgroundUploadHosts.Length)] : BrowsingHosts[r.Next(BrowsingHosts.Length)];
                    string action = r.Next(5) switch { 0 => "deny", 1 => "close", _ => "accept" };
                    return NewProxy(t, "Fortinet", "Fortigate", action, r.Next(2) == 0 ? user : string.Empty, host,
                        r.Range(200, 3 * MB), r.Range(500, 400_000), "https://" + host + "/", BackgroundIp(ip));
                }
                if (roll < 0.05)
                {
                    // Unauthenticated traffic (no user): dropped in both modes, even when it is an upload.
                    string host = BackgroundUploadHosts[r.Next(BackgroundUploadHosts.Length)];
                    return NewProxy(t, "Zscaler", "NSSWeblog", "Allowed", string.Empty, host,
                        r.Range(100_000, 20 * MB), r.Range(500, 5000), UploadUrl(r, host), "10.10.0." + (2 + r.Next(200)).ToString(CultureInfo.InvariantCulture));
                }
                if (roll < 0.06)
                {
                    string host = CategoryBlockedHosts[r.Next(CategoryBlockedHosts.Length)];
                    return NewProxy(t, "Zscaler", "NSSWeblog", "Blocked", user, host, r.Range(300, 2000), r.Range(0, 1200), "http://" + host + "/", BackgroundIp(ip));
                }
                {
                    string host = BrowsingHosts[r.Next(BrowsingHosts.Length)];
                    bool post = r.Chance(0.05);
                    long sent = post ? r.Range(20_000, 2 * MB) : r.Range(300, 3000);
                    return NewProxy(t, "Zscaler", "NSSWeblog", "Allowed", user, host, sent, r.Range(1000, 800_000),
                        "https://" + host + BrowsePath(r), BackgroundIp(ip));
                }
            });
        }

        private string? ActorRoleOf(string? user)
        {
            foreach (var kv in _actors)
                if (string.Equals(kv.Value, user, StringComparison.OrdinalIgnoreCase)) return kv.Key;
            return null;
        }

        private static readonly string[] Paths = { "/", "/index.html", "/api/v1/items", "/search?q=quarterly+report", "/news/", "/static/app.js", "/_layouts/15/start.aspx", "/owa/" };

        private static string BrowsePath(Rng r) => Paths[r.Next(Paths.Length)];

        private static string UploadUrl(Rng r, string host)
        {
            string token = r.Next().ToString("x16", CultureInfo.InvariantCulture);
            if (host.EndsWith("google.com", StringComparison.Ordinal)) return "https://" + host + "/upload/drive/v3/files?uploadType=resumable&upload_id=" + token;
            if (host.EndsWith("github.com", StringComparison.Ordinal)) return "https://" + host + "/contoso-eng/tools-" + token.Substring(0, 4) + "/upload/main";
            if (host.Contains("dropbox")) return "https://" + host + "/upload?chunk=" + token;
            return "https://" + host + "/upload/" + token;
        }

        private SampleProxyEvent NewUpload(Rng r, DateTime t, string vendor, string action, string user, string host, long bytes, int ipIndex) =>
            NewProxy(t, vendor, "NSSWeblog", action, user, host, bytes, r.Range(400, 2000), UploadUrl(r, host), BackgroundIp(ipIndex));

        /// <summary>An event time as generated: whole seconds when <see cref="SampleTenantOptions.WholeSecondTimestamps"/> is set.</summary>
        private DateTime Stamp(DateTime t) => _wholeSeconds ? new DateTime(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, t.Kind) : t;

        private SampleProxyEvent NewProxy(DateTime t, string vendor, string product, string action, string user, string host,
            long sent, long received, string url, string ip) => new SampleProxyEvent
            {
                TimeGenerated = Stamp(t),
                DeviceVendor = vendor,
                DeviceProduct = product,
                DeviceAction = action,
                SourceUserName = user,
                DestinationHostName = host,
                SentBytes = sent,
                ReceivedBytes = received,
                RequestURL = url,
                SourceIP = ip,
            };

        // ───────────────────────────── Microsoft 365 ─────────────────────────────

        private static readonly (string Op, int Weight)[] OfficeOps =
        {
            ("FileAccessed", 30), ("PageViewed", 18), ("FileModified", 12), ("FilePreviewed", 8), ("UserLoggedIn", 6),
            ("MailItemsAccessed", 6), ("FileUploaded", 5), ("Send", 3), ("FileDownloaded", 5), ("SharingSet", 2),
            ("SharingInvitationCreated", 1), ("FileSyncDownloadedFull", 1), ("FileCopied", 1), ("AddedToSecureLink", 1),
            ("SecureLinkUsed", 1),
        };

        private static readonly int OfficeOpTotal = SumWeights();

        private static int SumWeights() { int s = 0; foreach (var o in OfficeOps) s += o.Weight; return s; }

        private static string PickOp(Rng r)
        {
            int x = r.Next(OfficeOpTotal);
            foreach (var o in OfficeOps) { x -= o.Weight; if (x < 0) return o.Op; }
            return OfficeOps[0].Op;
        }

        private IEnumerable<SampleSharingEvent> OfficeDay(int d, string[] names)
        {
            DateTime dayStart = Start.AddDays(d);
            long count = (long)Math.Round(Math.Max(1, _backgroundUsers) * _officeRate * (IsWeekend(dayStart) ? 0.15 : 1.0), MidpointRounding.AwayFromZero);
            var rng = Rng.For(_seed, StreamOffice, (ulong)d, 0);
            return MinuteProcess(rng, dayStart, count, (r, t) =>
            {
                double roll = r.NextDouble();
                if (roll < 0.01 || _backgroundUsers == 0 && roll < 0.5)
                    return NewSharing(r, t, string.Empty, r.Next(2) == 0 ? "FileDownloaded" : "FileAccessed", -1);
                if (roll < 0.03)
                    return NewSharing(r, t, "app@sharepoint", r.Next(3) == 0 ? "FileDownloaded" : "FileModified", -1);
                if (roll < 0.035 || _backgroundUsers == 0)
                    return NewSharing(r, t, "urn:spo:anon#" + r.Next().ToString("x16", CultureInfo.InvariantCulture),
                        r.Next(2) == 0 ? "AnonymousLinkUsed" : "FileAccessed", -1);
                int u = r.Next(_backgroundUsers);
                return NewSharing(r, t, names[u], PickOp(r), u);
            });
        }

        private static readonly string[] Sites = { "Finance", "HR", "Engineering", "Sales", "Legal", "Marketing", "Board" };

        private static readonly string[] Files =
        {
            "Budget FY27.xlsx", "Roadmap 2027.pptx", "Customer list.xlsx", "Offer letter template.docx", "Architecture.vsdx",
            "Pricing, Q4 (draft).xlsx", "Minutes 2026-10.docx", "source-export.zip", "Payroll October.csv", "Brand guide.pdf",
        };

        private SampleSharingEvent NewSharing(Rng r, DateTime t, string user, string operation, int userIndex)
        {
            string workload, objectId;
            int recordType;
            switch (operation)
            {
                case "UserLoggedIn":
                    workload = "AzureActiveDirectory"; recordType = 15; objectId = "00000003-0000-0ff1-ce00-000000000000"; break;
                case "MailItemsAccessed":
                    workload = "Exchange"; recordType = 50; objectId = string.Empty; break;
                case "Send":
                    workload = "Exchange"; recordType = 2; objectId = string.Empty; break;
                default:
                    bool personal = r.Next(3) == 0 && user.Contains("@");
                    workload = personal ? "OneDrive" : "SharePoint";
                    string file = Files[r.Next(Files.Length)];
                    objectId = personal
                        ? "https://contoso-my.sharepoint.com/personal/" + user.ToLowerInvariant().Replace('.', '_').Replace('@', '_') + "/Documents/" + file
                        : "https://contoso.sharepoint.com/sites/" + Sites[r.Next(Sites.Length)] + "/Shared Documents/" + file;
                    recordType = operation == "PageViewed" ? 4
                        : operation.StartsWith("Sharing", StringComparison.Ordinal) || operation.StartsWith("Anonymous", StringComparison.Ordinal)
                          || operation.EndsWith("SecureLink", StringComparison.Ordinal) || operation == "SecureLinkUsed" ? 14
                        : 6;
                    break;
            }
            string ip = userIndex < 0
                ? "198.51.100." + (1 + r.Next(254)).ToString(CultureInfo.InvariantCulture)
                : "203.0.113." + (1 + userIndex % 200).ToString(CultureInfo.InvariantCulture);
            return new SampleSharingEvent
            {
                TimeGenerated = Stamp(t),
                UserId = user,
                Operation = operation,
                OfficeWorkload = workload,
                OfficeObjectId = objectId,
                ClientIP = ip,
                RecordType = recordType,
            };
        }

        private static string GuidText(Rng r)
        {
            ulong a = r.Next(), b = r.Next();
            a = (a & 0xFFFFFFFFFFFF0FFFUL) | 0x0000000000004000UL;   // version 4
            b = (b & 0x3FFFFFFFFFFFFFFFUL) | 0x8000000000000000UL;   // RFC 4122 variant
            string hex = a.ToString("x16", CultureInfo.InvariantCulture) + b.ToString("x16", CultureInfo.InvariantCulture);
            return hex.Substring(0, 8) + "-" + hex.Substring(8, 4) + "-" + hex.Substring(12, 4) + "-" + hex.Substring(16, 4) + "-" + hex.Substring(20, 12);
        }
    }

    /// <summary>xoshiro256** seeded through SplitMix64. Integer-only, so identical on every platform.</summary>
    internal sealed class Rng
    {
        private ulong _s0, _s1, _s2, _s3;

        public Rng(ulong seed)
        {
            ulong x = seed;
            _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
        }

        /// <summary>An independent stream for (seed, stream, a, b).</summary>
        public static Rng For(ulong seed, ulong stream, ulong a, ulong b)
        {
            ulong h = Mix(seed + 0x9E3779B97F4A7C15UL * (stream + 1));
            h = Mix(h ^ (a * 0xD1B54A32D192ED03UL + 0x632BE59BD9B4E019UL));
            h = Mix(h ^ (b * 0xABC98388FB8FAC03UL + 0x8CB92BA72F3D8DD7UL));
            return new Rng(h);
        }

        private static ulong SplitMix(ref ulong x)
        {
            x += 0x9E3779B97F4A7C15UL;
            return Mix(x);
        }

        private static ulong Mix(ulong z)
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        private static ulong Rotl(ulong x, int k) => (x << k) | (x >> (64 - k));

        public ulong Next()
        {
            ulong result = Rotl(_s1 * 5, 7) * 9;
            ulong t = _s1 << 17;
            _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
            _s2 ^= t;
            _s3 = Rotl(_s3, 45);
            return result;
        }

        /// <summary>Uniform in [0, n).</summary>
        public int Next(int n) => n <= 0 ? 0 : (int)(((Next() >> 32) * (ulong)n) >> 32);

        /// <summary>Uniform in [lo, hi).</summary>
        public long Range(long lo, long hi) => hi <= lo ? lo : lo + (long)(Next() % (ulong)(hi - lo));

        public double NextDouble() => (Next() >> 11) * (1.0 / 9007199254740992.0);

        public bool Chance(double p) => NextDouble() < p;
    }
}
