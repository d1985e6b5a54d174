namespace LowSlowExfil.Tests
{
    /// <summary>
    /// UserNameVariants: names a reader takes for one person but the rule counts as several. The cmdlets' warning is
    /// tested in tests/Pester/UserNames.Tests.ps1.
    /// </summary>
    public class UserNameVariantsTests
    {
        [Theory]
        [InlineData("alice@contoso.com", "alice@contoso.com")]
        [InlineData("al\u200Bice@contoso.com", "alice@contoso.com")]       // zero-width space
        [InlineData("alice\u200C@contoso\u200D.com", "alice@contoso.com")] // zero-width non-joiner, joiner
        [InlineData("\u2060alice@contoso.com\uFEFF", "alice@contoso.com")] // word joiner, BOM
        [InlineData("ali\u00ADce@contoso.com", "alice@contoso.com")]       // soft hyphen
        [InlineData("alice@contoso.com ", "alice@contoso.com")]            // trailing space
        [InlineData(" \talice@contoso.com\u00A0", "alice@contoso.com")]    // leading tab, trailing no-break space
        [InlineData("ALICE@Contoso.COM", "alice@contoso.com")]             // case (the rule merges these already)
        [InlineData("\uFF41lice@contoso.com", "alice@contoso.com")]        // full-width a (NFKC)
        [InlineData("\u0430lice@contoso.com", "alice@contoso.com")]        // Cyrillic a
        [InlineData("\u0410LICE@contoso.com", "alice@contoso.com")]        // Cyrillic capital A
        [InlineData("b\u043Eb@c\u043Ent\u043Es\u043E.c\u043Em", "bob@contoso.com")] // Cyrillic o
        [InlineData("\u0455\u0440\u0443@x.com", "spy@x.com")]              // Cyrillic s, r (p), u (y)
        [InlineData("\u03B1lice@contoso.com", "alice@contoso.com")]        // Greek alpha
        [InlineData("j\u03BFhn@contoso.com", "john@contoso.com")]          // Greek omicron
        [InlineData("jürgen@contoso.com", "jürgen@contoso.com")]           // a real accent is kept
        [InlineData("", "")]
        public void Normalize(string name, string expected) => Assert.Equal(expected, UserNameVariants.Normalize(name));

        [Fact]
        public void Normalize_KeepsDifferentNamesDifferent()
        {
            Assert.NotEqual(UserNameVariants.Normalize("john1@contoso.com"), UserNameVariants.Normalize("johnl@contoso.com"));
            Assert.NotEqual(UserNameVariants.Normalize("alice@contoso.com"), UserNameVariants.Normalize("alice@contoso.co"));
            Assert.NotEqual(UserNameVariants.Normalize("jurgen@contoso.com"), UserNameVariants.Normalize("jürgen@contoso.com"));
            // A lone surrogate cannot be NFKC-normalised: compared as written, without throwing.
            Assert.Equal("a" + (char)0xD800 + "b", UserNameVariants.Normalize("A" + (char)0xD800 + "b"));
        }

        [Fact]
        public void Find_GroupsTheVariants_AndSaysHowTheyDiffer()
        {
            var names = new[]
            {
                "alice@contoso.com", "al\u200Bice@contoso.com", "alice@contoso.com ", "\u0430lice@contoso.com",
                "bob@contoso.com", "carol@contoso.com", "c\u0430rol@contoso.com", "alice@contoso.com", null, "",
            };
            var groups = UserNameVariants.Find(names);
            Assert.Equal(2, groups.Count);

            var alice = groups[0];
            Assert.Equal("alice@contoso.com", alice.Normalized);
            Assert.Equal(new[] { "alice@contoso.com", "alice@contoso.com ", "al\u200Bice@contoso.com", "\u0430lice@contoso.com" }, alice.Variants);
            Assert.Equal(new[] { "invisible characters (zero-width and the like)", "spaces before or after the name", "Cyrillic or Greek letters that look like Latin ones" },
                alice.Differences);

            var carol = groups[1];
            Assert.Equal(new[] { "carol@contoso.com", "c\u0430rol@contoso.com" }, carol.Variants);
            Assert.Equal(new[] { "Cyrillic or Greek letters that look like Latin ones" }, carol.Differences);
        }

        [Fact]
        public void Find_NoVariants_NoGroups()
        {
            Assert.Empty(UserNameVariants.Find(new[] { "a@x.com", "b@x.com", "a@x.com", "A@x.com".ToLowerInvariant() }));
            Assert.Empty(UserNameVariants.Find(Enumerable.Empty<string>()));
            Assert.Throws<ArgumentNullException>(() => UserNameVariants.Find(null));
        }

        [Fact]
        public void Find_FullWidth_IsACompatibilityForm()
        {
            var g = Assert.Single(UserNameVariants.Find(new[] { "alice@contoso.com", "\uFF41lice@contoso.com" }));
            Assert.Equal(new[] { "compatibility forms (full-width letters, ligatures, non-breaking spaces)" }, g.Differences);
        }

        [Theory]
        [InlineData("alice@contoso.com", "alice@contoso.com")]
        [InlineData("al\u200Bice@contoso.com", "al{U+200B}ice@contoso.com")]
        [InlineData("\u0430lice@contoso.com", "{U+0430}lice@contoso.com")]
        [InlineData("alice@contoso.com ", "alice@contoso.com ")]
        [InlineData("a\tb", "a{U+0009}b")]
        [InlineData("x\U0001D44Ey", "x{U+1D44E}y")]
        public void Visible_ShowsHiddenAndForeignCharactersAsCodes(string name, string expected) =>
            Assert.Equal(expected, UserNameVariants.Visible(name));
    }
}
