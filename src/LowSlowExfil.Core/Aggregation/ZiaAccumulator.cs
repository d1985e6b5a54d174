using System;
using System.Collections.Generic;
using LowSlowExfil.Kql;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Aggregation
{
    /// <summary>Why a proxy event did or did not count (SPEC §1.1 filters, in the rule's order).</summary>
    public enum ProxyDisposition
    {
        Counted,
        OutsideWindow,
        OtherVendor,
        Blocked,
        NoUser,
        OtherDestination,
    }

    /// <summary>Makes a profile's rows when they are first read.</summary>
    internal interface IUploadDetail
    {
        void Fill(ZiaUploadProfile profile);
    }

    /// <summary>
    /// The rule's ZIA_Daily and ZIA_Users: filters proxy events and sums them per user and UTC day.
    /// State is users × days × destination hosts, never rows.
    /// </summary>
    public sealed class ZiaAccumulator
    {
        private readonly HuntOptions _options;
        // Methods marked HotPath.Optimized run once per row or per user of a large read: compiled optimised at
        // once rather than after a slow first phase.
        private readonly Dictionary<string, UserState> _users = new Dictionary<string, UserState>(StringComparer.Ordinal);
        // Raw user name → its state, so the common case skips lower-casing.
        private readonly Dictionary<string, UserState> _byRawName = new Dictionary<string, UserState>(StringComparer.Ordinal);
        private readonly long[] _dispositions = new long[Enum.GetValues(typeof(ProxyDisposition)).Length];
        // The span of every event seen, counted or not (to tell a user whose data lies outside the window where it lies),
        // and the UTC hours of the counted ones since TakeCountedHours (to tell two overlapping exports).
        private DateTime _earliest = DateTime.MaxValue, _latest = DateTime.MinValue;
        private HashSet<long> _countedHours = new HashSet<long>();
        private long _lastHour = long.MinValue;

        public ZiaAccumulator(HuntOptions options)
        {
            _options = options ?? throw new ArgumentNullException(nameof(options));
            Filter = new UploadFilter(options);
        }

        public HuntOptions Options => _options;

        /// <summary>The rule's filters, which the byte scanners apply themselves before <see cref="CountRejected"/> or <see cref="AddCounted"/>.</summary>
        internal UploadFilter Filter { get; }

        /// <summary>Events per disposition so far.</summary>
        public long Count(ProxyDisposition d) => _dispositions[(int)d];

        /// <summary>The earliest event seen, counted or not; null when none was.</summary>
        public DateTime? EarliestEvent => _earliest == DateTime.MaxValue ? (DateTime?)null : _earliest;

        /// <summary>The latest event seen, counted or not; null when none was.</summary>
        public DateTime? LatestEvent => _latest == DateTime.MinValue ? (DateTime?)null : _latest;

        /// <summary>The UTC hours (as hour numbers since year 1) of the events counted since the last call, which forgets them.</summary>
        public HashSet<long> TakeCountedHours()
        {
            var hours = _countedHours;
            _countedHours = new HashSet<long>();
            _lastHour = long.MinValue;
            return hours;
        }

        /// <summary>For a reader that applies the filters itself: an event's time, whatever the filters make of it.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        internal void Seen(DateTime timeUtc)
        {
            if (timeUtc < _earliest) _earliest = timeUtc;
            if (timeUtc > _latest) _latest = timeUtc;
        }

        public ProxyDisposition Add(DateTime timeUtc, string? vendor, string? action, string? user, string? host, long? sentBytes) =>
            AddJudged(timeUtc, vendor, UploadFilter.Unknown, action, UploadFilter.Unknown, user, host, UploadFilter.Unknown, sentBytes);

        /// <summary>For a reader that applied the same filters itself (see ProxyCsvScanner): one event left out, and why.</summary>
        internal void CountRejected(ProxyDisposition d) => _dispositions[(int)d]++;

        /// <summary>For a reader that applied the same filters itself: one event the rule counts.</summary>
        [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
        internal void AddCounted(DateTime timeUtc, string user, string? host, long? sentBytes)
        {
            _dispositions[(int)ProxyDisposition.Counted]++;
            if (!_byRawName.TryGetValue(user, out var state))
            {
                string name = user.ToLowerInvariant();
                if (!_users.TryGetValue(name, out state)) _users.Add(name, state = new UserState(name));
                _byRawName.Add(user, state);
            }
            state.Add(timeUtc, host ?? string.Empty, sentBytes ?? 0);
            long hour = timeUtc.Ticks / TimeSpan.TicksPerHour;
            if (hour != _lastHour)
            {
                _lastHour = hour;
                _countedHours.Add(hour);
            }
        }

        /// <summary>
        /// Adds a group of events already filtered and summarised elsewhere (a workspace's push-down query):
        /// <paramref name="requests"/> events by one user to one host on one UTC day.
        /// </summary>
        public void AddAggregate(string? user, DateTime dayUtc, string? host, long sentBytes, long requests, DateTime firstUtc, DateTime lastUtc)
        {
            if (user is null or "" || requests <= 0) return;
            _dispositions[(int)ProxyDisposition.Counted] += requests;
            string name = user.ToLowerInvariant();
            if (!_users.TryGetValue(name, out var state)) _users.Add(name, state = new UserState(name));
            state.AddAggregate(dayUtc, host ?? string.Empty, sentBytes, requests, firstUtc, lastUtc);
        }

        /// <summary>
        /// As <see cref="Add"/>, for a reader that caches the rule's verdicts per distinct value (see NssCefScanner):
        /// each verdict is 1 (yes), 0 (no) or <see cref="UploadFilter.Unknown"/> (asked here, as <see cref="Add"/> would).
        /// </summary>
        [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
        internal ProxyDisposition AddJudged(DateTime timeUtc, string? vendor, int vendorOk, string? action, int actionBlocked, string? user, string? host, int hostMatches, long? sentBytes)
        {
            Seen(timeUtc);
            var e = new JudgedEvent(timeUtc, vendor, vendorOk, action, actionBlocked, user, host, hostMatches);
            var d = Filter.Classify(ref e);
            if (d == ProxyDisposition.Counted) AddCounted(timeUtc, user!, host, sentBytes); // counted: the filter found a user
            else _dispositions[(int)d]++;
            return d;
        }

        /// <summary>An event's strings with the verdicts a reader may have cached for them.</summary>
        private readonly struct JudgedEvent : IUploadEvent
        {
            private readonly string? _vendor, _action, _user, _host;
            private readonly int _vendorOk, _actionBlocked, _hostMatches;

            public JudgedEvent(DateTime time, string? vendor, int vendorOk, string? action, int actionBlocked, string? user, string? host, int hostMatches)
            {
                Time = time;
                _vendor = vendor;
                _vendorOk = vendorOk;
                _action = action;
                _actionBlocked = actionBlocked;
                _user = user;
                _host = host;
                _hostMatches = hostMatches;
            }

            public DateTime Time { get; }
            public int VendorOk(UploadFilter filter) => _vendorOk >= 0 ? _vendorOk : filter.VendorVerdict(_vendor);
            public int ActionBlocked(UploadFilter filter) => _actionBlocked >= 0 ? _actionBlocked : filter.ActionVerdict(_action);
            public bool HasUser => !string.IsNullOrEmpty(_user);
            public int HostMatches(UploadFilter filter) => _hostMatches >= 0 ? _hostMatches : filter.HostVerdict(_host);
        }

        /// <summary>
        /// Adds another accumulator's state (same options) into this one. The state moves rather than being copied
        /// (a user or day only the other has is taken over whole: a parallel read's ranges mostly hold different
        /// days), so <paramref name="other"/> is left empty.
        /// </summary>
        [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
        public void Merge(ZiaAccumulator other)
        {
            if (other == null) throw new ArgumentNullException(nameof(other));
            if (ReferenceEquals(other, this)) throw new ArgumentException("An accumulator cannot merge into itself.", nameof(other));
            for (int i = 0; i < _dispositions.Length; i++) _dispositions[i] += other._dispositions[i];
            foreach (var kv in other._users)
            {
                if (_users.TryGetValue(kv.Key, out var mine)) mine.Merge(kv.Value);
                else _users.Add(kv.Key, kv.Value);
            }
            if (other._earliest < _earliest) _earliest = other._earliest;
            if (other._latest > _latest) _latest = other._latest;
            _countedHours.UnionWith(other._countedHours);
            other._countedHours = new HashSet<long>();
            other._earliest = DateTime.MaxValue;
            other._latest = DateTime.MinValue;
            other._users.Clear();
            other._byRawName.Clear();
            Array.Clear(other._dispositions, 0, other._dispositions.Length);
        }

        /// <summary>One profile per user, ordered by user name.</summary>
        [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
        public IReadOnlyList<ZiaUploadProfile> BuildProfiles()
        {
            var states = new UserState[_users.Count];
            _users.Values.CopyTo(states, 0);
            Array.Sort(states, ByName);
            var profiles = new ZiaUploadProfile[states.Length];
            for (int i = 0; i < states.Length; i++) profiles[i] = states[i].ToProfile(_options);
            return profiles;
        }

        // Tens of thousands of calls per hunt, once a hunt: optimised at once (see CandidateScorer.RuleOrder).
        [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
        private static int ByName(UserState a, UserState b) => string.CompareOrdinal(a.Name, b.Name);

        private sealed class HostTally
        {
            public long Bytes;
            public long Requests;
        }

        private sealed class UserState : IUploadDetail
        {
            public readonly string Name;
            public readonly Dictionary<long, Dictionary<string, HostTally>> Days = new Dictionary<long, Dictionary<string, HostTally>>();
            public DateTime First = DateTime.MaxValue, Last = DateTime.MinValue;
            // Profiles made from this state whose rows are still to be made from it: filled before it changes.
            private List<ZiaUploadProfile>? _pending;
            private HuntOptions? _pendingOptions;

            public UserState(string name) { Name = name; }

            /// <summary>Before the state changes: the profiles made from it so far get their rows as they were.</summary>
            [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
            private void Changing()
            {
                if (_pending != null) FillPending();
            }

            private void FillPending()
            {
                foreach (var p in _pending!) Fill(p);
                _pending = null;
            }

            [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
            public void Add(DateTime t, string host, long bytes)
            {
                Changing();
                long day = t.Ticks - t.Ticks % TimeSpan.TicksPerDay;
                if (!Days.TryGetValue(day, out var hosts)) Days.Add(day, hosts = new Dictionary<string, HostTally>(StringComparer.Ordinal));
                if (!hosts.TryGetValue(host, out var tally)) hosts.Add(host, tally = new HostTally());
                tally.Bytes = ByteSum.Add(tally.Bytes, bytes);
                tally.Requests++;
                if (t < First) First = t;
                if (t > Last) Last = t;
            }

            public void AddAggregate(DateTime day, string host, long bytes, long requests, DateTime first, DateTime last)
            {
                Changing();
                long key = day.Ticks - day.Ticks % TimeSpan.TicksPerDay;
                if (!Days.TryGetValue(key, out var hosts)) Days.Add(key, hosts = new Dictionary<string, HostTally>(StringComparer.Ordinal));
                if (!hosts.TryGetValue(host, out var tally)) hosts.Add(host, tally = new HostTally());
                tally.Bytes = ByteSum.Add(tally.Bytes, bytes);
                tally.Requests += requests;
                if (first < First) First = first;
                if (last > Last) Last = last;
            }

            /// <summary>Adds <paramref name="other"/>'s days; a day this state lacks is taken over, not copied.</summary>
            [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
            public void Merge(UserState other)
            {
                // The other's day tables move here, where they may change.
                Changing();
                other.Changing();
                foreach (var day in other.Days)
                {
                    if (!Days.TryGetValue(day.Key, out var hosts))
                    {
                        Days.Add(day.Key, day.Value);
                        continue;
                    }
                    foreach (var h in day.Value)
                    {
                        if (!hosts.TryGetValue(h.Key, out var tally)) hosts.Add(h.Key, tally = new HostTally());
                        tally.Bytes = ByteSum.Add(tally.Bytes, h.Value.Bytes);
                        tally.Requests += h.Value.Requests;
                    }
                }
                if (other.First < First) First = other.First;
                if (other.Last > Last) Last = other.Last;
            }

            /// <summary>
            /// The totals scoring needs; the days, destinations and channels are made when first read (<see cref="Fill"/>).
            /// Saturating sums of non-negative sizes do not depend on the order they are added in.
            /// </summary>
            [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
            public ZiaUploadProfile ToProfile(HuntOptions options)
            {
                long bytes = 0, requests = 0, destSum = 0;
                foreach (var hosts in Days.Values)
                {
                    destSum += hosts.Count;
                    foreach (var tally in hosts.Values)
                    {
                        bytes = ByteSum.Add(bytes, tally.Bytes);
                        requests += tally.Requests;
                    }
                }
                var profile = new ZiaUploadProfile
                {
                    UserName = Name,
                    ZIA_TotalMBSent = KqlMath.BytesToRoundedMB(bytes),
                    ZIA_ActiveDays = Days.Count,
                    ZIA_TotalRequests = requests,
                    ZIA_UniqueDestCnt = destSum,
                    TotalBytesSent = bytes,
                    FirstSeen = First,
                    LastSeen = Last,
                    WindowStart = options.Window.Start,
                    WindowEnd = options.Window.End,
                    Mode = options.ModeName,
                };
                // One accumulator has one set of options; kept for the destination channels of Fill.
                _pendingOptions = options;
                (_pending ??= new List<ZiaUploadProfile>()).Add(profile);
                profile.DeferDetail(this);
                return profile;
            }

            // Run once per user shown: sorts on arrays and a short list of channels rather than LINQ and per-user
            // dictionaries, which made most of a large read's allocations. Locked: two threads may read one profile.
            public void Fill(ZiaUploadProfile profile)
            {
                lock (Days)
                {
                    if (profile.DetailPending) MakeRows(profile, _pendingOptions!);
                }
            }

            private void MakeRows(ZiaUploadProfile profile, HuntOptions options)
            {
                var dayKeys = new long[Days.Count];
                Days.Keys.CopyTo(dayKeys, 0);
                Array.Sort(dayKeys);
                var daily = new ZiaDailyUpload[dayKeys.Length];
                var perHost = new Dictionary<string, DestinationUpload>(StringComparer.Ordinal);
                var channels = new List<ChannelUpload>(4);
                var channelLastDay = new List<long>(4); // the day each channel's ActiveDays last counted
                for (int d = 0; d < dayKeys.Length; d++)
                {
                    long day = dayKeys[d];
                    var hosts = Days[day];
                    long dayBytes = 0, dayRequests = 0;
                    foreach (var h in hosts)
                    {
                        bool newHost = !perHost.TryGetValue(h.Key, out var dest);
                        if (newHost) perHost.Add(h.Key, dest = new DestinationUpload { UserName = Name, DestinationHostName = h.Key, Channel = options.Catalog.ChannelOf(h.Key) });
                        int c = 0;
                        while (c < channels.Count && channels[c].Channel != dest.Channel) c++;
                        if (c == channels.Count)
                        {
                            channels.Add(new ChannelUpload { UserName = Name, Channel = dest.Channel });
                            channelLastDay.Add(long.MinValue);
                        }
                        var ch = channels[c];
                        ch.SentBytes = ByteSum.Add(ch.SentBytes, h.Value.Bytes);
                        ch.RequestCount += h.Value.Requests;
                        if (channelLastDay[c] != day)
                        {
                            channelLastDay[c] = day;
                            ch.ActiveDays++;
                        }
                        if (newHost) ch.Destinations++;
                        dest.SentBytes = ByteSum.Add(dest.SentBytes, h.Value.Bytes);
                        dest.RequestCount += h.Value.Requests;
                        dest.ActiveDays++;
                        dayBytes = ByteSum.Add(dayBytes, h.Value.Bytes);
                        dayRequests += h.Value.Requests;
                    }
                    daily[d] = new ZiaDailyUpload
                    {
                        UserName = Name,
                        Day = new DateTime(day, DateTimeKind.Utc),
                        DaySentBytes = dayBytes,
                        DayRequestCount = dayRequests,
                        DayDestinCount = hosts.Count,
                    };
                }
                var destinations = new DestinationUpload[perHost.Count];
                perHost.Values.CopyTo(destinations, 0);
                Array.Sort(destinations, (a, b) => a.SentBytes != b.SentBytes ? b.SentBytes.CompareTo(a.SentBytes)
                    : string.CompareOrdinal(a.DestinationHostName, b.DestinationHostName));
                var channelRows = channels.ToArray();
                Array.Sort(channelRows, (a, b) => a.SentBytes != b.SentBytes ? b.SentBytes.CompareTo(a.SentBytes) : a.Channel.CompareTo(b.Channel));
                profile.SetDetail(perHost.Count, new RowList<ZiaDailyUpload>(daily), new RowList<DestinationUpload>(destinations), new RowList<ChannelUpload>(channelRows));
            }
        }
    }
}
