using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace LowSlowExfil.Tests
{
    // ───────────────────────────── generators ─────────────────────────────

    public static class PropertyArbitraries
    {
        public static Arbitrary<EventSet> EventSets() => Arb.From(EventGen.Set(0, 12, 0, 8, EventGen.AnyProxy, EventGen.AnySharing), s => s.Shrink());

        public static Arbitrary<ModeAgnosticSet> ModeAgnosticSets() =>
            Arb.From(EventGen.Set(5, 40, 0, 20, EventGen.ModeAgnosticProxy, EventGen.ModeAgnosticSharing).Select(s => new ModeAgnosticSet(s)),
                s => s.Events.Shrink().Select(e => new ModeAgnosticSet(e)));

        public static Arbitrary<ShuffleCase> ShuffleCases() => Arb.From(
            from events in EventGen.Set(0, 14, 0, 10, EventGen.AnyProxy, EventGen.AnySharing)
            from proxyOrder in Gen.Shuffle(Enumerable.Range(0, events.Proxy.Count).ToArray())
            from sharingOrder in Gen.Shuffle(Enumerable.Range(0, events.Sharing.Count).ToArray())
            from files in Gen.Choose(1, 4)
            from proxyFile in Gen.Choose(0, files - 1).ArrayOf(events.Proxy.Count)
            from sharingFile in Gen.Choose(0, files - 1).ArrayOf(events.Sharing.Count)
            from proxyFormats in Gen.Elements((ProxyFormat[])Enum.GetValues(typeof(ProxyFormat))).ArrayOf(files)
            from sharingFormats in Gen.Elements((SharingFormat[])Enum.GetValues(typeof(SharingFormat))).ArrayOf(files)
            select new ShuffleCase
            {
                Events = events, ProxyOrder = proxyOrder.ToArray(), SharingOrder = sharingOrder.ToArray(), Files = files,
                ProxyFile = proxyFile, SharingFile = sharingFile, ProxyFormats = proxyFormats, SharingFormats = sharingFormats,
            });

        public static Arbitrary<ParallelCase> ParallelCases() => Arb.From(
            from count in Gen.Choose(20, 70)
            from baseId in Gen.Choose(1, 1000)
            from rows in Gen.Frequency(
                    (8, EventGen.CsvProxy.Select(e => (Event: e, Bad: (BadRow?)null))),
                    (1, Gen.Elements((BadRow[])Enum.GetValues(typeof(BadRow))).Select(b => (Event: (SampleProxyEvent)null, Bad: (BadRow?)b))))
                .ListOf(count)
            from tail in Gen.Choose(0, 2)
            from kql in Gen.Elements(false, true)
            from minimum in Gen.Elements(1024, 4096)
            select new ParallelCase { Rows = EventGen.Number(rows.ToList(), baseId), Tail = tail, Kql = kql, MinimumBytes = minimum },
            c => c.Shrink());
    }

    internal static class EventGen
    {
        private static DateTime Start => PropertyTests.Start;
        private static DateTime End => PropertyTests.End;

        /// <summary>Whole seconds from 3 days before the window to 2 days after it, the window's edges often.</summary>
        public static readonly Gen<DateTime> Time = Gen.Frequency(
            (2, Gen.Elements(Start, Start.AddSeconds(1), Start.AddSeconds(-1), End, End.AddSeconds(-1), End.AddSeconds(1),
                End.AddDays(-1), End.AddDays(-1).AddSeconds(-1), Start.AddDays(1))),
            (8, Gen.Choose(0, 35 * 86400).Select(s => Start.AddDays(-3).AddSeconds(s))));

        private static readonly string[] OddVendors = { "zscaler", "ZSCALER", "ZScaler", "Fortinet", "Palo Alto Networks", "", null, "Zscaler Inc", " Zscaler" };

        private static readonly string[] Actions =
        {
            "Allowed", "Allowed", "Allowed", "Caution", "Blocked", "blocked", "block", "BLOCK", "Block", "BLOCKED", "deny", "Deny", "DENY",
            "", null, "Caution|Warn", @"Isolate\Browser",
        };

        private static readonly string[] Hosts =
        {
            "dropbox.com", "www.dropbox.com", "DROPBOX.COM", "dl.dropbox.com.", "drive.google.com", "docs.google.com:443", "gist.github.com",
            "github.com", "codeload.GitHub.com", "x.t.me", "t.me", "at.me", "t.media.com", "mydropbox.com", "evil-dropbox.com.example",
            "drive_google.com", "box.com", "mega.nz", "web.whatsapp.com", "example.org", "intranet.contoso.com", "", null,
        };

        /// <summary>A few names reused often, so users collect several events (and case variants merge).</summary>
        private static readonly string[] Users =
        {
            "alice@contoso.com", "ALICE@contoso.com", "Alice@Contoso.com", "Bob.Smith@contoso.com", @"CONTOSO\carol", "dave o'brien@contoso.com",
            "Zoë Łukasz", "山田太郎@contoso.jp", "eve \"the quoted\", jr", "frank=admin@x.com", "gina|ops", "henry 🙂", "İlknur@x.com",
            "STRASSE@x.com", "straße@x.com", " leading@x.com", "tab\tuser", "x y=z", "semi;colon", "{brace}[bracket]", "percent%20user",
            "CEF:0|not|a|header", "Kelvin\u212A@x.com", "nbsp\u00A0user\u00A0", "ls\u2028sep", "ctl\u0001x", "a\\", "\"", ",", "=",
        };

        private static readonly string[] Fragments =
        {
            "a", "B", "x", "é", "ß", "中", "🙂", " ", "\"", ",", "=", "|", "\\", "'", ";", ":", "%", "{", "}", "\t", "@", ".", "\u00A0", "İ", "#", "<", ">",
        };

        private static readonly string[] LineBreaks = { "\n", "\r\n", "\r" };

        private static Gen<string> Composite(bool lineBreaks) =>
            Gen.Choose(1, 10).SelectMany(n => Gen.Elements(lineBreaks ? Fragments.Concat(LineBreaks).ToArray() : Fragments).ListOf(n)).Select(l => string.Concat(l));

        /// <summary>User names any proxy format carries (see the class remarks on PropertyTests for NSS CEF's limits).</summary>
        private static readonly Gen<string> ProxyUser = Gen.Frequency(
            (6, Gen.Elements(Users)),
            (3, Composite(lineBreaks: false)),
            (1, Gen.Elements("", (string)null))).Where(CefCanCarry);

        /// <summary>User names for formats that quote or escape everything (CSV, JSON).</summary>
        private static readonly Gen<string> AnyUser = Gen.Frequency(
            (6, Gen.Elements(Users)),
            (1, Gen.Elements("multi\nline@x.com", "cr\rlf\r\n@x.com", " ", "trailing ", "a\\\\b", "a\\=b", "u in=5", "%s{login}")),
            (3, Composite(lineBreaks: true)),
            (1, Gen.Elements("", (string)null)));

        private static readonly Regex Placeholder = new Regex(@"%\d*[sd]\{[A-Za-z_]+\}", RegexOptions.CultureInvariant);
        private static readonly Regex SpaceKey = new Regex(@" ([A-Za-z0-9_]+)=", RegexOptions.CultureInvariant);
        private static readonly HashSet<string> CefKeys = new HashSet<string>(SampleRawFeedWriter.NssFieldKeys().Concat(new[]
        {
            "start", "end", "msg", "proto", "spt", "dpt", "duser", "dvchost", "deviceExternalId", "cn2", "cn2Label", "cn3", "cn3Label",
        }), StringComparer.Ordinal);

        /// <summary>What an NSS CEF extension value can hold (NSS does not escape values).</summary>
        internal static bool CefCanCarry(string s)
        {
            if (string.IsNullOrEmpty(s)) return true;
            if (s.IndexOf('\r') >= 0 || s.IndexOf('\n') >= 0 || s.EndsWith(" ", StringComparison.Ordinal)) return false;
            if (s.Contains("\\\\") || s.Contains("\\=") || Placeholder.IsMatch(s)) return false;
            foreach (Match m in SpaceKey.Matches(s))
                if (CefKeys.Contains(m.Groups[1].Value)) return false;
            return true;
        }

        private static readonly Gen<long> Bytes = Gen.Frequency(
            // Up to the per-record bound (1 TiB; past it a record is an error, SentBytesBoundTests), which sums of many stay far from overflowing.
            (2, Gen.Elements(0L, 1L, 131072L, 1048576L, 5L * 1048576 + 131072, int.MaxValue + 1L, (1L << 32) + 1, ExportSchema.MaxSentBytes - 1)),
            (1, Gen.Constant(ExportSchema.MaxSentBytes)),
            (6, Gen.Choose(0, 20_000).Select(i => (long)i)),
            (6, Gen.Choose(0, 60_000_000).Select(i => (long)i)),
            (2, Gen.Choose(1, 1 << 20).Select(i => i * 4096L)));

        private static Gen<SampleProxyEvent> Proxy(Gen<string> vendor, Gen<string> action, Gen<string> user, Gen<string> host) =>
            from t in Time
            from v in vendor
            from a in action
            from u in user
            from h in host
            from sent in Bytes
            from received in Gen.Choose(0, 100_000)
            from url in Gen.Elements(null, null, "http://plain.example/upload?x=1,2")
            select new SampleProxyEvent
            {
                TimeGenerated = t, DeviceVendor = v, DeviceProduct = "NSSWeblog", DeviceAction = a, SourceUserName = u, DestinationHostName = h,
                SentBytes = sent, ReceivedBytes = received, RequestURL = url, SourceIP = "10.1.2.3",
            };

        private static readonly Gen<string> Vendor = Gen.Frequency((6, Gen.Constant("Zscaler")), (4, Gen.Elements(OddVendors)));

        public static readonly Gen<SampleProxyEvent> AnyProxy = Proxy(Vendor, Gen.Elements(Actions), ProxyUser, Gen.Elements(Hosts));

        /// <summary>For CSV only: user names with line breaks too (multi-line quoted cells).</summary>
        public static readonly Gen<SampleProxyEvent> CsvProxy = Proxy(Vendor, Gen.Elements(Actions), AnyUser, Gen.Elements(Hosts));

        private static readonly string[] Operations =
        {
            "FileDownloaded", "FileSyncDownloadedFull", "FileCopied", "AnonymousLinkCreated", "AnonymousLinkUsed", "SharingSet",
            "SharingInvitationCreated", "AddedToSecureLink", "SecureLinkUsed", "anonymouslinkcreated", "ANONYMOUSLINKUSED", "FileAccessed",
            "UserLoggedIn", "PageViewed", "Anonymous Link", "", null,
        };

        private static readonly string[] Workloads = { "SharePoint", "OneDrive", "Exchange", "AzureActiveDirectory", null };

        private static readonly string[] ObjectIds =
        {
            "https://contoso.sharepoint.com/sites/Finance/Shared Documents/Budget, FY27.xlsx",
            "https://contoso-my.sharepoint.com/personal/alice_contoso_com/Documents/notes \"draft\".docx", null, "Inbox/Re: hello",
        };

        private static Gen<SampleSharingEvent> Sharing(Gen<string> operation) =>
            from t in Time
            from u in AnyUser
            from op in operation
            from w in Gen.Elements(Workloads)
            from o in Gen.Elements(ObjectIds)
            from rt in Gen.Elements(6, 14, 15, 2)
            select new SampleSharingEvent { TimeGenerated = t, UserId = u, Operation = op, OfficeWorkload = w, OfficeObjectId = o, RecordType = rt, ClientIP = "203.0.113.7" };

        public static readonly Gen<SampleSharingEvent> AnySharing = Sharing(Gen.Elements(Operations));

        // ── mode-agnostic: none of README's "Where the module differs" rows can apply ──

        /// <summary>Only "Zscaler" as the rule writes it: another letter case is a documented difference (the vendor match).</summary>
        private static readonly Gen<string> CanonicalVendor = Gen.Constant("Zscaler");

        /// <summary>Blocked only as the rule spells it (both modes drop these), or not blocked at all.</summary>
        private static readonly Gen<string> AgnosticAction = Gen.Elements("Allowed", "Allowed", "Caution", "", null, "block", "BLOCK", "Blocked", "blocked", "deny");

        private static readonly Gen<string> Label = Gen.Choose(1, 6).SelectMany(n => Gen.Elements("a", "b", "z", "0", "7", "-").ListOf(n))
            .Select(l => string.Concat(l).Trim('-')).Where(s => s.Length > 0);

        /// <summary>An exfiltration domain as is (any case, with a port or a trailing dot), a plain subdomain of one, or a host neither mode matches.</summary>
        private static readonly Gen<string> AgnosticHost = Gen.Frequency(
            (4, Gen.Elements(ExfilRule.DefaultExfilDomains.ToArray())),
            (1, Gen.Elements(ExfilRule.DefaultExfilDomains.ToArray()).Select(d => d.ToUpperInvariant())),
            (1, Gen.Elements(ExfilRule.DefaultExfilDomains.ToArray()).Select(d => d + ":443")),
            (1, Gen.Elements(ExfilRule.DefaultExfilDomains.ToArray()).Select(d => d + ".")),
            (3, from label in Label from d in Gen.Elements(ExfilRule.DefaultExfilDomains.ToArray()) select label + "." + d),
            (2, Gen.Elements("example.org", "intranet.contoso.com", "www.bbc.co.uk", "login.microsoftonline.com", "mydropbox.com", "", null)));

        public static readonly Gen<SampleProxyEvent> ModeAgnosticProxy = Proxy(CanonicalVendor, AgnosticAction, AnyUser, AgnosticHost);

        /// <summary>Every operation but the anonymous-link ones the modes count differently.</summary>
        public static readonly Gen<SampleSharingEvent> ModeAgnosticSharing =
            Sharing(Gen.Elements(Operations.Where(o => o != "AnonymousLinkCreated" && o != "AnonymousLinkUsed").ToArray()));

        public static Gen<EventSet> Set(int minProxy, int maxProxy, int minSharing, int maxSharing, Gen<SampleProxyEvent> proxy, Gen<SampleSharingEvent> sharing) =>
            from np in Gen.Choose(minProxy, maxProxy)
            from ns in Gen.Choose(minSharing, maxSharing)
            from p in proxy.ListOf(np)
            from s in sharing.ListOf(ns)
            from baseId in Gen.Choose(1, 1000)
            select new EventSet(Number(p.ToList(), baseId), Number(s.ToList(), baseId));

        /// <summary>Fresh copies with unique ids (NSS externalId: a repeated one is a replay), as a tenant assigns them.</summary>
        private static List<SampleProxyEvent> Number(List<SampleProxyEvent> events, int baseId) =>
            events.Select((e, i) => new SampleProxyEvent
            {
                TimeGenerated = e.TimeGenerated, DeviceVendor = e.DeviceVendor, DeviceProduct = e.DeviceProduct, DeviceAction = e.DeviceAction,
                SourceUserName = e.SourceUserName, DestinationHostName = e.DestinationHostName, SentBytes = e.SentBytes, ReceivedBytes = e.ReceivedBytes,
                RequestURL = e.RequestURL, SourceIP = e.SourceIP, ExternalId = baseId + i,
            }).ToList();

        private static List<SampleSharingEvent> Number(List<SampleSharingEvent> events, int baseId) =>
            events.Select((e, i) => new SampleSharingEvent
            {
                TimeGenerated = e.TimeGenerated, UserId = e.UserId, Operation = e.Operation, OfficeWorkload = e.OfficeWorkload,
                OfficeObjectId = e.OfficeObjectId, ClientIP = e.ClientIP, RecordType = e.RecordType,
                Id = SampleExportWriter.HashGuid((baseId + i).ToString(CultureInfo.InvariantCulture)),
            }).ToList();

        public static List<(SampleProxyEvent Event, BadRow? Bad)> Number(List<(SampleProxyEvent Event, BadRow? Bad)> rows, int baseId)
        {
            var numbered = Number(rows.Where(r => r.Event != null).Select(r => r.Event).ToList(), baseId);
            int k = 0;
            return rows.Select(r => r.Event != null ? (numbered[k++], (BadRow?)null) : r).ToList();
        }
    }

    // ───────────────────────────── canonical text of results ─────────────────────────────

    internal static class Describe
    {
        private static string R(double d) => d.ToString("R", CultureInfo.InvariantCulture);
        private static string T(DateTime t) => t.ToString("o", CultureInfo.InvariantCulture);

        public static string Profiles(EventAccumulator acc, bool withMode = true) =>
            Uploads(acc.Uploads.BuildProfiles(), withMode) + "\n--\n" + Sharing(acc.Sharing.BuildProfiles(), withMode);

        public static string Uploads(IEnumerable<ZiaUploadProfile> profiles, bool withMode = true) => string.Join("\n", profiles.Select(p =>
            $"{Show.Q(p.UserName)} mb={R(p.ZIA_TotalMBSent)} days={p.ZIA_ActiveDays} req={p.ZIA_TotalRequests} udest={p.ZIA_UniqueDestCnt} " +
            $"bytes={p.TotalBytesSent} ddest={p.DistinctDestinations} first={T(p.FirstSeen)} last={T(p.LastSeen)} " +
            $"window={T(p.WindowStart)}..{T(p.WindowEnd)}{(withMode ? " mode=" + p.Mode : "")}" +
            "\n    daily " + string.Join("; ", p.DailyUploads.Select(d => $"{Show.Q(d.UserName)} {T(d.Day)} {d.DaySentBytes}/{d.DayRequestCount}/{d.DayDestinCount}")) +
            "\n    dest " + string.Join("; ", p.Destinations.Select(d => $"{Show.Q(d.DestinationHostName)} {d.Channel} {d.SentBytes}/{d.RequestCount}/{d.ActiveDays}")) +
            "\n    chan " + string.Join("; ", p.Channels.Select(c => $"{c.Channel} {c.SentBytes}/{c.RequestCount}/{c.ActiveDays}/{c.Destinations}"))));

        public static string Sharing(IEnumerable<O365SharingProfile> profiles, bool withMode = true) => string.Join("\n", profiles.Select(p =>
            $"{Show.Q(p.UserName)} events={p.O365_EventCount} ops=[{string.Join(",", p.O365_Operations)}] anon={p.O365_AnonLinks} " +
            $"first={T(p.O365_FirstEvent)} last={T(p.O365_LastEvent)} counts={string.Join(",", p.OperationCounts.Select(kv => kv.Key + "=" + kv.Value))} " +
            $"window={T(p.WindowStart)}..{T(p.WindowEnd)}{(withMode ? " mode=" + p.Mode : "")}"));

        public static string Score(ScoreResult r, bool withMode = true)
        {
            var s = r.Summary;
            var sb = new StringBuilder();
            sb.Append($"users={s.Users} mean={R(s.BaselineMean)} stdev={R(s.BaselineStdev)} flagged={s.Flagged} z>={R(s.ZScoreThreshold)} ")
              .Append($"window={T(s.WindowStart)}..{T(s.WindowEnd)}{(withMode ? " mode=" + s.Mode : "")} population=[{string.Join(",", s.PopulationTotalsMB.Select(R))}]");
            foreach (var c in r.All)
            {
                var ctx = c.GetScoreContext();
                sb.Append($"\n{Show.Q(c.UserName)} {R(c.ZIA_TotalMBSent)} {c.ZIA_ActiveDays} {c.ZIA_TotalRequests} {c.ZIA_UniqueDestCnt} {c.O365_EventCount} ")
                  .Append($"{c.O365_AnonLinks} [{string.Join(",", c.O365_Operations)}] {c.DistinctChannels} z={R(c.Zscore)} {c.Reasons} ")
                  .Append($"ctx={ctx.PeerGroup}/{ctx.Method}/{ctx.BaselineUsers}/{R(ctx.BaselineCenter)}/{R(ctx.BaselineSpread)} ")
                  .Append($"| {Show.Q(c.AlertDisplayName)} | {Show.Q(c.AlertDescription)}");
            }
            return sb.ToString();
        }
    }

    /// <summary>Text for failure messages: control and non-ASCII characters as \uXXXX, so a difference is visible.</summary>
    internal static class Show
    {
        public static string Q(string s)
        {
            if (s == null) return "null";
            var sb = new StringBuilder("\"");
            foreach (char c in s)
            {
                if (c == '"' || c == '\\') sb.Append('\\').Append(c);
                else if (c < 0x20 || c > 0x7E) sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                else sb.Append(c);
            }
            return sb.Append('"').ToString();
        }

        public static string Proxy(SampleProxyEvent e) =>
            $"P {e.TimeGenerated:o} v={Q(e.DeviceVendor)} a={Q(e.DeviceAction)} u={Q(e.SourceUserName)} h={Q(e.DestinationHostName)} b={e.SentBytes} id={e.ExternalId}";

        public static string Sharing(SampleSharingEvent e) =>
            $"S {e.TimeGenerated:o} u={Q(e.UserId)} op={Q(e.Operation)} w={Q(e.OfficeWorkload)} id={e.Id}";
    }
}
