using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Zscaler NSS web records in JSON with Zscaler's own field names, as the feeds for Splunk (the HEC envelope
    /// <c>{"sourcetype":"zscalernss-web","event":{…}}</c>), Elastic, Datadog, Chronicle and HTTP-destination Cloud NSS
    /// write them. Each SIEM's published feed format names the fields a little differently (NSS placeholder → JSON name):
    /// %s{login} → <c>login</c> or <c>user</c>; %s{host}/%s{ehost} → <c>hostname</c> or <c>host</c>, else the host of
    /// <c>url</c>/<c>eurl</c>; %d{reqsize} → <c>reqsize</c> or <c>requestsize</c>; %s{action} → <c>action</c>;
    /// %d{epochtime} → <c>epochtime</c>, else %s{time} or a date as <c>datetime</c>/<c>time</c> (in the feed's time
    /// zone); %d{recordid} → <c>recordid</c> or <c>event_id</c>. Values may be strings or numbers; NSS writes an empty
    /// value as <c>None</c>. The record maps to the same event as a CEF line: user, host, bytes sent, action, time,
    /// and the record id that recognises a replay.
    /// </summary>
    internal static class NssNativeJson
    {
        private static readonly string[] UserNames = { "login", "user", "elogin" };
        private static readonly string[] HostNames = { "hostname", "host", "ehost" };
        private static readonly string[] UrlNames = { "url", "eurl" };
        private static readonly string[] SizeNames = { "reqsize", "requestsize" };
        private static readonly string[] IdNames = { "recordid", "event_id" };
        private static readonly string[] TimeNames = { "datetime", "time" };

        private static readonly string[] TimeFormats =
        {
            "ddd MMM d HH:mm:ss yyyy", "ddd MMM  d HH:mm:ss yyyy", "ddd MMM dd HH:mm:ss yyyy",
            "yyyy-MM-dd HH:mm:ss", "yy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd,HH:mm:ss",
        };

        /// <summary>The record inside a HEC envelope whose sourcetype is an NSS web one; null for any other record.</summary>
        public static JsonElement? Envelope(Dictionary<string, JsonElement> props)
        {
            if (!props.TryGetValue("event", out var ev) || ev.ValueKind != JsonValueKind.Object) return null;
            string? sourcetype = JsonRecordMapper.Text(props, "sourcetype");
            return sourcetype != null && sourcetype.StartsWith("zscalernss-web", StringComparison.OrdinalIgnoreCase) ? ev : (JsonElement?)null;
        }

        /// <summary>A flat record with NSS's own names: a user, a host (or URL) and a request size.</summary>
        public static bool LooksLikeOne(Dictionary<string, JsonElement> props) =>
            Any(props, UserNames) && (Any(props, HostNames) || Any(props, UrlNames)) && Any(props, SizeNames);

        public static JsonRecordKind Map(Dictionary<string, JsonElement> props, IEventSink sink, ReadContext ctx, out string? error)
        {
            error = null;
            if (!TryTime(props, ctx, out DateTime time, out error)) return JsonRecordKind.Invalid;
            string sizeName = First(props, SizeNames);
            string? size = Value(props, sizeName);
            if (!ExportSchema.TryParseLong(size, out long? sent))
            {
                error = $"{sizeName} '{LogAnalyticsCsvReader.Clip(size)}' is not a whole number of bytes";
                return JsonRecordKind.Invalid;
            }
            string? problem = ExportSchema.SentBytesProblem(sent);
            if (problem != null)
            {
                error = $"{sizeName} {sent} {problem}";
                return JsonRecordKind.Invalid;
            }
            string? user = Value(props, First(props, UserNames));
            string? host = Value(props, First(props, HostNames)) ?? HostOf(Value(props, First(props, UrlNames)));
            string vendor = Value(props, "vendor") ?? "Zscaler";
            string? action = Value(props, "action");
            if (!ctx.Replays.IsFirst(Value(props, First(props, IdNames)))) return JsonRecordKind.Replay;
            sink.AddProxy(time, vendor, action, user, host, sent);
            return JsonRecordKind.Proxy;
        }

        private static bool TryTime(Dictionary<string, JsonElement> props, ReadContext ctx, out DateTime time, out string? error)
        {
            error = null;
            time = default;
            string? epoch = Value(props, "epochtime");
            if (epoch != null)
            {
                // Seconds since 1970 in UTC (some feeds write milliseconds: 13 digits).
                if (long.TryParse(epoch.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long e) && e > 0 && e < 253402300800000)
                {
                    time = DateTime.SpecifyKind(new DateTime(1970, 1, 1).AddTicks((e >= 100000000000 ? e : e * 1000) * TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
                    return true;
                }
                error = $"epochtime '{LogAnalyticsCsvReader.Clip(epoch)}' is not a time (seconds since 1970)";
                return false;
            }
            string name = First(props, TimeNames);
            string? text = Value(props, name);
            if (text == null)
            {
                error = "the Zscaler NSS record has no time (epochtime, datetime or time)";
                return false;
            }
            if (!DateTime.TryParseExact(text.Trim(), TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime wall)
                && !Timestamps.TryParse(text, out wall))
            {
                error = $"{name} '{LogAnalyticsCsvReader.Clip(text)}' is not a timestamp";
                return false;
            }
            if (!FeedTime.TryToUtc(wall, ctx.FeedTimeZone, out time))
            {
                error = $"{name} '{LogAnalyticsCsvReader.Clip(text)}' has no UTC equivalent in the feed's time zone";
                return false;
            }
            return true;
        }

        /// <summary>"www.dropbox.com" from "www.dropbox.com/upload?x" or "https://www.dropbox.com:443/…" (NSS's url has no scheme).</summary>
        internal static string? HostOf(string? url)
        {
            if (url == null || url.Length == 0) return null;
            int start = url.IndexOf("://", StringComparison.Ordinal);
            start = start < 0 ? 0 : start + 3;
            int end = url.IndexOfAny(new[] { '/', '?', '#' }, start);
            string host = end < 0 ? url.Substring(start) : url.Substring(start, end - start);
            return host.Length == 0 ? null : host;
        }

        private static bool Any(Dictionary<string, JsonElement> props, string[] names)
        {
            foreach (string n in names) if (props.ContainsKey(n)) return true;
            return false;
        }

        private static string First(Dictionary<string, JsonElement> props, string[] names)
        {
            foreach (string n in names) if (Value(props, n) != null) return n;
            foreach (string n in names) if (props.ContainsKey(n)) return n;
            return names[0];
        }

        /// <summary>A value as text; NSS's "None" (its empty value) and an empty string are null.</summary>
        private static string? Value(Dictionary<string, JsonElement> props, string? name)
        {
            string? v = name == null ? null : JsonRecordMapper.Text(props, name);
            return string.IsNullOrEmpty(v) || v == "None" ? null : v;
        }
    }
}
