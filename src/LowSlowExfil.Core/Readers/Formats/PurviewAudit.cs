using System.Collections.Generic;
using System.Text.Json;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// The AuditData cell of a Purview / Search-UnifiedAuditLog export: the audit record as JSON. It is
    /// authoritative (its CreationTime, UserId and Operation), whatever the row's other columns say.
    /// </summary>
    internal static class PurviewAudit
    {
        public static bool TryRead(string auditData, IEventSink sink, ReadContext ctx, out string reason)
        {
            reason = null;
            if (string.IsNullOrWhiteSpace(auditData))
            {
                reason = "AuditData is empty";
                return false;
            }
            try
            {
                using (var doc = JsonDocument.Parse(auditData))
                {
                    if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    {
                        reason = "AuditData is not a JSON object";
                        return false;
                    }
                    Dictionary<string, JsonElement> props;
                    try
                    {
                        props = JsonRecordMapper.Properties(doc.RootElement, out _);
                    }
                    catch (System.InvalidOperationException)
                    {
                        reason = "AuditData: " + JsonRecordMapper.NotText;
                        return false;
                    }
                    if (!props.ContainsKey(ExportSchema.Operation) || !props.ContainsKey(ExportSchema.CreationTime))
                    {
                        reason = "AuditData lacks CreationTime or Operation";
                        return false;
                    }
                    var kind = JsonRecordMapper.Map(props, System.TimeSpan.Zero, sink, ctx, out reason);
                    if (kind == JsonRecordKind.Invalid) reason = "AuditData: " + reason;
                    return kind != JsonRecordKind.Invalid;
                }
            }
            catch (JsonException e)
            {
                reason = JsonErrorText.NotValidIn("AuditData", e);
                return false;
            }
        }
    }
}
