namespace LowSlowExfil.Tests
{
    /// <summary>
    /// The shared result dump is canonical: the same result gives the same text whatever order its maps were filled
    /// in. OneTruthTests' own copy did not sort map keys (WorkspaceEquivalenceTests' did), so the two suites could
    /// disagree on whether two results were the same.
    /// </summary>
    public sealed class ResultDumpTests
    {
        private sealed class Holder
        {
            public string Name { get; set; }
            public Dictionary<string, long> Counts { get; set; }
            public IReadOnlyDictionary<string, long> ReadOnlyCounts { get; set; }
            public double Mb { get; set; }
            public DateTime At { get; set; }
        }

        private static Holder Make(IEnumerable<string> keyOrder) => new Holder
        {
            Name = "ann \"o'neil\"",
            Counts = keyOrder.ToDictionary(k => k, k => (long)k.Length),
            ReadOnlyCounts = keyOrder.Reverse().ToDictionary(k => k, k => (long)k.Length * 2),
            Mb = 0.1 + 0.2,
            At = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc),
        };

        [Fact]
        public void Maps_DumpTheSame_InAnyInsertionOrder()
        {
            var keys = new[] { "SharingSet", "AnonymousLinkCreated", "FileDownloaded" };
            Assert.Equal(ResultDump.Of(Make(keys)), ResultDump.Of(Make(keys.Reverse())));
        }

        [Fact]
        public void Values_AreInvariant_AndExact()
        {
            string text = ResultDump.Of(Make(new[] { "b", "a" }));
            Assert.Equal("Holder{At=2026-11-01T00:00:00.0000000Z;Counts={\"a\":1,\"b\":1,};Mb=0.30000000000000004;Name=\"ann \\u0022o\\u0027neil\\u0022\";ReadOnlyCounts={\"a\":2,\"b\":2,};}", text);
        }

        [Fact]
        public void Sequences_KeepTheirOrder()
        {
            Assert.NotEqual(ResultDump.Of(new[] { "x", "y" }), ResultDump.Of(new[] { "y", "x" }));
        }
    }
}
