using System.Collections.Generic;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Recognises a raw-feed record replayed after a reconnect (NSS resends records with the same
    /// <c>externalId</c>). Remembers the most recent ids only, so memory stays fixed however long the feed;
    /// a replay arrives soon after its original.
    /// </summary>
    public sealed class ReplayFilter
    {
        public const int DefaultCapacity = 1 << 18;
        private readonly HashSet<string> _seen = new HashSet<string>();
        private readonly Queue<string> _order = new Queue<string>();
        private readonly int _capacity;

        public ReplayFilter(int capacity = DefaultCapacity) { _capacity = capacity; }

        /// <summary>True the first time an id is seen (within the remembered window); empty ids are always new.</summary>
        [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
        public bool IsFirst(string? externalId)
        {
            if (externalId == null || externalId.Length == 0) return true;
            if (!_seen.Add(externalId)) return false;
            _order.Enqueue(externalId);
            if (_order.Count > _capacity) _seen.Remove(_order.Dequeue());
            return true;
        }
    }
}
