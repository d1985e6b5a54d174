using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace LowSlowExfil.Rule
{
    /// <summary>The kind of service an upload went to.</summary>
    public enum ExfilChannel
    {
        Unknown = 0,
        CloudStorage,
        CodeHosting,
        Messaging,
        Webmail,
    }

    /// <summary>An exfiltration destination and its channel.</summary>
    public sealed class CatalogDomain
    {
        public CatalogDomain(string domain, ExfilChannel channel, bool inRule, string? note = null)
        {
            Domain = domain;
            Channel = channel;
            InRule = inRule;
            Note = note;
        }

        public string Domain { get; }
        public ExfilChannel Channel { get; }
        /// <summary>True for the rule's own 24 domains.</summary>
        public bool InRule { get; }
        public string? Note { get; }
        public override string ToString() => $"{Domain} ({Channel})";
    }

    /// <summary>
    /// The destinations the module knows: the rule's 24 domains with their channels, and upload hosts the rule
    /// misses (used only when asked for, so default results stay the rule's). Extendable from a CSV file with
    /// columns Domain,Channel.
    /// </summary>
    public sealed class DomainCatalog
    {
        // The channel of each of the rule's domains (ExfilRule.DefaultExfilDomains is the list itself).
        private static readonly Dictionary<string, ExfilChannel> RuleChannels = new Dictionary<string, ExfilChannel>(StringComparer.Ordinal)
        {
            ["drive.google.com"] = ExfilChannel.CloudStorage, ["docs.google.com"] = ExfilChannel.CloudStorage,
            ["dropbox.com"] = ExfilChannel.CloudStorage, ["box.com"] = ExfilChannel.CloudStorage, ["mega.nz"] = ExfilChannel.CloudStorage,
            ["mediafire.com"] = ExfilChannel.CloudStorage, ["sendspace.com"] = ExfilChannel.CloudStorage,
            ["wetransfer.com"] = ExfilChannel.CloudStorage, ["4shared.com"] = ExfilChannel.CloudStorage, ["anonfiles.com"] = ExfilChannel.CloudStorage,
            ["github.com"] = ExfilChannel.CodeHosting, ["gitlab.com"] = ExfilChannel.CodeHosting, ["bitbucket.org"] = ExfilChannel.CodeHosting,
            ["gist.github.com"] = ExfilChannel.CodeHosting,
            ["web.whatsapp.com"] = ExfilChannel.Messaging, ["telegram.org"] = ExfilChannel.Messaging, ["t.me"] = ExfilChannel.Messaging,
            ["discord.com"] = ExfilChannel.Messaging, ["discordapp.com"] = ExfilChannel.Messaging, ["signal.org"] = ExfilChannel.Messaging,
            ["mail.google.com"] = ExfilChannel.Webmail, ["outlook.live.com"] = ExfilChannel.Webmail,
            ["protonmail.com"] = ExfilChannel.Webmail, ["tutanota.com"] = ExfilChannel.Webmail,
        };

        private static readonly CatalogDomain[] Extra =
        {
            new CatalogDomain("content.dropboxapi.com", ExfilChannel.CloudStorage, false, "Dropbox's upload API; dropboxapi.com is not dropbox.com"),
            new CatalogDomain("www.googleapis.com", ExfilChannel.CloudStorage, false, "Google Drive's upload API (/upload/drive/...) among other Google APIs"),
            new CatalogDomain("onedrive.live.com", ExfilChannel.CloudStorage, false, "personal OneDrive"),
            new CatalogDomain("api.onedrive.com", ExfilChannel.CloudStorage, false, "personal OneDrive upload API"),
            new CatalogDomain("icloud.com", ExfilChannel.CloudStorage, false, "iCloud Drive"),
            new CatalogDomain("pcloud.com", ExfilChannel.CloudStorage, false),
            new CatalogDomain("gofile.io", ExfilChannel.CloudStorage, false),
            new CatalogDomain("file.io", ExfilChannel.CloudStorage, false),
            new CatalogDomain("transfer.sh", ExfilChannel.CloudStorage, false),
            new CatalogDomain("pastebin.com", ExfilChannel.CodeHosting, false),
            new CatalogDomain("githubusercontent.com", ExfilChannel.CodeHosting, false, "GitHub's upload and raw-content hosts"),
            new CatalogDomain("whatsapp.net", ExfilChannel.Messaging, false, "WhatsApp media uploads (mmg.whatsapp.net)"),
            new CatalogDomain("slack.com", ExfilChannel.Messaging, false, "personal Slack workspaces; exclude if Slack is corporate"),
            new CatalogDomain("proton.me", ExfilChannel.Webmail, false, "Proton's current domain"),
            new CatalogDomain("tuta.com", ExfilChannel.Webmail, false, "Tutanota's current domain"),
            new CatalogDomain("mail.yahoo.com", ExfilChannel.Webmail, false),
        };

        private readonly List<CatalogDomain> _domains;

        private DomainCatalog(IEnumerable<CatalogDomain> domains) { _domains = domains.ToList(); }

        /// <summary>The built-in catalogue: the rule's 24 domains and the extra upload hosts.</summary>
        public static DomainCatalog Default { get; } = new DomainCatalog(
            ExfilRule.DefaultExfilDomains.Select(d => new CatalogDomain(d, RuleChannels[d], inRule: true)).Concat(Extra));

        public IReadOnlyList<CatalogDomain> Domains => _domains;

        /// <summary>The rule's 24 domains.</summary>
        public IEnumerable<string> RuleDomains => _domains.Where(d => d.InRule).Select(d => d.Domain);

        /// <summary>Every domain of the catalogue.</summary>
        public IEnumerable<string> AllDomains => _domains.Select(d => d.Domain);

        /// <summary>
        /// The channel of a destination host: the category of the longest catalogue domain it equals or ends
        /// with (after the same normalisation as the intent mode), Unknown when none.
        /// </summary>
        public ExfilChannel ChannelOf(string host)
        {
            // Asked once per user and host when profiles are built: thousands of users share a few hosts.
            if (host == null) return ExfilChannel.Unknown;
            if (_channelOfHost.TryGetValue(host, out var known)) return known;
            string h = DestinationMatcher.DomainSuffixMatcher.NormalizeHost(host);
            CatalogDomain? best = null;
            foreach (var d in _domains)
            {
                string domain = d.Domain;
                bool match = h.Length == domain.Length ? h == domain
                    : h.Length > domain.Length && h[h.Length - domain.Length - 1] == '.' && h.EndsWith(domain, StringComparison.Ordinal);
                if (match && (best == null || domain.Length > best.Domain.Length)) best = d;
            }
            var channel = best?.Channel ?? ExfilChannel.Unknown;
            if (_channelOfHost.Count < MaxRememberedHosts) _channelOfHost[host] = channel;
            return channel;
        }

        private const int MaxRememberedHosts = 100000;
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ExfilChannel> _channelOfHost =
            new System.Collections.Concurrent.ConcurrentDictionary<string, ExfilChannel>(StringComparer.Ordinal);

        /// <summary>This catalogue plus the rows of a CSV file with columns Domain,Channel (later rows win).</summary>
        public DomainCatalog ExtendFromFile(string path)
        {
            var extra = new List<CatalogDomain>();
            int lineNo = 0;
            int domainCol = -1, channelCol = -1;
            foreach (string raw in File.ReadLines(path))
            {
                lineNo++;
                string line = raw.Trim();
                if (line.Length == 0 || line.StartsWith("#", StringComparison.Ordinal)) continue;
                string[] cells = line.Split(',').Select(c => c.Trim().Trim('"')).ToArray();
                if (domainCol < 0)
                {
                    domainCol = Array.FindIndex(cells, c => c.Equals("Domain", StringComparison.OrdinalIgnoreCase));
                    channelCol = Array.FindIndex(cells, c => c.Equals("Channel", StringComparison.OrdinalIgnoreCase));
                    if (domainCol < 0 || channelCol < 0)
                        throw new InvalidDataException($"{path}:{lineNo}: the header must name the columns Domain and Channel.");
                    continue;
                }
                if (cells.Length <= Math.Max(domainCol, channelCol))
                    throw new InvalidDataException($"{path}:{lineNo}: expected the columns Domain and Channel.");
                // By name only: Enum.TryParse also takes numbers ("1", "7").
                if (!Enum.GetNames(typeof(ExfilChannel)).Contains(cells[channelCol], StringComparer.OrdinalIgnoreCase)
                    || !Enum.TryParse(cells[channelCol], true, out ExfilChannel channel) || channel == ExfilChannel.Unknown)
                    throw new InvalidDataException($"{path}:{lineNo}: unknown channel '{cells[channelCol]}' (CloudStorage, CodeHosting, Messaging or Webmail).");
                string domain = DestinationMatcher.DomainSuffixMatcher.NormalizeHost(cells[domainCol]);
                if (domain.Length == 0) throw new InvalidDataException($"{path}:{lineNo}: empty domain.");
                extra.RemoveAll(e => e.Domain == domain); // later rows win
                // A row re-classifying one of the rule's domains keeps it one of the rule's.
                extra.Add(new CatalogDomain(domain, channel, _domains.Any(d => d.Domain == domain && d.InRule)));
            }
            var merged = _domains.Where(d => !extra.Any(e => e.Domain == d.Domain)).Concat(extra);
            return new DomainCatalog(merged);
        }
    }
}
