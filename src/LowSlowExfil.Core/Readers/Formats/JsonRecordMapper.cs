using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace LowSlowExfil.Readers
{

    /// <summary>
    /// Maps one flat JSON record to an event. Recognised shapes: a CommonSecurityLog or OfficeActivity row
    /// exported from Log Analytics (properties named as the columns; empty values may be omitted), a Zscaler
    /// Cloud NSS web record (CEF key names as properties), and a Microsoft 365 audit record (Management
    /// Activity API, or the AuditData of a Purview export or of a Microsoft Graph audit-log query record).
    /// </summary>
    internal static class JsonRecordMapper
    {
        /// <summary>The properties of a JSON object, by column name (export header suffixes such as " [UTC]" removed).</summary>
        public static Dictionary<string, JsonElement> Properties(JsonElement obj, out TimeSpan timeOffset)
        {
            var props = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
            timeOffset = TimeSpan.Zero;
            foreach (var p in obj.EnumerateObject())
            {
                if (!ExportSchema.TryParseHeader(p.Name, out string name, out TimeSpan o, out _)) continue;
                if (props.ContainsKey(name)) continue;
                props.Add(name, p.Value);
                if (name.Equals(ExportSchema.TimeGenerated, StringComparison.OrdinalIgnoreCase)) timeOffset = o;
            }
            return props;
        }

        public static JsonRecordKind Map(JsonElement record, IEventSink sink, ReadContext ctx, out string? error)
        {
            if (record.ValueKind != JsonValueKind.Object)
            {
                error = $"expected a JSON object, found {record.ValueKind}";
                return JsonRecordKind.Invalid;
            }
            Dictionary<string, JsonElement> props;
            try
            {
                props = Properties(record, out TimeSpan offset);
                return Map(props, offset, sink, ctx, out error);
            }
            catch (InvalidOperationException)
            {
                error = NotText;
                return JsonRecordKind.Invalid;
            }
        }

        /// <summary>
        /// Why a record whose property name or value cannot be decoded is skipped: System.Text.Json checks a string's
        /// UTF-8 (and its \u escapes' surrogate pairs) only when the string is read, and then throws InvalidOperationException.
        /// </summary>
        internal const string NotText = "a property name or value is not valid text (invalid UTF-8, or a \\u escape that is half a surrogate pair)";

        public static JsonRecordKind Map(Dictionary<string, JsonElement> props, TimeSpan offset, IEventSink sink, ReadContext ctx, out string? error)
        {
            try
            {
                return MapProperties(props, offset, sink, ctx, out error);
            }
            catch (InvalidOperationException)
            {
                error = NotText;
                return JsonRecordKind.Invalid;
            }
        }

        /// <summary>A string element's text; false for any other kind, or a string that cannot be decoded.</summary>
        internal static bool TryGetString(JsonElement e, out string text)
        {
            text = string.Empty; // no text: not a string
            if (e.ValueKind != JsonValueKind.String) return false;
            try
            {
                text = e.GetString()!; // a string element's text is never null
                return true;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }

        private static JsonRecordKind MapProperties(Dictionary<string, JsonElement> props, TimeSpan offset, IEventSink sink, ReadContext ctx, out string? error)
        {
            error = null;
            if (ExportSchema.IsAsimWebSession(props))
            {
                ExportSchema.AliasAsim(props);
                // A row without DstHostname names its destination in Url only.
                if (!props.ContainsKey(ExportSchema.DestinationHostName) && props.TryGetValue(ExportSchema.AsimUrl, out var url)
                    && TryGetString(url, out string u) && NssNativeJson.HostOf(u) is string h)
                {
                    using (var host = JsonDocument.Parse(JsonSerializer.Serialize(h))) props[ExportSchema.DestinationHostName] = host.RootElement.Clone();
                }
            }
            string? type = Text(props, "Type");
            if (type == "CommonSecurityLog" || props.ContainsKey(ExportSchema.DeviceVendor)
                || props.ContainsKey(ExportSchema.DestinationHostName) || props.ContainsKey(ExportSchema.SourceUserName))
                return MapCommonSecurityLog(props, offset, sink, out error);
            if (props.ContainsKey("dhost") || props.ContainsKey("suser") || Text(props, "sourcetype") == "zscalernss")
                return MapCloudNss(new Fields(props), sink, ctx, out error);
            // Zscaler's own field names: a Splunk HEC envelope around the record, or the record itself.
            var inner = NssNativeJson.Envelope(props);
            if (inner != null)
            {
                if (!inner.Value.EnumerateObject().GetEnumerator().MoveNext())
                {
                    error = "the Zscaler NSS record (event) is empty";
                    return JsonRecordKind.Invalid;
                }
                // The record inside may use either naming (a Cloud NSS feed's CEF keys, or Zscaler's own).
                var innerProps = Properties(inner.Value, out _);
                return innerProps.ContainsKey("dhost") || innerProps.ContainsKey("suser")
                    ? MapCloudNss(new Fields(innerProps), sink, ctx, out error)
                    : NssNativeJson.Map(innerProps, sink, ctx, out error);
            }
            if (NssNativeJson.LooksLikeOne(props)) return NssNativeJson.Map(props, sink, ctx, out error);
            // A Purview / Search-UnifiedAuditLog row (AuditData a JSON string) or a Microsoft Graph audit-log query
            // record (auditData an object): the audit record inside decides, as in a Purview CSV export.
            if (type != "OfficeActivity" && props.TryGetValue(ExportSchema.AuditData, out var audit))
            {
                if (audit.ValueKind == JsonValueKind.Object) return PurviewAudit.Read(audit, sink, ctx, out error);
                if (TryGetString(audit, out string auditText)) return PurviewAudit.Read(auditText, sink, ctx, out error);
                error = audit.ValueKind == JsonValueKind.String ? "AuditData: " + NotText : $"AuditData is {audit.ValueKind}, not the audit record (a JSON object or its text)";
                return JsonRecordKind.Invalid;
            }
            if (type == "OfficeActivity" || props.ContainsKey(ExportSchema.Operation))
                return MapAudit(new Fields(props), offset, sink, ctx, out error);
            error = "the record is neither a CommonSecurityLog row (DeviceVendor, SourceUserName, DestinationHostName), a Zscaler NSS record (suser and dhost, or login, hostname and reqsize) nor a Microsoft 365 audit record (Operation, UserId)";
            return JsonRecordKind.Invalid;
        }

        private static JsonRecordKind MapCommonSecurityLog(Dictionary<string, JsonElement> props, TimeSpan offset, IEventSink sink, out string? error)
        {
            if (!TryTime(props, ExportSchema.TimeGenerated, offset, out DateTime time, out error)) return JsonRecordKind.Invalid;
            string? bytes = Text(props, ExportSchema.SentBytes);
            if (!ExportSchema.TryParseLong(bytes, out long? sent))
            {
                error = $"SentBytes '{LogAnalyticsCsvReader.Clip(bytes)}' is not a whole number";
                return JsonRecordKind.Invalid;
            }
            string? problem = ExportSchema.SentBytesProblem(sent);
            if (problem != null)
            {
                error = $"SentBytes {sent} {problem}";
                return JsonRecordKind.Invalid;
            }
            sink.AddProxy(time, Text(props, ExportSchema.DeviceVendor), Text(props, ExportSchema.DeviceAction),
                Text(props, ExportSchema.SourceUserName), Text(props, ExportSchema.DestinationHostName), sent);
            return JsonRecordKind.Proxy;
        }

        private static readonly string[] CloudNssTimeFormats = { "yyyy-MM-dd,HH:mm:ss", "yy-MM-dd,HH:mm:ss", "yyyy-MM-dd HH:mm:ss" };

        /// <summary>
        /// A record's properties by name (case-insensitive), as the mappers below read them: from a parsed document
        /// here, or straight from the record's bytes (<see cref="JsonRecordScanner"/>), so both read through one code.
        /// A value is decoded only when read, in the order read, as a parsed document decodes it.
        /// </summary>
        internal interface IFields
        {
            bool Has(string name);
            string? Text(string name);
        }

        private readonly struct Fields : IFields
        {
            private readonly Dictionary<string, JsonElement> _props;
            public Fields(Dictionary<string, JsonElement> props) => _props = props;
            public bool Has(string name) => _props.ContainsKey(name);
            public string? Text(string name) => JsonRecordMapper.Text(_props, name);
        }

        /// <summary>
        /// The event one record maps to, before the replay filter and the sink see it: the parallel JSON reader maps
        /// records on its workers and hands them over (<see cref="Add"/>) in file order.
        /// </summary>
        internal struct MappedEvent
        {
            public bool Sharing;
            public DateTime Time;
            public string? Vendor, Action, User, Host, Id;
            public long? Sent;
        }

        /// <summary>Hands a mapped event to the sink: a proxy event only the first time its record id is seen.</summary>
        internal static JsonRecordKind Add(in MappedEvent e, IEventSink sink, ReadContext ctx)
        {
            if (e.Sharing)
            {
                sink.AddSharing(e.Time, e.User, e.Action ?? string.Empty, e.Id);
                return JsonRecordKind.Sharing;
            }
            if (!ctx.Replays.IsFirst(e.Id)) return JsonRecordKind.Replay;
            sink.AddProxy(e.Time, e.Vendor, e.Action, e.User, e.Host, e.Sent);
            return JsonRecordKind.Proxy;
        }

        /// <summary>Cloud NSS: CEF key names; "TimeGenerated":"2024-06-11,02:52:44" in the feed's time zone.</summary>
        internal static JsonRecordKind MapCloudNss<TFields>(TFields props, IEventSink sink, ReadContext ctx, out string? error) where TFields : IFields =>
            ReadCloudNss(props, ctx, out var e, out error) ? Add(e, sink, ctx) : JsonRecordKind.Invalid;

        internal static bool ReadCloudNss<TFields>(TFields props, ReadContext ctx, out MappedEvent e, out string? error) where TFields : IFields
        {
            e = default;
            error = null;
            string? t = props.Text(ExportSchema.TimeGenerated);
            if (t == null)
            {
                error = "the Zscaler NSS record has no TimeGenerated";
                return false;
            }
            if (!DateTime.TryParseExact(t.Trim(), CloudNssTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime wall))
            {
                if (!Timestamps.TryParse(t, out DateTime parsed))
                {
                    error = $"TimeGenerated '{LogAnalyticsCsvReader.Clip(t)}' is not a timestamp";
                    return false;
                }
                wall = parsed;
            }
            if (!FeedTime.TryToUtc(wall, ctx.FeedTimeZone, out DateTime time))
            {
                error = $"TimeGenerated '{LogAnalyticsCsvReader.Clip(t)}' has no UTC equivalent in the feed's time zone";
                return false;
            }
            string? bytes = props.Text("out");
            if (!ExportSchema.TryParseLong(bytes, out long? sent))
            {
                error = $"out '{LogAnalyticsCsvReader.Clip(bytes)}' is not a whole number of bytes";
                return false;
            }
            string? problem = ExportSchema.SentBytesProblem(sent);
            if (problem != null)
            {
                error = $"out {sent} {problem}";
                return false;
            }
            // Every value read before the replay filter remembers the id: a record that fails must not mark it seen.
            e = new MappedEvent
            {
                Time = time, Sent = sent,
                Vendor = props.Text("vendor") ?? "Zscaler", Action = props.Text("act"), User = props.Text("suser"), Host = props.Text("dhost"),
                Id = props.Text("externalId"),
            };
            return true;
        }

        /// <summary>OfficeActivity rows carry TimeGenerated; audit records (Management API, AuditData) CreationTime.</summary>
        internal static JsonRecordKind MapAudit<TFields>(TFields props, TimeSpan offset, IEventSink sink, ReadContext ctx, out string? error) where TFields : IFields =>
            ReadAudit(props, offset, out var e, out error) ? Add(e, sink, ctx) : JsonRecordKind.Invalid;

        internal static bool ReadAudit<TFields>(TFields props, TimeSpan offset, out MappedEvent e, out string? error) where TFields : IFields
        {
            e = default;
            string field = props.Has(ExportSchema.TimeGenerated) ? ExportSchema.TimeGenerated : ExportSchema.CreationTime;
            if (!TryTime(props, field, offset, out DateTime time, out error)) return false;
            e = new MappedEvent
            {
                Sharing = true, Time = time, User = props.Text(ExportSchema.UserId), Action = props.Text(ExportSchema.Operation),
                Id = props.Text(ExportSchema.OfficeId) ?? props.Text(ExportSchema.AuditRecordId),
            };
            return true;
        }

        private static bool TryTime(Dictionary<string, JsonElement> props, string field, TimeSpan offset, out DateTime time, out string? error) =>
            TryTime(new Fields(props), field, offset, out time, out error);

        private static bool TryTime<TFields>(TFields props, string field, TimeSpan offset, out DateTime time, out string? error) where TFields : IFields
        {
            time = default;
            error = null;
            string? t = props.Text(field);
            if (t == null)
            {
                error = $"the record has no {field}";
                return false;
            }
            if (!Timestamps.TryParse(t, offset, out time))
            {
                error = $"{field} '{LogAnalyticsCsvReader.Clip(t)}' is not a timestamp";
                return false;
            }
            return true;
        }

        /// <summary>A property as text: strings as they are, numbers and booleans in invariant form, null when absent.</summary>
        internal static string? Text(Dictionary<string, JsonElement> props, string name)
        {
            if (!props.TryGetValue(name, out var v)) return null;
            switch (v.ValueKind)
            {
                case JsonValueKind.String: return v.GetString();
                case JsonValueKind.Number: return v.GetRawText();
                case JsonValueKind.True: return "true";
                case JsonValueKind.False: return "false";
                case JsonValueKind.Null:
                case JsonValueKind.Undefined: return null;
                default: return v.GetRawText();
            }
        }
    }
}
