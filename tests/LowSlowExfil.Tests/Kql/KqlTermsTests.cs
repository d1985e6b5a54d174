namespace LowSlowExfil.Tests
{
    /// <summary>Kusto's has / has_any as SPEC §2 defines them (whole-term, ASCII case-insensitive).</summary>
    public class KqlTermsTests
    {
        // Every vector SPEC §2 lists, verbatim.
        public static IEnumerable<object[]> SpecVectors => new[]
        {
            new object[] { "a.docs.google.com", "google.com", true },
            new object[] { "mydropbox.com", "dropbox.com", false },
            new object[] { "evil-dropbox.com.example", "dropbox.com", true },
            new object[] { "x.t.me", "t.me", true },
            new object[] { "at.me", "t.me", false },
            new object[] { "t.media.com", "t.me", false },
            new object[] { "dropbox.com", "box.com", false },
            new object[] { "gist.github.com", "github.com", true },
            new object[] { "drive_google.com", "google.com", true },
            new object[] { "DROPBOX.COM", "dropbox.com", true },
            new object[] { "xdropbox.com dropbox.com", "dropbox.com", true },
            new object[] { "AnonymousLinkCreated", "Anonymous", false },
            new object[] { "Anonymous Link", "anonymous", true },
            new object[] { "KustoExplorerQueryRun", "Explorer", false },
        };

        [Theory]
        [MemberData(nameof(SpecVectors))]
        public void Has_SpecVectors(string left, string right, bool expected)
        {
            Assert.Equal(expected, KqlTerms.Has(left, right));
        }

        [Theory]
        [MemberData(nameof(SpecVectors))]
        public void HasAny_SingleTerm_AgreesWithHas(string left, string right, bool expected)
        {
            Assert.Equal(expected, KqlTerms.HasAny(left, new[] { right }));
        }

        [Theory]
        [MemberData(nameof(SpecVectors))]
        public void HasAny_TrueWhenAnyTermMatches(string left, string right, bool expected)
        {
            // A non-matching term before and after the vector's term does not change the answer.
            Assert.Equal(expected, KqlTerms.HasAny(left, new[] { "no-such-term.invalid", right, "zzz" }));
        }

        [Theory]
        // The rule's ExfilDomains list as has_any operand.
        [InlineData("a.docs.google.com", true)]          // docs.google.com
        [InlineData("evil-dropbox.com.example", true)]   // dropbox.com as whole terms
        [InlineData("x.t.me", true)]                     // t.me
        [InlineData("gist.github.com", true)]
        [InlineData("upload.box.com", true)]             // box.com
        [InlineData("mydropbox.com", false)]             // "dropbox.com" and "box.com" both start mid-term
        [InlineData("at.me", false)]
        [InlineData("t.media.com", false)]
        [InlineData("sharepoint.com", false)]
        [InlineData("googledrive.com", false)]
        [InlineData("", false)]
        [InlineData(null, false)]
        public void HasAny_DefaultExfilDomains(string host, bool expected)
        {
            Assert.Equal(expected, KqlTerms.HasAny(host, ExfilRule.DefaultExfilDomains));
        }

        [Fact]
        public void HasAny_EmptyTermList_IsFalse()
        {
            Assert.False(KqlTerms.HasAny("dropbox.com", Array.Empty<string>()));
        }

        [Theory]
        [InlineData(null, "a")]
        [InlineData("", "a")]
        [InlineData("a", null)]
        [InlineData("a", "")]          // the module treats an empty term as no match
        [InlineData(null, null)]
        [InlineData("", "")]
        [InlineData("ab", "abc")]      // right longer than left
        public void Has_EmptyOrNullOperands_IsFalse(string left, string right)
        {
            Assert.False(KqlTerms.Has(left, right));
        }

        [Fact]
        public void Has_WholeStringEqual_IsTrue()
        {
            Assert.True(KqlTerms.Has("dropbox.com", "dropbox.com"));
            Assert.True(KqlTerms.Has("a", "A"));
        }

        [Theory]
        // "ba.a.a" has "a.a": occurrences at i=1 and i=3 overlap (both use index 3).
        //   i=1: L[0]='b' is a term char and R[0]='a' is one → start fails.
        //   i=3: L[2]='.' → start ok; i+3 == 6 == len → end ok → match.
        [InlineData("ba.a.a", "a.a", true)]
        // "ba.a.ab": i=1 fails at the start as above; i=3 ends at L[6]='b' (term char, R[last]='a' term) → no match.
        [InlineData("ba.a.ab", "a.a", false)]
        // "at.t.t" has "t.t": i=1 preceded by 'a' fails; overlapping i=3 preceded by '.' and at the end → match.
        [InlineData("at.t.t", "t.t", true)]
        // "aaa" has "aa": i=0 ends before 'a' (fail), i=1 starts after 'a' (fail) → no match.
        [InlineData("aaa", "aa", false)]
        // "xt.me t.me": the first occurrence (i=1) is preceded by 'x'; the later one (i=6) follows a space.
        [InlineData("xt.me t.me", "t.me", true)]
        public void Has_OverlappingOccurrences_AllAreTried(string left, string right, bool expected)
        {
            Assert.Equal(expected, KqlTerms.Has(left, right));
        }

        [Theory]
        // R[0] is not a term char → the start boundary never fails.
        [InlineData("dropbox.com", ".com", true)]        // i=7, L[6]='x' is a term char but R[0]='.' is not; ends at len
        [InlineData("dropbox.community", ".com", false)] // ends at L[11]='m', R[last]='m' is a term char
        [InlineData("dropbox.com.au", ".com", true)]     // ends at '.', a separator
        [InlineData("evil-dropbox.com", "-dropbox", true)]   // start free, ends at '.'
        [InlineData("evil-dropboxes.com", "-dropbox", false)] // ends at 'e'
        // R[last] is not a term char → the end boundary never fails.
        [InlineData("google.com", "google.", true)]      // ends at L[7]='c', but R[last]='.' is not a term char
        [InlineData("mygoogle.com", "google.", false)]   // starts after 'y', R[0]='g' is a term char
        [InlineData("a.google.com", "google.", true)]
        // Both ends non-term: a plain substring test.
        [InlineData("xx.yy", ".", true)]
        [InlineData("abc-def", "c-d", false)]            // R[0]='c' after 'b' fails; R[last]='d' before 'e' fails
        [InlineData("abc-def", "-", true)]
        public void Has_TermStartingOrEndingWithSeparator(string left, string right, bool expected)
        {
            Assert.Equal(expected, KqlTerms.Has(left, right));
        }

        [Theory]
        [InlineData("GIST.GitHub.Com", "github.COM", true)]
        [InlineData("DropBox.com", "DROPBOX.COM", true)]
        // Only ASCII folds: 'Ä' (U+00C4) and 'ä' (U+00E4) are different characters.
        [InlineData("\u00C4rger.com", "\u00E4rger.com", false)]
        public void Has_IsAsciiCaseInsensitive(string left, string right, bool expected)
        {
            Assert.Equal(expected, KqlTerms.Has(left, right));
        }

        [Theory]
        // A term char is ASCII [0-9A-Za-z] only: '_' and non-ASCII letters separate terms (SPEC §2).
        [InlineData("drive_google.com", "drive", true)]
        [InlineData("caf\u00E9", "caf", true)]           // 'é' is not a term char
        [InlineData("box2.com", "box", false)]           // '2' is a term char
        [InlineData("box2.com", "2.com", false)]         // preceded by 'x'
        public void Has_TermCharacters(string left, string right, bool expected)
        {
            Assert.Equal(expected, KqlTerms.Has(left, right));
        }

        [Theory]
        [InlineData('0', true)]
        [InlineData('9', true)]
        [InlineData('a', true)]
        [InlineData('z', true)]
        [InlineData('A', true)]
        [InlineData('Z', true)]
        [InlineData('_', false)]
        [InlineData('-', false)]
        [InlineData('.', false)]
        [InlineData(' ', false)]
        [InlineData('\u00E9', false)]
        [InlineData('\uFF21', false)] // fullwidth 'Ａ'
        public void IsTermChar(char c, bool expected)
        {
            Assert.Equal(expected, KqlTerms.IsTermChar(c));
        }
    }
}
