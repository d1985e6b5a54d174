using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace LowSlowExfil.Rule
{
    /// <summary>User names that look the same but differ as written: one group per normalised form.</summary>
    public sealed class UserNameVariantGroup
    {
        internal UserNameVariantGroup(string normalized, IReadOnlyList<string> variants, IReadOnlyList<string> differences)
        {
            Normalized = normalized;
            Variants = variants;
            Differences = differences;
        }

        /// <summary>The form they share (<see cref="UserNameVariants.Normalize"/>).</summary>
        public string Normalized { get; }

        /// <summary>The names as the rule groups them (tolower of the logs' names), in ordinal order.</summary>
        public IReadOnlyList<string> Variants { get; }

        /// <summary>What sets them apart, in words ("a zero-width character", ...).</summary>
        public IReadOnlyList<string> Differences { get; }
    }

    /// <summary>
    /// Finds user names that an analyst would read as one person but the rule counts as several: the rule groups by
    /// tolower(SourceUserName) / tolower(UserId) exactly, so "alice@x.com", "alice@x.com " (trailing space),
    /// "al\u200Bice@x.com" (zero-width space) and "аlice@x.com" (Cyrillic а) split one person's volume, and a
    /// variant on one side misses the join to the other. Nothing is merged here: the module still counts exactly as
    /// the rule does; this only lets the analyst be told.
    /// </summary>
    /// <remarks>
    /// The normal form is: Unicode NFKC (full-width and other compatibility forms fold to plain letters), invisible
    /// format characters removed, surrounding white space trimmed, invariant lower case, and the commonest Cyrillic
    /// and Greek letters that look like Latin ones replaced by those. The look-alike table is small on purpose: it
    /// holds letters that are indistinguishable from Latin in common fonts, not Unicode's whole confusables list.
    /// </remarks>
    public static class UserNameVariants
    {
        /// <summary>Invisible characters removed: zero-width space, non-joiner and joiner, word joiner, BOM / zero-width no-break
        /// space, soft hyphen, Mongolian vowel separator, and the invisible math operators.</summary>
        private static readonly HashSet<char> Invisible = new HashSet<char>
        {
            '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u180E', '\u2061', '\u2062', '\u2063', '\u2064',
        };

        /// <summary>Lower-case Cyrillic and Greek letters drawn like a Latin letter (upper case is lowered first).</summary>
        private static readonly Dictionary<char, char> LookAlikes = new Dictionary<char, char>
        {
            // Cyrillic
            ['\u0430'] = 'a', ['\u0435'] = 'e', ['\u043E'] = 'o', ['\u0440'] = 'p', ['\u0441'] = 'c', ['\u0443'] = 'y',
            ['\u0445'] = 'x', ['\u0455'] = 's', ['\u0456'] = 'i', ['\u0458'] = 'j', ['\u04BB'] = 'h', ['\u0501'] = 'd',
            ['\u051B'] = 'q', ['\u051D'] = 'w', ['\u04CF'] = 'l',
            // Greek
            ['\u03B1'] = 'a', ['\u03BF'] = 'o', ['\u03C1'] = 'p', ['\u03B9'] = 'i', ['\u03BA'] = 'k', ['\u03BD'] = 'v',
            ['\u03C5'] = 'u', ['\u03C7'] = 'x',
        };

        /// <summary>The form two names share when a reader would take them for the same name.</summary>
        // Once per user name of a hunt, from a call made once per hunt: optimised at once (see CandidateScorer.ScoreOne).
        [System.Runtime.CompilerServices.MethodImpl(HotPath.Optimized)]
        public static string Normalize(string name)
        {
            if (string.IsNullOrEmpty(name)) return name ?? string.Empty;
            // Printable ASCII (nearly every name of a real tenant): NFKC leaves it, it holds no invisible or look-alike
            // character, so its form is the trimmed lower case; the general path costs a hunt of thousands of users a
            // tenth of a second.
            bool ascii = true;
            foreach (char c in name)
                if (c < 0x20 || c > 0x7E) { ascii = false; break; }
            if (ascii) return name.Trim().ToLowerInvariant();
            string s = Nfkc(name);
            var sb = new StringBuilder(s.Length);
            foreach (char c in s)
                if (!Invisible.Contains(c)) sb.Append(c);
            s = sb.ToString().Trim().ToLowerInvariant();
            sb.Clear();
            foreach (char c in s) sb.Append(LookAlikes.TryGetValue(c, out char latin) ? latin : c);
            return sb.ToString();
        }

        /// <summary>
        /// The groups of two or more distinct names (compared ordinally, as the rule's grouping keys) that share a normal
        /// form, ordered by that form. Null and empty names are ignored.
        /// </summary>
        public static IReadOnlyList<UserNameVariantGroup> Find(IEnumerable<string> userNames)
        {
            if (userNames == null) throw new ArgumentNullException(nameof(userNames));
            // A form's first name alone; a set only once a second, different name shares it (rare).
            var first = new Dictionary<string, string>(StringComparer.Ordinal);
            var byForm = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
            foreach (string name in userNames)
            {
                if (string.IsNullOrEmpty(name)) continue;
                string form = Normalize(name);
                if (byForm.TryGetValue(form, out var set)) set.Add(name);
                else if (!first.TryGetValue(form, out string seen)) first.Add(form, name);
                else if (!string.Equals(seen, name, StringComparison.Ordinal)) byForm.Add(form, new SortedSet<string>(StringComparer.Ordinal) { seen, name });
            }
            return byForm.Where(kv => kv.Value.Count > 1)
                .OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => new UserNameVariantGroup(kv.Key, kv.Value.ToList(), Differences(kv.Value)))
                .ToList();
        }

        /// <summary>
        /// A name as it can be read at a console: printable ASCII as is, everything else (hidden characters, letters of
        /// other scripts, accents) as {U+XXXX}, so "al{U+200B}ice" and "{U+0430}lice" show how they differ.
        /// </summary>
        public static string Visible(string name)
        {
            if (name == null) return string.Empty;
            var sb = new StringBuilder(name.Length + 8);
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                if (c >= 0x20 && c < 0x7F) { sb.Append(c); continue; }
                int cp = char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]) ? char.ConvertToUtf32(c, name[++i]) : c;
                sb.Append("{U+").Append(cp.ToString("X4", CultureInfo.InvariantCulture)).Append('}');
            }
            return sb.ToString();
        }

        private static IReadOnlyList<string> Differences(IEnumerable<string> variants)
        {
            var found = new List<string>();
            var list = variants.ToList();
            if (list.Any(v => v.Any(Invisible.Contains))) found.Add("invisible characters (zero-width and the like)");
            if (list.Any(v => v.Trim() != v || Nfkc(v).Trim() != Nfkc(v))) found.Add("spaces before or after the name");
            if (list.Any(v => Nfkc(v) != v)) found.Add("compatibility forms (full-width letters, ligatures, non-breaking spaces)");
            if (list.Any(v => v.ToLowerInvariant().Any(LookAlikes.ContainsKey))) found.Add("Cyrillic or Greek letters that look like Latin ones");
            return found;
        }

        private static string Nfkc(string s)
        {
            try
            {
                return s.Normalize(NormalizationForm.FormKC);
            }
            catch (ArgumentException)
            {
                // A lone surrogate cannot be normalised; compare it as written.
                return s;
            }
        }
    }
}
