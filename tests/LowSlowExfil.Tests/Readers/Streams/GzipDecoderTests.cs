namespace LowSlowExfil.Tests
{
    /// <summary>
    /// What GzipDecoder hands out before corrupt data stops it must not depend on how much its reader asks for at a
    /// time: the text readers ask for 64 KB, the byte-level scanners for up to a megabyte, and a failure that drops
    /// what one inflate call had decoded must drop the same bytes for both, or the two report different records.
    /// </summary>
    public class GzipDecoderTests
    {
        private static byte[] Compressed(out byte[] plain)
        {
            var sb = new StringBuilder();
            var random = new Random(7);
            for (int i = 0; i < 20000; i++)
                sb.Append("CEF:0|Zscaler|NSSWeblog|5.7|Allowed|Allowed|3|act=Allowed rt=Oct 07 2026 10:31:00 dhost=host")
                  .Append(random.Next(40)).Append(".dropbox.com suser=user").Append(random.Next(90)).Append("@b.com out=")
                  .Append(random.Next(1000000)).Append(" externalId=").Append(i).Append(" request=").Append(new string('r', random.Next(80))).Append('\n');
            plain = Encoding.ASCII.GetBytes(sb.ToString());
            return TestPaths.Gzip(plain);
        }

        /// <summary>Bytes handed out, asking <paramref name="ask"/> at a time, until the end or the decoder's exception.</summary>
        private static (long Bytes, string Failure) Drain(byte[] gzip, int ask)
        {
            var buffer = new byte[ask];
            long total = 0;
            using var decoder = new GzipDecoder(new MemoryStream(gzip, writable: false));
            try
            {
                int n;
                while ((n = decoder.Read(buffer, 0, ask)) > 0) total += n;
                return (total, null);
            }
            catch (Exception e) when (e is InvalidDataException || e is IOException)
            {
                return (total, e.GetType().Name);
            }
        }

        [Fact]
        public void CorruptData_StopsAtTheSameByte_WhateverTheReadSize()
        {
            byte[] good = Compressed(out byte[] plain);
            Assert.Equal((plain.LongLength, (string)null), Drain(good, 1 << 20));
            int failures = 0;
            for (int at = 40; at < good.Length - 16; at += good.Length / 300)
            {
                byte[] bad = (byte[])good.Clone();
                for (int i = 0; i < 6; i++) bad[at + i] = 0xFF;
                var large = Drain(bad, 1 << 20);
                Assert.Equal(Drain(bad, 64 * 1024), large);
                Assert.Equal(Drain(bad, 4093), large);
                if (large.Failure != null) failures++;
            }
            Assert.True(failures > 100, $"only {failures} corruptions were noticed");
        }
    }
}
