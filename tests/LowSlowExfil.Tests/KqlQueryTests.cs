using System;
using System.Linq;
using LowSlowExfil.Kql;
using LowSlowExfil.Rule;
using Xunit;

namespace LowSlowExfil.Tests
{
    /// <summary>The queries KqlQueryBuilder writes: what they must and must not contain (issue 17).</summary>
    public sealed class KqlQueryTests
    {
        private static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

        // ───────────────────────── non-finite thresholds ─────────────────────────

        [Theory]
        [InlineData(double.NaN)]
        [InlineData(double.PositiveInfinity)]
        [InlineData(double.NegativeInfinity)]
        public void NonFiniteNumbers_HaveNoKqlLiteral(double value)
        {
            // "Zscore >= NaN" binds NaN as a column name (KS142): such a query must never be written.
            var e = Assert.Throws<ArgumentException>(() => KqlLiteral.Real(value));
            Assert.Contains("finite", e.Message);
        }

        [Theory]
        [InlineData(double.NaN)]
        [InlineData(double.PositiveInfinity)]
        [InlineData(double.NegativeInfinity)]
        public void HuntingQuery_RefusesANonFiniteThreshold(double value)
        {
            var o = new HuntOptions(End, 30);
            Assert.Throws<ArgumentException>(() => KqlQueryBuilder.HuntingQuery(o, new FlagThresholds { ZScore = value }));
            Assert.Throws<ArgumentException>(() => KqlQueryBuilder.HuntingQuery(o, new FlagThresholds { PersistenceMinMB = value }));
            Assert.Throws<ArgumentException>(() => KqlQueryBuilder.HuntingQuery(o, new FlagThresholds { AnonymousLinkMinMB = value }));
        }

        [Fact]
        public void FiniteThresholds_AreWrittenInvariantly()
        {
            Assert.Equal("-2.5", KqlLiteral.Real(-2.5));
            Assert.Equal("3", KqlLiteral.Real(3.0));
            Assert.Equal("1E+300", KqlLiteral.Real(1e300));
        }
    }
}
