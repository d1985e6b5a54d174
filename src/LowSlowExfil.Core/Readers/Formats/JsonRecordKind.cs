namespace LowSlowExfil.Readers
{
    /// <summary>What one JSON record turned out to be.</summary>
    internal enum JsonRecordKind
    {
        Proxy,
        Sharing,
        Replay,
        Invalid,
    }
}
