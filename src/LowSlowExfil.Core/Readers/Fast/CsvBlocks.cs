using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Classifies CSV bytes 64 at a time into bit masks (bit i for byte i): quotes, delimiters (comma, CR, LF) and
    /// line feeds. One vector compare covers 16–32 bytes where a per-field search pays a call per field; the masks
    /// then give every delimiter of a 55-column row by bit arithmetic. netstandard2.0 has no movemask, so each
    /// compare result is gathered into bits by one multiply per 8 bytes.
    /// </summary>
    internal static class CsvBlocks
    {
        public const int Size = 64;
        private const ulong Bytes = 0x0101010101010101UL;

        /// <summary>False where vectors are not hardware accelerated or do not tile 64 bytes: callers use their scalar path.</summary>
        public static readonly bool Supported = Vector.IsHardwareAccelerated && Vector<byte>.Count <= Size && Size % Vector<byte>.Count == 0;

        private static readonly Vector<byte> QuoteV = new Vector<byte>((byte)'"'), CommaV = new Vector<byte>((byte)','),
            LfV = new Vector<byte>((byte)'\n'), CrV = new Vector<byte>((byte)'\r'), Weights = MakeWeights();
        private const ulong DeBruijnMultiplier = 0x03F79D71B4CB0A89UL;
        // Bit index by (lowest bit × multiplier) >> 58; a constant span compiles to data, allocated nowhere.
        private static ReadOnlySpan<byte> DeBruijn => new byte[]
        {
            0, 1, 48, 2, 57, 49, 28, 3, 61, 58, 50, 42, 38, 29, 17, 4, 62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
            63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11, 46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9, 13, 8, 7, 6,
        };

        /// <summary>
        /// Masks of the 64 bytes at <paramref name="p"/> (all of them readable): quotes, delimiters (comma, CR, LF),
        /// line breaks (CR, LF) and line feeds. Quotes and breaks are sparse, so their bits are gathered only for the
        /// vectors that hold one.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Classify(byte* p, out ulong quotes, out ulong delimiters, out ulong breaks, out ulong lineFeeds)
        {
            ulong q = 0, d = 0, br = 0, lf = 0;
            for (int v = 0; v < Size; v += Vector<byte>.Count)
            {
                var x = Unsafe.ReadUnaligned<Vector<byte>>(p + v);
                var isQuote = Vector.Equals(x, QuoteV);
                var isLf = Vector.Equals(x, LfV);
                var isCr = Vector.Equals(x, CrV);
                var isBreak = isLf | isCr;
                d |= Gather(Vector.Equals(x, CommaV) | isBreak) << v;
                if (!isQuote.Equals(Vector<byte>.Zero)) q |= Gather(isQuote) << v;
                if (!isBreak.Equals(Vector<byte>.Zero))
                {
                    ulong lfBits = Gather(isLf);
                    lf |= lfBits << v;
                    br |= (isCr.Equals(Vector<byte>.Zero) ? lfBits : lfBits | Gather(isCr)) << v;
                }
            }
            quotes = q;
            delimiters = d;
            breaks = br;
            lineFeeds = lf;
        }

        /// <summary>Bits of a compare result (0xFF or 0 per byte): weight each byte by its bit, then sum 8 bytes with one multiply.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ulong Gather(Vector<byte> match)
        {
            var w = Vector.AsVectorUInt64(match & Weights);
            ulong r = 0;
            for (int i = 0; i < Vector<ulong>.Count; i++) r |= ((w[i] * Bytes) >> 56) << (8 * i);
            return r;
        }

        /// <summary>Bit i set when an odd number of bits at or below i are set: inside quotes, counting the opening quote.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong PrefixXor(ulong x)
        {
            x ^= x << 1;
            x ^= x << 2;
            x ^= x << 4;
            x ^= x << 8;
            x ^= x << 16;
            x ^= x << 32;
            return x;
        }

        /// <summary>Index of the lowest set bit of a non-zero mask.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int LowestBit(ulong x) => DeBruijn[(int)(((x & (0 - x)) * DeBruijnMultiplier) >> 58)];

        /// <summary>Index of the highest set bit of a non-zero mask.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int HighestBit(ulong x)
        {
            // Mostly asked of a single delimiter's bit: then it is the lowest bit, with no smearing.
            if ((x & (x - 1)) == 0) return LowestBit(x);
            x |= x >> 1;
            x |= x >> 2;
            x |= x >> 4;
            x |= x >> 8;
            x |= x >> 16;
            x |= x >> 32;
            return LowestBit(x ^ (x >> 1));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int PopCount(ulong x)
        {
            x -= (x >> 1) & 0x5555555555555555UL;
            x = (x & 0x3333333333333333UL) + ((x >> 2) & 0x3333333333333333UL);
            x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FUL;
            return (int)((x * Bytes) >> 56);
        }

        private static Vector<byte> MakeWeights()
        {
            var w = new byte[Vector<byte>.Count];
            for (int i = 0; i < w.Length; i++) w[i] = (byte)(1 << (i & 7));
            return new Vector<byte>(w);
        }
    }
}
