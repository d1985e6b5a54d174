using LowSlowExfil.Aggregation;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// The fast-sink contract: a sink that applies the rule's upload filter itself (<see cref="Rule.UploadFilter"/>),
    /// so a byte scanner may hand it proxy events judged with verdicts cached per distinct value, and rows the rule
    /// leaves out as counts only. <see cref="EventAccumulator"/> is one; any other sink gets every event through
    /// <see cref="IEventSink.AddProxy"/>. The scanners take the sealed accumulator itself, so that their calls per row
    /// are direct ones.
    /// </summary>
    internal interface IJudgedSink : IEventSink
    {
        /// <summary>Where judged proxy events go: its Filter, Seen, CountRejected, AddCounted and AddJudged.</summary>
        ZiaAccumulator Uploads { get; }
    }
}
