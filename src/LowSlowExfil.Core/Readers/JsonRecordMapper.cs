using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace LowSlowExfil.Readers
{
    /// <summary>What one JSON record turned out to be.</summary>
    internal enum JsonRecordKind
    {
        Proxy,
        Sharing,
        Unrecognised,
        Invalid,
    }

    /// <summary>
    /// Maps one flat JSON record to an event: a CommonSecurityLog or OfficeActivity row exported from Log
    /// Analytics (properties named as the columns; empty values may be omitted) or a Microsoft 365 audit record.
    /// </summary>
    internal static class JsonRecordMapper
    {
        public static JsonRecordKind Map(JsonElement record, IEventSink sink, out string error)
        {
            error = null;
            if (record.ValueKind != JsonValueKind.Object)
            {
                error = $"expected a JSON object, found {record.ValueKind}";
                return JsonRecordKind.Invalid;
            }

            var props = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
            TimeSpan offset = TimeSpan.Zero;
            foreach (var p in record.EnumerateObject())
            {
                if (!ExportSchema.TryParseHeader(p.Name, out string name, out TimeSpan o, out _)) continue;
                if (props.ContainsKey(name)) continue;
                props.Add(name, p.Value);
                if (name.Equals(ExportSchema.TimeGenerated, StringComparison.OrdinalIgnoreCase)) offset = o;
            }

            string type = Text(props, "Type");
            bool proxy = type == "CommonSecurityLog" || props.ContainsKey(ExportSchema.DeviceVendor)
                || props.ContainsKey(ExportSchema.DestinationHostName) || props.ContainsKey(ExportSchema.SourceUserName);
            bool sharing = !proxy && (type == "OfficeActivity" || props.ContainsKey(ExportSchema.Operation));
            if (!proxy && !sharing)
            {
                error = "the record is neither a CommonSecurityLog row (DeviceVendor, SourceUserName, DestinationHostName) nor a Microsoft 365 audit record (Operation, UserId)";
                return JsonRecordKind.Unrecognised;
            }

            // OfficeActivity exports carry TimeGenerated; Management Activity API records carry CreationTime.
            string timeField = props.ContainsKey(ExportSchema.TimeGenerated) || proxy ? ExportSchema.TimeGenerated : ExportSchema.CreationTime;
            string t = Text(props, timeField);
            if (t == null)
            {
                error = $"the record has no {timeField}";
                return JsonRecordKind.Invalid;
            }
            if (!Timestamps.TryParse(t, offset, out DateTime time))
            {
                error = $"{timeField} '{LogAnalyticsCsvReader.Clip(t)}' is not a timestamp";
                return JsonRecordKind.Invalid;
            }

            if (proxy)
            {
                string bytes = Text(props, ExportSchema.SentBytes);
                if (!ExportSchema.TryParseLong(bytes, out long? sent))
                {
                    error = $"SentBytes '{LogAnalyticsCsvReader.Clip(bytes)}' is not a whole number";
                    return JsonRecordKind.Invalid;
                }
                sink.AddProxy(time, Text(props, ExportSchema.DeviceVendor), Text(props, ExportSchema.DeviceAction),
                    Text(props, ExportSchema.SourceUserName), Text(props, ExportSchema.DestinationHostName), sent);
                return JsonRecordKind.Proxy;
            }

            sink.AddSharing(time, Text(props, ExportSchema.UserId), Text(props, ExportSchema.Operation));
            return JsonRecordKind.Sharing;
        }

        /// <summary>A property as text: strings as they are, numbers and booleans in invariant form, null when absent.</summary>
        internal static string Text(Dictionary<string, JsonElement> props, string name)
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
