using System;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Picks the byte-level fast paths, in one place (as Sep's parser factory picks its parser): the readers ask here
    /// whether one applies, nowhere else. They give the same results as the general readers, only sooner. The
    /// environment variable LOWSLOWEXFIL_FAST_PATHS=0 turns every one of them off for the whole process (read once,
    /// here), so that the test suites can run on the general readers alone (./build.ps1 Test -NoFastPaths);
    /// <see cref="ReadContext.UseFastPaths"/> turns them off for one read.
    /// </summary>
    internal static class FastPath
    {
        internal const string SwitchVariable = "LOWSLOWEXFIL_FAST_PATHS";

        /// <summary>False when <see cref="SwitchVariable"/> is 0.</summary>
        internal static readonly bool Allowed = AllowedBy(Environment.GetEnvironmentVariable(SwitchVariable));

        internal static bool AllowedBy(string switchValue) => switchValue == null || switchValue.Trim() != "0";

        private static bool On(ReadContext ctx) => Allowed && ctx.UseFastPaths;

        /// <summary>An NSS CEF feed: <see cref="NssCefScanner"/> rather than <see cref="NssCefReader"/>, for any sink.</summary>
        internal static bool ScansCef(ReadContext ctx) => On(ctx);

        /// <summary>
        /// A CommonSecurityLog CSV export: <see cref="ProxyCsvFastPath"/> for a sink that judges for itself (null: the
        /// general <see cref="LogAnalyticsCsvReader"/>); and the judging sink the CEF scanner caches verdicts for.
        /// </summary>
        internal static IJudgedSink? JudgingSink(IEventSink sink, ReadContext ctx) => On(ctx) ? sink as IJudgedSink : null;

        /// <summary>
        /// Whether a plain CommonSecurityLog export of <paramref name="length"/> bytes is cut into ranges read on every
        /// core (<see cref="ParallelProxyCsvReader"/>).
        /// </summary>
        internal static bool CutsIntoRanges(ReadContext ctx, long length) =>
            On(ctx) && ctx.MaxDegreeOfParallelism > 1 && length >= ctx.ParallelMinimumBytes;

        /// <summary>Whether <see cref="ProxyCsvScanner"/> splits records on 64-byte masks (<see cref="CsvBlocks"/>).</summary>
        internal static bool SplitsCsvByBlocks(ReadContext ctx) => Allowed && ctx.UseBlockParsing && CsvBlocks.Supported;
    }
}
