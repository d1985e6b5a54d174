using System.Runtime.CompilerServices;

namespace LowSlowExfil
{
    /// <summary>How the code a large read runs per row, per line or per user is compiled.</summary>
    internal static class HotPath
    {
        // MethodImplOptions.AggressiveOptimization (not in netstandard2.0's enum, honoured by .NET Core 3+): the hot
        // loops of the readers and the accumulator are compiled fully optimised at once instead of starting as tier-0 code.
        internal const MethodImplOptions Optimized = (MethodImplOptions)512;
    }
}
