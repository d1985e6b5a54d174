using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace LowSlowExfil.Tests
{
    // ───────────────────────────── cases ─────────────────────────────

    /// <summary>Web-proxy and Microsoft 365 events, as the sample writers take them.</summary>
    public sealed class EventSet
    {
        public EventSet(IEnumerable<SampleProxyEvent> proxy, IEnumerable<SampleSharingEvent> sharing)
        {
            Proxy = proxy.ToList();
            Sharing = sharing.ToList();
        }

        public List<SampleProxyEvent> Proxy { get; }
        public List<SampleSharingEvent> Sharing { get; }

        public override string ToString()
        {
            var sb = new StringBuilder();
            sb.Append($"{Proxy.Count} proxy, {Sharing.Count} sharing");
            foreach (var e in Proxy) sb.Append("\n  ").Append(Show.Proxy(e));
            foreach (var e in Sharing) sb.Append("\n  ").Append(Show.Sharing(e));
            return sb.ToString();
        }

        /// <summary>Halves first, then one event less at a time.</summary>
        public IEnumerable<EventSet> Shrink()
        {
            if (Proxy.Count > 1) yield return new EventSet(Proxy.Take(Proxy.Count / 2), Sharing);
            if (Sharing.Count > 1) yield return new EventSet(Proxy, Sharing.Take(Sharing.Count / 2));
            for (int i = 0; i < Proxy.Count; i++) yield return new EventSet(Proxy.Where((_, j) => j != i), Sharing);
            for (int i = 0; i < Sharing.Count; i++) yield return new EventSet(Proxy, Sharing.Where((_, j) => j != i));
        }
    }

    /// <summary>Events generated away from every documented difference between the modes.</summary>
    public sealed class ModeAgnosticSet
    {
        public ModeAgnosticSet(EventSet events) { Events = events; }
        public EventSet Events { get; }
        public override string ToString() => Events.ToString();
    }

    /// <summary>An event set, a permutation of its rows, and the file (with its format) each row goes to.</summary>
    public sealed class ShuffleCase
    {
        public EventSet Events { get; set; }
        public int[] ProxyOrder { get; set; }
        public int[] SharingOrder { get; set; }
        public int Files { get; set; }
        /// <summary>File of the i-th row in shuffled order.</summary>
        public int[] ProxyFile { get; set; }
        public int[] SharingFile { get; set; }
        public ProxyFormat[] ProxyFormats { get; set; }
        public SharingFormat[] SharingFormats { get; set; }

        public override string ToString() =>
            $"{Files} file(s): proxy [{string.Join(",", ProxyOrder.Select((r, i) => $"{r}→{ProxyFile[i]}"))}] in {string.Join(",", ProxyFormats)}; " +
            $"sharing [{string.Join(",", SharingOrder.Select((r, i) => $"{r}→{SharingFile[i]}"))}] in {string.Join(",", SharingFormats)}\n{Events}";
    }

    /// <summary>The malformed or unusual rows a CommonSecurityLog CSV gets between the writer's rows.</summary>
    public enum BadRow
    {
        ShortMultiline, Short, BadTime, BadBytes, Blank, QuotedBlank, LongRow, CrlfMultilineValid, SpacedBytes, RealBytes,
    }

    /// <summary>A CommonSecurityLog CSV: the writer's rows (with multi-line cells) and odd rows between them.</summary>
    public sealed class ParallelCase
    {
        /// <summary>Each item is an event (written by the CSV writer) or an odd row written by hand.</summary>
        public List<(SampleProxyEvent Event, BadRow? Bad)> Rows { get; set; }
        /// <summary>0: the file ends with a line break; 1: a short row without one; 2: a quote left open.</summary>
        public int Tail { get; set; }
        public bool Kql { get; set; }
        public int MinimumBytes { get; set; }

        public override string ToString() =>
            $"{(Kql ? "KqlCompatible" : "Intent")}, ParallelMinimumBytes {MinimumBytes}, tail {Tail}, {Rows.Count} rows:" +
            string.Concat(Rows.Select(r => "\n  " + (r.Bad.HasValue ? "odd row " + r.Bad : Show.Proxy(r.Event))));

        public IEnumerable<ParallelCase> Shrink()
        {
            for (int i = 0; i < Rows.Count; i++)
                if (Rows.Count > 20) yield return new ParallelCase { Rows = Rows.Where((_, j) => j != i).ToList(), Tail = Tail, Kql = Kql, MinimumBytes = MinimumBytes };
        }

        public void Write(string path, TempFolder dir)
        {
            string scratch = dir.File("chunk.csv");
            SampleExportWriter.WriteCommonSecurityLogCsv(Array.Empty<SampleProxyEvent>(), scratch);
            string headerLine = File.ReadAllText(scratch, Encoding.UTF8).TrimStart('\uFEFF');
            headerLine = headerLine.Substring(0, headerLine.IndexOf('\n'));
            var header = headerLine.Split(',');
            int n = header.Length;
            int time = Array.IndexOf(header, "TimeGenerated [UTC]"), vendor = Array.IndexOf(header, "DeviceVendor"), action = Array.IndexOf(header, "DeviceAction"),
                user = Array.IndexOf(header, "SourceUserName"), host = Array.IndexOf(header, "DestinationHostName"), sent = Array.IndexOf(header, "SentBytes");

            string Row(string t, string bytes, string u = "odd@x.com", int fields = -1, string eol = "\n")
            {
                var cells = Enumerable.Repeat(string.Empty, fields < 0 ? n : fields).ToArray();
                cells[time] = t;
                if (fields < 0)
                {
                    cells[vendor] = "Zscaler";
                    cells[action] = "Allowed";
                    cells[user] = u;
                    cells[host] = "dropbox.com";
                    cells[sent] = bytes;
                }
                return string.Join(",", cells) + eol;
            }
            const string okTime = "\"10/20/2026, 3:05:26.000 PM\"";

            var sb = new StringBuilder(headerLine).Append('\n');
            var chunk = new List<SampleProxyEvent>();
            void Flush()
            {
                if (chunk.Count == 0) return;
                SampleExportWriter.WriteCommonSecurityLogCsv(chunk, scratch);
                string text = File.ReadAllText(scratch, Encoding.UTF8).TrimStart('\uFEFF');
                sb.Append(text, text.IndexOf('\n') + 1, text.Length - text.IndexOf('\n') - 1);
                chunk.Clear();
            }
            foreach (var (e, bad) in Rows)
            {
                if (!bad.HasValue) { chunk.Add(e); continue; }
                Flush();
                switch (bad.Value)
                {
                    case BadRow.ShortMultiline: sb.Append("x,\"multi\nline\",y\n"); break;
                    case BadRow.Short: sb.Append("t," + okTime + "\n"); break;
                    case BadRow.BadTime: sb.Append(Row("yesterday", "1")); break;
                    case BadRow.BadBytes: sb.Append(Row(okTime, "ten")); break;
                    case BadRow.Blank: sb.Append('\n'); break;
                    case BadRow.QuotedBlank: sb.Append("\"\"\n"); break;
                    case BadRow.LongRow: sb.Append(Row(okTime, "1", fields: n + 1)); break;
                    case BadRow.CrlfMultilineValid: sb.Append(Row(okTime, "5", "\"crlf\r\nuser@x.com\"", eol: "\r\n")); break;
                    case BadRow.SpacedBytes: sb.Append(Row(okTime, " 7 ")); break;
                    case BadRow.RealBytes: sb.Append(Row(okTime, "7.0")); break;
                }
            }
            Flush();
            if (Tail == 1) sb.Append("t,x");
            else if (Tail == 2) sb.Append("t,\"open\nmore");
            File.WriteAllText(path, sb.ToString(), new UTF8Encoding(true));
        }
    }

    public enum ProxyFormat { CommonSecurityLogCsv, CommonSecurityLogJson, NssCef, NssCefWithPri, CloudNssJson }

    public enum SharingFormat { OfficeActivityCsv, OfficeActivityJson, PurviewCsv, PurviewCsvNewLayout, ManagementApiJson, ManagementApiJsonLines }

    internal static class Formats
    {
        public static void Write(ProxyFormat f, IEnumerable<SampleProxyEvent> events, string path)
        {
            switch (f)
            {
                case ProxyFormat.CommonSecurityLogCsv: SampleExportWriter.WriteCommonSecurityLogCsv(events, path); break;
                case ProxyFormat.CommonSecurityLogJson: SampleExportWriter.WriteCommonSecurityLogJson(events, path); break;
                case ProxyFormat.NssCef: SampleRawFeedWriter.WriteNssCef(events, path, withPri: false); break;
                case ProxyFormat.NssCefWithPri: SampleRawFeedWriter.WriteNssCef(events, path, withPri: true); break;
                default: SampleRawFeedWriter.WriteCloudNssJson(events, path); break;
            }
        }

        public static void Write(SharingFormat f, IEnumerable<SampleSharingEvent> events, string path)
        {
            switch (f)
            {
                case SharingFormat.OfficeActivityCsv: SampleExportWriter.WriteOfficeActivityCsv(events, path); break;
                case SharingFormat.OfficeActivityJson: SampleExportWriter.WriteOfficeActivityJson(events, path); break;
                case SharingFormat.PurviewCsv: SampleRawFeedWriter.WritePurviewCsv(events, path, newLayout: false); break;
                case SharingFormat.PurviewCsvNewLayout: SampleRawFeedWriter.WritePurviewCsv(events, path, newLayout: true); break;
                case SharingFormat.ManagementApiJson: SampleRawFeedWriter.WriteManagementApiJson(events, path, jsonLines: false); break;
                default: SampleRawFeedWriter.WriteManagementApiJson(events, path, jsonLines: true); break;
            }
        }

        /// <summary>Log Analytics exports carry every vendor's rows; NSS feeds only Zscaler's.</summary>
        public static bool CarriesEveryVendor(ProxyFormat f) => f == ProxyFormat.CommonSecurityLogCsv || f == ProxyFormat.CommonSecurityLogJson;

        public static LogFormat Expected(ProxyFormat f) =>
            f == ProxyFormat.CommonSecurityLogCsv ? LogFormat.CommonSecurityLogCsv
            : f == ProxyFormat.NssCef || f == ProxyFormat.NssCefWithPri ? LogFormat.NssCef : LogFormat.Json;

        public static LogFormat Expected(SharingFormat f) =>
            f == SharingFormat.OfficeActivityCsv ? LogFormat.OfficeActivityCsv
            : f == SharingFormat.PurviewCsv || f == SharingFormat.PurviewCsvNewLayout ? LogFormat.PurviewAuditCsv : LogFormat.Json;
    }
}
