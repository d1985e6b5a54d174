using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using LowSlowExfil.Readers;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Commands
{
    /// <summary>Tab completion for -ExfilDomain: the domain catalogue (the rule's domains first).</summary>
    public sealed class DomainCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            return DomainCatalog.Default.Domains
                .Where(d => d.Domain.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(d => new CompletionResult(d.Domain, d.Domain, CompletionResultType.ParameterValue,
                    $"{d.Domain}: {d.Channel}{(d.InRule ? " (in the rule)" : "")}{(d.Note != null ? "; " + d.Note : "")}"));
        }
    }

    /// <summary>
    /// Tab completion for -UserName: the users of the hunts run in this session (the data it has seen), so no
    /// completion ever reads logs or queries a workspace.
    /// </summary>
    public sealed class UserNameCompleter : IArgumentCompleter
    {
        private const int Capacity = 100000;
        private static readonly ConcurrentDictionary<string, byte> Seen = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);

        internal static void Remember(IEnumerable<string> users)
        {
            // Count takes every lock of the dictionary: asked once, not per name.
            int room = Capacity - Seen.Count;
            foreach (string u in users)
            {
                if (room <= 0) return;
                if (!string.IsNullOrEmpty(u) && Seen.TryAdd(u, 0)) room--;
            }
        }

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            return Seen.Keys.Where(u => u.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).OrderBy(u => u, StringComparer.Ordinal).Take(200)
                .Select(u => new CompletionResult(u, u, CompletionResultType.ParameterValue, u));
        }
    }

    /// <summary>
    /// Tab completion for -FeedTimeZone: the time-zone ids this system knows (not file names, PowerShell's fallback),
    /// matched anywhere in the id so 'Berlin' finds 'Europe/Berlin'; ids with spaces come quoted.
    /// </summary>
    public sealed class TimeZoneCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string word = (wordToComplete ?? string.Empty).Trim('\'', '"');
            var zones = FeedTimeZones.Known().Where(z => z.Id.IndexOf(word, StringComparison.OrdinalIgnoreCase) >= 0).ToList();
            // Ids that start with what was typed first, then those that only contain it.
            return zones.Where(z => z.Id.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                .Concat(zones.Where(z => !z.Id.StartsWith(word, StringComparison.OrdinalIgnoreCase)))
                .Select(z => new CompletionResult(z.Id.IndexOfAny(new[] { ' ', '(', ')', '+' }) >= 0 ? "'" + z.Id + "'" : z.Id, z.Id,
                    CompletionResultType.ParameterValue, string.IsNullOrEmpty(z.DisplayName) ? z.Id : z.DisplayName));
        }
    }
}
