namespace LowSlowExfil.Aggregation
{
    /// <summary>
    /// Sums of byte counts that stop at <see cref="long.MaxValue"/> instead of wrapping: a total that wrapped would turn
    /// the largest uploader negative and drop them from the candidates. Every operand is non-negative (readers refuse
    /// negative sizes), so an overflow shows as a sum below either operand.
    /// </summary>
    internal static class ByteSum
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static long Add(long a, long b)
        {
            long s = unchecked(a + b);
            return s < a || s < b ? long.MaxValue : s;
        }
    }
}
