namespace LowSlowExfil.Tests
{
    /// <summary>
    /// The pipeline both parallel feed readers stand on (OrderedChunkPipeline), on a real file and real threads: chunks
    /// applied in file order whichever worker finishes first, a worker's failure told after the lines before it, and
    /// no worker left running when the read ends early or fails.
    /// </summary>
    public class OrderedChunkPipelineTests
    {
        private sealed class LineChunk : OrderedChunkPipeline.Chunk<string> { }

        /// <summary>Reads a chunk's lines; slow on the first chunk (so later ones finish first); fails at <c>failAt</c>.</summary>
        private sealed class LineParser : OrderedChunkPipeline.IChunkParser<LineChunk>
        {
            public static int Running;
            private readonly string _failAt;

            public LineParser(string failAt)
            {
                _failAt = failAt;
                Interlocked.Increment(ref Running);
            }

            public byte[] Buffer { get; } = new byte[64];

            public void Parse(Stream range, LineChunk chunk, int index)
            {
                if (index == 0) Thread.Sleep(300);
                using var text = new StreamReader(range, Encoding.UTF8, false, 64, leaveOpen: true);
                string line;
                while ((line = text.ReadLine()) != null)
                {
                    if (line == _failAt) throw new IOException("the disk went away at " + line);
                    chunk.Parsed.Add(line);
                }
            }

            public void Dispose() => Interlocked.Decrement(ref Running);
        }

        private static string Lines(TempFolder dir, int count)
        {
            string path = dir.File("lines.txt");
            File.WriteAllText(path, string.Concat(Enumerable.Range(1, count).Select(i => $"line {i:000}\n")));
            return path;
        }

        [Fact]
        public void Chunks_AreAppliedInFileOrder_WhicheverWorkerFinishesFirst()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = Lines(dir, 200);
            var applied = new List<string>();
            var summary = new FileReadSummary { File = path };
            var stopped = OrderedChunkPipeline.Run<string, LineChunk>(path, new ReadContext(), summary, 3, 100,
                _ => new LineParser(failAt: null), c => { applied.AddRange(c.Parsed); return true; });
            Assert.Null(stopped);
            Assert.Equal(File.ReadAllLines(path), applied);
            Assert.Equal(3, summary.Threads);
            Assert.Equal(0, Volatile.Read(ref LineParser.Running));
        }

        [Fact]
        public void AWorkersFailure_IsToldAfterTheLinesBeforeIt_AndNoWorkerIsLeftRunning()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = Lines(dir, 200);
            var applied = new List<string>();
            var e = Assert.Throws<IOException>(() => OrderedChunkPipeline.Run<string, LineChunk>(path, new ReadContext(), new FileReadSummary(), 3, 100,
                _ => new LineParser(failAt: "line 120"), c => { applied.AddRange(c.Parsed); return true; }));
            Assert.Equal("the disk went away at line 120", e.Message);
            Assert.Equal(Enumerable.Range(1, 119).Select(i => $"line {i:000}"), applied);
            Assert.Equal(0, Volatile.Read(ref LineParser.Running));
        }

        [Fact]
        public void AChunkThatEndsTheParallelPart_IsReturned_WithTheWorkersStopped()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = Lines(dir, 200);
            var applied = new List<string>();
            var stopped = OrderedChunkPipeline.Run<string, LineChunk>(path, new ReadContext(), new FileReadSummary(), 3, 100,
                _ => new LineParser(failAt: null), c => { applied.AddRange(c.Parsed); return !c.Parsed.Contains("line 050"); });
            Assert.NotNull(stopped);
            Assert.Contains("line 050", stopped.Parsed);
            // Everything up to the end of that chunk, in order, and nothing after it.
            Assert.Equal(File.ReadAllLines(path).Take(applied.Count), applied);
            Assert.Equal(stopped.Parsed.Last(), applied.Last());
            Assert.True(applied.Count < 100);
            Assert.Equal(0, Volatile.Read(ref LineParser.Running));
        }
    }
}
