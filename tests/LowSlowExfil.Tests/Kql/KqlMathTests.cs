namespace LowSlowExfil.Tests
{
    /// <summary>avg, stdev, round(x, 2) and bin(t, 1d) with the rule's semantics (SPEC §2).</summary>
    public class KqlMathTests
    {
        private const long MB = 1048576; // 2^20

        [Fact]
        public void SampleStdev_OneToFive()
        {
            // mean = 15/5 = 3; squared deviations 4+1+0+1+4 = 10; 10/(5−1) = 2.5; √2.5 = 1.5811388300841898
            Assert.Equal(1.5811388300841898, KqlMath.SampleStdev(new double[] { 1, 2, 3, 4, 5 }));
        }

        [Fact]
        public void SampleStdev_IsSampleNotPopulation()
        {
            // [2, 4]: mean 3; squared deviations 1+1 = 2; sample 2/1 = 2 → √2 (population would be √1 = 1)
            Assert.Equal(Math.Sqrt(2), KqlMath.SampleStdev(new double[] { 2, 4 }));
            // All equal → 0
            Assert.Equal(0.0, KqlMath.SampleStdev(new double[] { 7, 7, 7 }));
        }

        [Fact]
        public void SampleStdev_FewerThanTwoValues_IsZero()
        {
            Assert.Equal(0.0, KqlMath.SampleStdev(Array.Empty<double>()));
            Assert.Equal(0.0, KqlMath.SampleStdev(new double[] { 42.5 }));
        }

        [Fact]
        public void Average()
        {
            // (1+2+3+4+5)/5 = 3
            Assert.Equal(3.0, KqlMath.Average(new double[] { 1, 2, 3, 4, 5 }));
            // (0.5+0.25)/2 = 0.375
            Assert.Equal(0.375, KqlMath.Average(new double[] { 0.5, 0.25 }));
            // (−1+1+3)/3 = 1
            Assert.Equal(1.0, KqlMath.Average(new double[] { -1, 1, 3 }));
            Assert.Equal(10.0, KqlMath.Average(new double[] { 10 }));
            Assert.Equal(0.0, KqlMath.Average(Array.Empty<double>()));
        }

        [Theory]
        [InlineData(0.125, 0.13)]     // midpoint, away from zero (banker's rounding would give 0.12)
        [InlineData(0.375, 0.38)]
        [InlineData(0.625, 0.63)]
        [InlineData(0.875, 0.88)]
        [InlineData(2.5, 2.5)]
        [InlineData(1.234, 1.23)]
        [InlineData(1.236, 1.24)]
        [InlineData(120.5, 120.5)]
        [InlineData(0.0, 0.0)]
        [InlineData(1000.875, 1000.88)]
        public void Round2_HalfAwayFromZero(double value, double expected)
        {
            Assert.Equal(expected, KqlMath.Round2(value));
        }

        [Theory]
        [InlineData(-0.125, -0.13)]
        [InlineData(-0.375, -0.38)]
        [InlineData(-1000.875, -1000.88)]
        [InlineData(-1.234, -1.23)]
        public void Round2_NegativeMidpoints_AwayFromZero(double value, double expected)
        {
            Assert.Equal(expected, KqlMath.Round2(value));
        }

        [Theory]
        [InlineData(-0.004)]   // rounds to −0 → must be +0
        [InlineData(-0.0049)]
        [InlineData(-1e-12)]
        [InlineData(-0.0)]
        public void Round2_NeverNegativeZero(double value)
        {
            double r = KqlMath.Round2(value);
            Assert.Equal(0.0, r);
            Assert.False(double.IsNegative(r), "Round2 returned negative zero");
            Assert.Equal("0", r.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        [Fact]
        public void Round2_NonFinitePassThrough()
        {
            Assert.True(double.IsNaN(KqlMath.Round2(double.NaN)));
            Assert.Equal(double.PositiveInfinity, KqlMath.Round2(double.PositiveInfinity));
            Assert.Equal(double.NegativeInfinity, KqlMath.Round2(double.NegativeInfinity));
        }

        [Theory]
        // 131072 = 2^17 bytes = 0.125 MB exactly → 0.13
        [InlineData(131072L, 0.13)]
        // 131072 + 262144 = 393216 bytes = 0.375 MB → 0.38
        [InlineData(393216L, 0.38)]
        // 1000 MB + 0.875 MB = 1048576000 + 917504 = 1049493504 bytes;
        // 1048576000 = 4000·262144 and 917504 = 3·262144 + 131072, so ≡ 131072 (mod 262144) → 1000.875 → 1000.88
        [InlineData(1049493504L, 1000.88)]
        // 123456 MB + 0.625 MB = 123456·1048576 + 655360 = 129452998656 + 655360 = 129453654016 bytes
        // (655360 = 2·262144 + 131072) → 123456.625 → 123456.63
        [InlineData(129453654016L, 123456.63)]
        // Not midpoints: 1 MB exactly; 1 byte; 5242 bytes = 0.0049991 MB → 0; 5243 bytes = 0.0050001 MB → 0.01
        [InlineData(1048576L, 1.0)]
        [InlineData(1L, 0.0)]
        [InlineData(5242L, 0.0)]
        [InlineData(5243L, 0.01)]
        [InlineData(0L, 0.0)]
        public void BytesToRoundedMB(long bytes, double expected)
        {
            Assert.Equal(expected, KqlMath.BytesToRoundedMB(bytes));
        }

        [Fact]
        public void BytesToRoundedMB_MidpointFamily()
        {
            // Every byte total ≡ 131072 (mod 262144) is k·0.25 + 0.125 MB, a midpoint at the third decimal,
            // and rounds up (away from zero) to the next hundredth: e.g. k = 0..7 → .13 .38 .63 .88 1.13 ...
            double[] expected = { 0.13, 0.38, 0.63, 0.88, 1.13, 1.38, 1.63, 1.88 };
            for (int k = 0; k < expected.Length; k++)
                Assert.Equal(expected[k], KqlMath.BytesToRoundedMB(131072L + 262144L * k));
        }

        [Fact]
        public void BytesPerMB_Is2To20()
        {
            Assert.Equal(1048576.0, KqlMath.BytesPerMB);
            Assert.Equal((double)MB, KqlMath.BytesPerMB);
        }

        [Theory]
        [InlineData("2024-06-01T00:00:00.0000000", "2024-06-01T00:00:00")]
        [InlineData("2024-06-01T00:00:00.0000001", "2024-06-01T00:00:00")]
        [InlineData("2024-06-01T13:45:12.3456789", "2024-06-01T00:00:00")]
        [InlineData("2024-06-01T23:59:59.9999999", "2024-06-01T00:00:00")]
        [InlineData("2024-02-29T12:00:00", "2024-02-29T00:00:00")]
        [InlineData("2023-12-31T23:59:59", "2023-12-31T00:00:00")]
        public void BinDay_FloorsToUtcMidnight(string input, string expected)
        {
            var t = DateTime.SpecifyKind(DateTime.Parse(input, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc);
            var e = DateTime.SpecifyKind(DateTime.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc);
            var day = KqlMath.BinDay(t);
            Assert.Equal(e, day);
            Assert.Equal(DateTimeKind.Utc, day.Kind);
            Assert.Equal(TimeSpan.Zero, day.TimeOfDay);
        }

        [Fact]
        public void BinDay_NextDayStartsANewBin()
        {
            var lastTick = new DateTime(2024, 6, 1, 23, 59, 59, DateTimeKind.Utc).AddTicks(9999999);
            var next = lastTick.AddTicks(1); // 2024-06-02T00:00:00
            Assert.Equal(new DateTime(2024, 6, 1, 0, 0, 0, DateTimeKind.Utc), KqlMath.BinDay(lastTick));
            Assert.Equal(new DateTime(2024, 6, 2, 0, 0, 0, DateTimeKind.Utc), KqlMath.BinDay(next));
        }
    }
}
