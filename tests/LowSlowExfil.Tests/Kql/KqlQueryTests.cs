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
    
        // ───────────────────────── each domain once, the term pre-filter first ─────────────────────────

        public static IEnumerable<object[]> Modes() => new[] { new object[] { false }, new object[] { true } };

        private static IEnumerable<(string Name, string Query)> ZiaQueries(HuntOptions o)
        {
            yield return ("UploadAggregation", KqlQueryBuilder.ZiaAggregation(o));
            yield return ("Hunting", KqlQueryBuilder.HuntingQuery(o, new FlagThresholds()));
        }

        [Theory]
        [MemberData(nameof(Modes))]
        public void EachDomain_IsWrittenOnce(bool kql)
        {
            var o = new HuntOptions(End, 30, DomainCatalog.Default.AllDomains, kql);
            foreach (var (name, query) in ZiaQueries(o))
            {
                var literals = KqlText.Literals(query).Select(l => l.Value).ToList();
                foreach (string d in KqlQueryBuilder.QueryDomains(o))
                    Assert.True(literals.Count(v => v == d) == 1, $"{name}: '{d}' is written {literals.Count(v => v == d)} times");
                // …and no subdomain test spells a domain out again (".dropbox.com").
                Assert.DoesNotContain(literals, v => v.StartsWith(".", StringComparison.Ordinal) && KqlQueryBuilder.QueryDomains(o).Contains(v.Substring(1)));
            }
        }

        [Theory]
        [MemberData(nameof(Modes))]
        public void TheTermPreFilter_ComesBeforeAnyPerRowWork(bool kql)
        {
            var o = new HuntOptions(End, 30, null, kql);
            foreach (var (name, query) in ZiaQueries(o))
            {
                var lines = KqlText.Mask(query).Split('\n').Select(l => l.Trim()).ToList();
                int table = lines.IndexOf("CommonSecurityLog");
                int preFilter = lines.IndexOf("| where DestinationHostName has_any (ExfilDomains)");
                Assert.True(preFilter > table && table >= 0, name + ": no has_any pre-filter on the raw host");
                // Right after the time window: before the vendor and action filters and before any extend.
                Assert.StartsWith("| where TimeGenerated > ", lines[preFilter - 1]);
                int firstExtend = lines.FindIndex(l => l.StartsWith("| extend", StringComparison.Ordinal));
                Assert.True(firstExtend < 0 || firstExtend > preFilter, name + ": a row is normalised before the term filter");
            }
        }

        [Fact]
        public void TheIntentHuntingQuery_FitsARule_WithAHundredAndTwentyDomains()
        {
            // Each domain was written twice (an in list and an endswith line): the catalogue and 80 hosts of your own
            // came to about 12,000 characters, past the 10,000 a scheduled rule takes.
            var domains = DomainCatalog.Default.AllDomains.Concat(Enumerable.Range(1, 80).Select(i => $"upload{i}.files-example{i}.net")).ToList();
            Assert.Equal(120, domains.Count);
            string q = KqlQueryBuilder.HuntingQuery(new HuntOptions(End, 30, domains, kqlCompatible: false), new FlagThresholds());
            Assert.True(q.Length <= 10000, $"{q.Length} characters");
        }

        /// <summary>
        /// The KQL's domain match, "the last N labels of the host are a listed domain of N labels" for each N among
        /// the domains, evaluated with .NET's regex (these patterns mean the same in RE2): it agrees with the
        /// module's suffix walk on every host, over an alphabet that makes dots, empty labels and near misses common.
        /// </summary>
        [Fact]
        public void TheKqlDomainMatch_AgreesWithTheModulesSuffixWalk()
        {
            var rng = new Random(17);
            string Word(int max) => new string(Enumerable.Range(0, rng.Next(0, max)).Select(_ => "ab."[rng.Next(3)]).ToArray());
            for (int round = 0; round < 300; round++)
            {
                var domains = Enumerable.Range(0, rng.Next(1, 5)).Select(_ => Word(6))
                    .Where(d => d.Length > 0 && DestinationMatcher.DomainSuffixMatcher.NormalizeHost(d) == d).ToList();
                if (domains.Count == 0) continue;
                var matcher = new DestinationMatcher.DomainSuffixMatcher(domains);
                var patterns = domains.Select(DestinationMatcher.DomainSuffixMatcher.LabelCount).Distinct()
                    .Select(n => new Regex(KqlQueryBuilder.LastLabelsPattern(n), RegexOptions.CultureInvariant)).ToList();
                for (int i = 0; i < 50; i++)
                {
                    string host = Word(10);
                    if (DestinationMatcher.DomainSuffixMatcher.NormalizeHost(host) != host || host.Length == 0) continue;
                    bool kqlSays = patterns.Any(p => { var m = p.Match(host); return m.Success && matcher.NormalizedDomains.Contains(m.Groups[1].Value); });
                    Assert.True(kqlSays == matcher.IsMatch(host), $"host '{host}', domains [{string.Join(", ", domains)}]: KQL {kqlSays}, module {!kqlSays}");
                }
            }
        }

        [Theory]
        [InlineData("outloo\u212A.live.com")]   // the Kelvin sign lower-cases to "k": the raw host has no term "outlook.live.com"
        [InlineData("dr\u0130ve.google.com")]   // the dotted capital I lower-cases to "i"
        public void AHostTheTermPreFilterDrops_IsNotMatchedFromFilesEither(string host)
        {
            var intent = new HuntOptions(End, 30, null, kqlCompatible: false).Destinations;
            Assert.False(intent.IsMatch(host));
            Assert.True(intent.IsMatch(host.Replace('\u212A', 'k').Replace('\u0130', 'i')));
        }

        [Theory]
        [InlineData(".")]
        [InlineData(":443")]
        [InlineData("dropbox.com..")]
        public void ADomainThatNormalisesToNothingStable_IsRefused(string domain)
        {
            var e = Assert.Throws<ArgumentException>(() => new HuntOptions(End, 30, new[] { "dropbox.com", domain }, kqlCompatible: false));
            Assert.Contains(domain, e.Message);
        }
    
        // ───────────────────────── exact counts, materialize ─────────────────────────

        [Fact]
        public void TheIntentHuntingQuery_CountsExactly()
        {
            // dcount() is an estimate ("might return a result that varies between executions"); the module counts
            // exactly. Per-host rows counted per day give the distinct destinations; per-day rows counted per user
            // give the active days.
            string q = KqlQueryBuilder.HuntingQuery(new HuntOptions(End, 30, null, kqlCompatible: false), new FlagThresholds());
            Assert.DoesNotContain("dcount(", q);
            Assert.Contains("by UserName = tolower(SourceUserName), Day = bin(TimeGenerated, 1d), DestinationHostName", q);
            Assert.Contains("DayDestinCount = count()", q);
            Assert.Contains("ZIA_ActiveDays = count()", q);
        }

        [Fact]
        public void TheKqlCompatibleHuntingQuery_KeepsTheRulesEstimates()
        {
            string q = KqlQueryBuilder.HuntingQuery(new HuntOptions(End, 30, null, kqlCompatible: true), new FlagThresholds());
            Assert.Contains("DayDestinCount = dcount(DestinationHostName)", q);
            Assert.Contains("ZIA_ActiveDays = dcount(Day)", q);
        }

        [Theory]
        [MemberData(nameof(Modes))]
        public void ThePerUserTable_IsComputedOnce(bool kql)
        {
            // ZIA_Users feeds the mean, the standard deviation and the join: without materialize() Kusto computes it,
            // and scans CommonSecurityLog, three times.
            string q = KqlQueryBuilder.HuntingQuery(new HuntOptions(End, 30, null, kql), new FlagThresholds());
            Assert.Single(Regex.Matches(q, @"^let ZIA_Users = materialize\($", RegexOptions.Multiline));
            Assert.Equal(3, Regex.Matches(q, @"\bZIA_Users\b").Count - 1);
            Assert.Single(Regex.Matches(q, @"^CommonSecurityLog$", RegexOptions.Multiline));
        }
    }
}
