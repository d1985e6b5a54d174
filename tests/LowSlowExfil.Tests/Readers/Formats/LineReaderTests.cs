namespace LowSlowExfil.Tests
{
    /// <summary>LineReader against its definition: split on LF, one trailing CR dropped, a line over the cap skipped.</summary>
    public class LineReaderTests
    {
        private static List<(string Line, bool TooLong, long Number)> Expected(string text, int max)
        {
            var result = new List<(string, bool, long)>();
            var parts = text.Split('\n');
            int count = text.EndsWith("\n", StringComparison.Ordinal) ? parts.Length - 1 : parts.Length;
            for (int i = 0; i < count; i++)
            {
                string p = parts[i];
                if (i == count - 1 && p.Length == 0 && !text.EndsWith("\n", StringComparison.Ordinal)) break;
                if (p.Length > max) result.Add((null, true, i + 1));
                else result.Add((p.EndsWith("\r", StringComparison.Ordinal) ? p.Substring(0, p.Length - 1) : p, false, i + 1));
            }
            return result;
        }

        [Fact]
        public void Lines_AcrossBufferEdges_CrLf_AndOverTheCap()
        {
            var rng = new Random(5);
            for (int round = 0; round < 40; round++)
            {
                var sb = new StringBuilder();
                int total = rng.Next(0, 200_000);
                while (sb.Length < total)
                {
                    // Mostly short lines, some longer than the 64K-char buffer or the cap.
                    int length = rng.Next(10) == 0 ? rng.Next(0, 90_000) : rng.Next(0, 300);
                    sb.Append('x', length);
                    if (rng.Next(3) == 0) sb.Append('\r');
                    sb.Append('\n');
                }
                if (rng.Next(2) == 0) sb.Append("tail without a line feed\r");
                string text = sb.ToString();
                const int max = 50_000;

                var reader = new LineReader(new StringReader(text), max);
                var actual = new List<(string, bool, long)>();
                while (reader.Next(out string line, out bool tooLong)) actual.Add((line, tooLong, reader.LineNumber));
                Assert.Equal(Expected(text, max), actual);
            }
        }
    }
}
