namespace LowSlowExfil.Tests
{
    /// <summary>The gzip trailer check's CRC-32, eight bytes a step, against its definition a byte a step.</summary>
    public class Crc32Tests
    {
        private static uint ByteAtATime(uint crc, byte[] data, int offset, int count)
        {
            uint c = ~crc;
            for (int i = offset; i < offset + count; i++)
            {
                c ^= data[i];
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            return ~c;
        }

        [Fact]
        public void CheckValue() => Assert.Equal(0xCBF43926u, Crc32.Update(0, Encoding.ASCII.GetBytes("123456789"), 0, 9));

        [Fact]
        public void EqualsTheDefinition_AtEveryOffsetAndLength_AndWhenContinued()
        {
            var data = new byte[300];
            new Random(7).NextBytes(data);
            for (int offset = 0; offset < 9; offset++)
                for (int count = 0; count + offset <= data.Length; count += count < 20 ? 1 : 37)
                {
                    Assert.Equal(ByteAtATime(0, data, offset, count), Crc32.Update(0, data, offset, count));
                    // Continued over two calls, split where the 8-byte steps do not line up.
                    int half = count / 2 + 3 > count ? count : count / 2 + 3;
                    Assert.Equal(ByteAtATime(0, data, offset, count), Crc32.Update(Crc32.Update(0, data, offset, half), data, offset + half, count - half));
                }
        }
    }
}
