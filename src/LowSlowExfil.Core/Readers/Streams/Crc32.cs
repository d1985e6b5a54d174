using System;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// CRC-32 (IEEE 802.3, as in the gzip trailer) by slicing-by-8: eight bytes a step through eight tables, several times the
    /// speed of a byte at a time, which would otherwise cost about as much as inflating.
    /// </summary>
    internal static class Crc32
    {
        private static readonly uint[] Table = BuildTable(); // Table[k * 256 + b]: CRC of byte b followed by k zero bytes

        private static uint[] BuildTable()
        {
            var t = new uint[8 * 256];
            for (uint i = 0; i < 256; i++)
            {
                uint c = i;
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                t[i] = c;
            }
            for (int k = 1; k < 8; k++)
                for (int i = 0; i < 256; i++)
                {
                    uint prev = t[(k - 1) * 256 + i];
                    t[k * 256 + i] = (prev >> 8) ^ t[prev & 0xFF];
                }
            return t;
        }

        /// <summary>Continues a CRC-32 (start from 0) over more bytes.</summary>
        [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
        public static unsafe uint Update(uint crc, byte[] data, int offset, int count)
        {
            if (offset < 0 || count < 0 || offset > data.Length - count) throw new ArgumentOutOfRangeException(nameof(count));
            uint c = ~crc;
            if (count == 0) return crc;
            fixed (uint* t = Table)
            fixed (byte* start = &data[offset])
            {
                byte* p = start, end = start + count;
                if (BitConverter.IsLittleEndian)
                    for (; end - p >= 8; p += 8)
                    {
                        uint one = *(uint*)p ^ c, two = *(uint*)(p + 4);
                        c = t[7 * 256 + (one & 0xFF)] ^ t[6 * 256 + ((one >> 8) & 0xFF)] ^ t[5 * 256 + ((one >> 16) & 0xFF)] ^ t[4 * 256 + (one >> 24)]
                            ^ t[3 * 256 + (two & 0xFF)] ^ t[2 * 256 + ((two >> 8) & 0xFF)] ^ t[256 + ((two >> 16) & 0xFF)] ^ t[two >> 24];
                    }
                for (; p < end; p++) c = t[(c ^ *p) & 0xFF] ^ (c >> 8);
            }
            return ~c;
        }
    }
}
