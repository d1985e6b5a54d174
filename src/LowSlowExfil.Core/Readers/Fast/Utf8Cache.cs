using System;
using System.Text;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Byte strings seen before → their decoded text and a verdict computed once (e.g. "this host is an
    /// exfiltration domain"). Log columns such as vendor, action, user and host repeat endlessly with few
    /// distinct values, so the hot path decodes and classifies each distinct value once and then only hashes
    /// bytes. Bounded: past <see cref="MaxEntries"/> new values are decoded every time, never stored.
    /// </summary>
    internal sealed class Utf8Cache
    {
        public const int MaxEntries = 1 << 20;
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false, false);

        private int[] _buckets = new int[1024];   // index+1 into _entries; 0 = empty
        private Entry[] _entries = new Entry[512];
        private int _count;

        private struct Entry
        {
            public int Hash;
            public byte[] Key;
            public string Text;
            public int Verdict;
        }

        /// <summary>Looks up <paramref name="bytes"/>; on a miss decodes it and asks <paramref name="classify"/> for its verdict.</summary>
        [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
        public string Get(ReadOnlySpan<byte> bytes, Func<string, int> classify, out int verdict)
        {
            int hash = Hash(bytes);
            int mask = _buckets.Length - 1;
            for (int b = hash & mask; ; b = (b + 1) & mask)
            {
                int i = _buckets[b] - 1;
                if (i < 0) break;
                ref Entry e = ref _entries[i];
                if (e.Hash == hash && SameBytes(bytes, e.Key))
                {
                    verdict = e.Verdict;
                    return e.Text;
                }
            }
            string text = Decode(bytes);
            verdict = classify(text);
            if (_count < MaxEntries) Insert(hash, bytes.ToArray(), text, verdict);
            return text;
        }

        /// <summary>
        /// Byte equality, eight at a time. Not the library's SequenceEqual: on a large read's first pass that one runs
        /// in its instrumented tier (profile probes on every call), and a run of a second or two is mostly first pass.
        /// </summary>
        [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
        private static bool SameBytes(ReadOnlySpan<byte> a, byte[] b)
        {
            if (a.Length != b.Length) return false;
            var bs = new ReadOnlySpan<byte>(b);
            int i = 0;
            for (; i + 8 <= a.Length; i += 8)
                if (System.Runtime.InteropServices.MemoryMarshal.Read<ulong>(a.Slice(i)) != System.Runtime.InteropServices.MemoryMarshal.Read<ulong>(bs.Slice(i))) return false;
            for (; i < a.Length; i++)
                if (a[i] != bs[i]) return false;
            return true;
        }

        public static unsafe string Decode(ReadOnlySpan<byte> bytes)
        {
            if (bytes.IsEmpty) return string.Empty;
            fixed (byte* p = bytes) return Utf8.GetString(p, bytes.Length);
        }

        private void Insert(int hash, byte[] key, string text, int verdict)
        {
            if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
            _entries[_count] = new Entry { Hash = hash, Key = key, Text = text, Verdict = verdict };
            _count++;
            if (_count * 2 > _buckets.Length) Rehash();
            else Place(_buckets, hash, _count);
        }

        private void Rehash()
        {
            var buckets = new int[_buckets.Length * 2];
            for (int i = 0; i < _count; i++) Place(buckets, _entries[i].Hash, i + 1);
            _buckets = buckets;
        }

        private static void Place(int[] buckets, int hash, int slotPlusOne)
        {
            int mask = buckets.Length - 1;
            int b = hash & mask;
            while (buckets[b] != 0) b = (b + 1) & mask;
            buckets[b] = slotPlusOne;
        }

        [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
        private static int Hash(ReadOnlySpan<byte> bytes)
        {
            // Eight bytes per multiply (values such as host names are 10–40 bytes), then the tail, then mixed so
            // that the low bits used for buckets depend on every byte.
            ulong h = 0x9E3779B97F4A7C15UL ^ (ulong)bytes.Length;
            int i = 0;
            for (; i + 8 <= bytes.Length; i += 8)
            {
                h ^= System.Runtime.InteropServices.MemoryMarshal.Read<ulong>(bytes.Slice(i));
                h *= 0xFF51AFD7ED558CCDUL;
                h ^= h >> 29;
            }
            ulong tail = 0;
            for (int shift = 0; i < bytes.Length; i++, shift += 8) tail |= (ulong)bytes[i] << shift;
            h ^= tail;
            h *= 0xC4CEB9FE1A85EC53UL;
            h ^= h >> 32;
            return (int)h;
        }
    }
}
