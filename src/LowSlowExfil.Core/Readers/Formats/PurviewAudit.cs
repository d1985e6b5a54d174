using System.Collections.Generic;
using System.Text.Json;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// The AuditData of a Purview / Search-UnifiedAuditLog export (a JSON string) or of a Microsoft Graph audit-log
    /// query record (a JSON object): the audit record itself. It is authoritative (its CreationTime, UserId and
    /// Operation), whatever the row's other columns say.
    /// </summary>
    internal static class PurviewAudit
    {
        public static bool TryRead(string? auditData, IEventSink sink, ReadContext ctx, out string? reason) =>
            Read(auditData, sink, ctx, out reason) != JsonRecordKind.Invalid;

        /// <summary>AuditData as the JSON text of an audit record.</summary>
        public static JsonRecordKind Read(string? auditData, IEventSink sink, ReadContext ctx, out string? reason)
        {
            reason = null;
            if (auditData == null || string.IsNullOrWhiteSpace(auditData))
            {
                reason = "AuditData is empty";
                return JsonRecordKind.Invalid;
            }
            try
            {
                using (var doc = JsonDocument.Parse(auditData))
                    return Read(doc.RootElement, sink, ctx, out reason);
            }
            catch (JsonException e)
            {
                reason = JsonErrorText.NotValidIn("AuditData", e);
                return JsonRecordKind.Invalid;
            }
        }

        /// <summary>AuditData as a parsed JSON value (an object, or anything else, which is refused).</summary>
        public static JsonRecordKind Read(JsonElement auditData, IEventSink sink, ReadContext ctx, out string? reason)
        {
            if (auditData.ValueKind != JsonValueKind.Object)
            {
                reason = "AuditData is not a JSON object";
                return JsonRecordKind.Invalid;
            }
            Dictionary<string, JsonElement> props;
            try
            {
                props = JsonRecordMapper.Properties(auditData, out _);
            }
            catch (System.InvalidOperationException)
            {
                reason = "AuditData: " + JsonRecordMapper.NotText;
                return JsonRecordKind.Invalid;
            }
            if (!props.ContainsKey(ExportSchema.Operation) || !props.ContainsKey(ExportSchema.CreationTime))
            {
                reason = "AuditData lacks CreationTime or Operation";
                return JsonRecordKind.Invalid;
            }
            var kind = JsonRecordMapper.Map(props, System.TimeSpan.Zero, sink, ctx, out reason);
            if (kind == JsonRecordKind.Invalid) reason = "AuditData: " + reason;
            return kind;
        }
    }
}
