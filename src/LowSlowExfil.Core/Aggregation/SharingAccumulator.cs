using System;
using System.Collections.Generic;
using System.Linq;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Aggregation
{
    /// <summary>Why a Microsoft 365 audit event did or did not count (SPEC §1.4 filters).</summary>
    public enum SharingDisposition
    {
        Counted,
        OutsideWindow,
        NoUser,
        OtherOperation,
        /// <summary>An audit record already counted: the same record Id read again (overlapping exports, or one export in two formats).</summary>
        Duplicate,
    }

    /// <summary>The rule's O365_Sharing: sharing and download events per user over the window.</summary>
    public sealed class SharingAccumulator
    {
        private readonly HuntOptions _options;
        private readonly Dictionary<string, UserState> _users = new Dictionary<string, UserState>(StringComparer.Ordinal);
        private readonly long[] _dispositions = new long[Enum.GetValues(typeof(SharingDisposition)).Length];
        // The record Ids counted so far (only of events the rule counts, so a handful per user), and what each added, so
        // that a duplicate found when two files' accumulators merge can be taken back out.
        private readonly Dictionary<string, Counted> _ids = new Dictionary<string, Counted>(StringComparer.OrdinalIgnoreCase);

        private readonly struct Counted
        {
            public Counted(string user, string operation, bool anonymous)
            {
                User = user;
                Operation = operation;
                Anonymous = anonymous;
            }

            public string User { get; }
            public string Operation { get; }
            public bool Anonymous { get; }
        }

        public SharingAccumulator(HuntOptions options) { _options = options ?? throw new ArgumentNullException(nameof(options)); }

        public long Count(SharingDisposition d) => _dispositions[(int)d];

        /// <summary>The earliest event seen, counted or not; null when none was.</summary>
        public DateTime? EarliestEvent => _earliest == DateTime.MaxValue ? (DateTime?)null : _earliest;

        /// <summary>The latest event seen, counted or not; null when none was.</summary>
        public DateTime? LatestEvent => _latest == DateTime.MinValue ? (DateTime?)null : _latest;

        private DateTime _earliest = DateTime.MaxValue, _latest = DateTime.MinValue;

        public SharingDisposition Add(DateTime timeUtc, string? userId, string operation, string? recordId = null)
        {
            if (timeUtc < _earliest) _earliest = timeUtc;
            if (timeUtc > _latest) _latest = timeUtc;
            SharingDisposition d =
                !_options.Window.Contains(timeUtc) ? SharingDisposition.OutsideWindow
                : string.IsNullOrEmpty(userId) ? SharingDisposition.NoUser
                : !HuntOptions.IsSharingOperation(operation) ? SharingDisposition.OtherOperation
                : SharingDisposition.Counted;
            // Counted means userId is non-empty; name is used below only for Counted (and Duplicate, which was Counted).
            string? name = d == SharingDisposition.Counted ? userId!.ToLowerInvariant() : null;
            bool anonymous = d == SharingDisposition.Counted && _options.IsAnonymousLink(operation);
            if (d == SharingDisposition.Counted && recordId is { Length: > 0 })
            {
                if (_ids.ContainsKey(recordId)) d = SharingDisposition.Duplicate;
                else _ids.Add(recordId, new Counted(name!, operation, anonymous));
            }
            _dispositions[(int)d]++;
            if (d == SharingDisposition.Duplicate && _users.TryGetValue(name!, out var original))
            {
                // Two copies of a record may differ in precision (whole seconds in one format, milliseconds in
                // another): First and Last span both, whichever was read first, so any file order gives one answer.
                original.Seen(timeUtc);
                return d;
            }
            if (d != SharingDisposition.Counted) return d;

            if (!_users.TryGetValue(name!, out var state)) _users.Add(name!, state = new UserState(name!));
            state.Add(timeUtc, operation, anonymous);
            return d;
        }

        /// <summary>Adds a group summarised elsewhere (a workspace's push-down query): one user's events of one operation.</summary>
        public void AddAggregate(string? user, string operation, long events, long anonLinks, DateTime firstUtc, DateTime lastUtc)
        {
            if (user is null or "" || events <= 0) return;
            _dispositions[(int)SharingDisposition.Counted] += events;
            string name = user.ToLowerInvariant();
            if (!_users.TryGetValue(name, out var state)) _users.Add(name, state = new UserState(name));
            var other = new UserState(name) { Events = events, AnonLinks = anonLinks, First = firstUtc, Last = lastUtc };
            other.Operations[operation] = events;
            state.Merge(other);
        }

        /// <summary>Adds another accumulator's state (same options) into this one; the other is left empty, as ZiaAccumulator.Merge leaves it.</summary>
        public void Merge(SharingAccumulator other)
        {
            if (other == null) throw new ArgumentNullException(nameof(other));
            if (ReferenceEquals(other, this)) throw new ArgumentException("An accumulator cannot merge into itself.", nameof(other));
            for (int i = 0; i < _dispositions.Length; i++) _dispositions[i] += other._dispositions[i];
            // A record both sides counted (the same export read twice, in parallel): counted once, here.
            foreach (var id in other._ids)
            {
                if (!_ids.ContainsKey(id.Key))
                {
                    _ids.Add(id.Key, id.Value);
                    continue;
                }
                other._users[id.Value.User].Remove(id.Value.Operation, id.Value.Anonymous);
                _dispositions[(int)SharingDisposition.Counted]--;
                _dispositions[(int)SharingDisposition.Duplicate]++;
            }
            other._ids.Clear();
            if (other._earliest < _earliest) _earliest = other._earliest;
            if (other._latest > _latest) _latest = other._latest;
            foreach (var kv in other._users)
            {
                // A user left with no events (every one a duplicate) still brings its times, as Add does for a duplicate.
                if (_users.TryGetValue(kv.Key, out var mine)) mine.Merge(kv.Value);
                else if (kv.Value.Events > 0) _users.Add(kv.Key, kv.Value);
            }
            other._users.Clear();
            Array.Clear(other._dispositions, 0, other._dispositions.Length);
        }

        /// <summary>One profile per user, ordered by user name.</summary>
        public IReadOnlyList<O365SharingProfile> BuildProfiles() =>
            _users.Values.OrderBy(u => u.Name, StringComparer.Ordinal).Select(u => new O365SharingProfile
            {
                UserName = u.Name,
                O365_EventCount = u.Events,
                O365_Operations = new OperationSet(u.Operations.Keys.OrderBy(o => o, StringComparer.Ordinal).Take(ExfilRule.MaxOperationsInSet)),
                O365_AnonLinks = u.AnonLinks,
                O365_LastEvent = u.Last,
                O365_FirstEvent = u.First,
                OperationCounts = new OperationCountMap(u.Operations),
                WindowStart = _options.Window.Start,
                WindowEnd = _options.Window.End,
                Mode = _options.ModeName,
            }).ToList();

        private sealed class UserState
        {
            public readonly string Name;
            public readonly Dictionary<string, long> Operations = new Dictionary<string, long>(StringComparer.Ordinal);
            public long Events, AnonLinks;
            public DateTime First = DateTime.MaxValue, Last = DateTime.MinValue;

            public UserState(string name) { Name = name; }

            public void Add(DateTime t, string operation, bool anonymous)
            {
                Events++;
                if (anonymous) AnonLinks++;
                Operations.TryGetValue(operation, out long n);
                Operations[operation] = n + 1;
                if (t < First) First = t;
                if (t > Last) Last = t;
            }

            public void Seen(DateTime t)
            {
                if (t < First) First = t;
                if (t > Last) Last = t;
            }

            /// <summary>Takes back one event (a duplicate found at a merge); its time is its original's, so First and Last stand.</summary>
            public void Remove(string operation, bool anonymous)
            {
                Events--;
                if (anonymous) AnonLinks--;
                if (--Operations[operation] == 0) Operations.Remove(operation);
            }

            public void Merge(UserState other)
            {
                Events += other.Events;
                AnonLinks += other.AnonLinks;
                foreach (var op in other.Operations)
                {
                    Operations.TryGetValue(op.Key, out long n);
                    Operations[op.Key] = n + op.Value;
                }
                if (other.First < First) First = other.First;
                if (other.Last > Last) Last = other.Last;
            }
        }
    }
}
