using System;
using System.Text;
using System.Text.Json;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Reads the two common JSON record shapes straight from the record's bytes, with one forward pass of
    /// <see cref="Utf8JsonReader"/> that keeps only the values the rule reads: a Cloud NSS web record (CEF key names)
    /// and a Microsoft 365 audit record (Management Activity API, or a Purview row's AuditData). The general reader
    /// parses a document per record, builds a dictionary of every property and decodes every name; here only the
    /// dozen names that decide the shape and the rule's values are compared, on the bytes.
    /// </summary>
    /// <remarks>
    /// Exact by construction: the same reader validates the record (as JsonDocument does, with the same options), the
    /// mapping is the general reader's own (<see cref="JsonRecordMapper.ReadCloudNss"/>, <see cref="JsonRecordMapper.ReadAudit"/>),
    /// and anything the general reader might read differently makes <see cref="TryMap"/> return false having done
    /// nothing, so the general reader reads that record: JSON that does not parse as it is (a trailing comma
    /// included), a property name that is escaped, not printable ASCII or carries a zone suffix ("… [UTC]"), a value
    /// the rule reads that is an object, an array, a boolean or undecodable text, and any name that would send the
    /// record elsewhere (Log Analytics rows, ASIM, query responses, envelopes, NSS's own names, AuditData inside).
    /// </remarks>
    internal sealed class JsonRecordScanner : JsonRecordMapper.IFields
    {
        // The values read, by slot; a name the mapping only tests for is a slot too (its value never decoded).
        private enum Slot
        {
            TimeGenerated, Out, Vendor, Act, Suser, Dhost, ExternalId, Sourcetype,
            CreationTime, UserId, Operation, OfficeId, Id,
            // Present: the general reader reads the record as another shape (or might): it reads it.
            Elsewhere,
            // Present: unless the record is Cloud NSS, it reads as another shape.
            ElsewhereUnlessCloudNss,
            // A name that does not matter, and one the general reader must see.
            None,
            Invalid,
        }

        private const int Slots = (int)Slot.ElsewhereUnlessCloudNss + 1;
        private readonly string?[] _values = new string?[Slots];
        private readonly bool[] _has = new bool[Slots];
        private readonly UTF8Encoding _strict = new UTF8Encoding(false, true);
        private byte[] _text = new byte[4096];

        // JsonDocument's defaults (no comments, no trailing commas, depth 64), so a record is valid here when it parses there.
        private static readonly JsonReaderOptions Options = default;

        /// <summary>Records read here and handed to the general reader (for the tests and -Verbose).</summary>
        public long Scanned { get; private set; }
        public long HandedOver { get; private set; }

        /// <summary>
        /// Reads one record from a JSON file (the root object) exactly as <see cref="JsonRecordMapper.Map(JsonElement, IEventSink, ReadContext, out string)"/>
        /// would after LogFileReader's checks; false (nothing done, nothing reported) when the general reader must.
        /// </summary>
        public bool TryMap(ReadOnlySpan<byte> json, IEventSink sink, ReadContext ctx, out JsonRecordKind kind, out string? error)
        {
            kind = JsonRecordKind.Invalid;
            if (!TryRead(json, ctx, out var e, out bool valid, out error)) return false;
            if (valid) kind = JsonRecordMapper.Add(e, sink, ctx);
            return true;
        }

        /// <summary>
        /// As <see cref="TryMap"/>, without the side effects: the event (<paramref name="valid"/>) or the reason the
        /// record is skipped, for <see cref="JsonRecordMapper.Add"/> to hand over later (the replay filter and the sink
        /// see it then). Thread-safe across scanners: it reads only the context's settings.
        /// </summary>
        public bool TryRead(ReadOnlySpan<byte> json, ReadContext ctx, out JsonRecordMapper.MappedEvent e, out bool valid, out string? error)
        {
            e = default;
            valid = false;
            error = null;
            if (!Scan(json) || !TryDispatch(ctx, out e, out valid, out error))
            {
                HandedOver++;
                return false;
            }
            Scanned++;
            return true;
        }

        /// <summary>
        /// Reads the AuditData text of a Purview CSV row exactly as <see cref="PurviewAudit.Read(string, IEventSink, ReadContext, out string)"/>
        /// would; false (nothing done) when that must.
        /// </summary>
        public bool TryMapAuditData(string auditData, IEventSink sink, ReadContext ctx, out JsonRecordKind kind, out string? error)
        {
            kind = JsonRecordKind.Invalid;
            error = null;
            int length;
            try
            {
                int most = _strict.GetMaxByteCount(auditData.Length);
                if (most > _text.Length) _text = new byte[Math.Max(most, _text.Length * 2)];
                length = _strict.GetBytes(auditData, 0, auditData.Length, _text, 0);
            }
            catch (EncoderFallbackException)
            {
                HandedOver++;
                return false;
            }
            // PurviewAudit refuses a record without both before it maps it; such a record is the general reader's.
            if (!Scan(new ReadOnlySpan<byte>(_text, 0, length))
                || !_has[(int)Slot.Operation] || !_has[(int)Slot.CreationTime]
                || !TryDispatch(ctx, out var e, out bool valid, out error))
            {
                HandedOver++;
                return false;
            }
            if (valid) kind = JsonRecordMapper.Add(e, sink, ctx);
            else error = "AuditData: " + error;
            Scanned++;
            return true;
        }

        /// <summary>The record's shape as the general mapping decides it, then that mapping; false for any other shape.</summary>
        private bool TryDispatch(ReadContext ctx, out JsonRecordMapper.MappedEvent e, out bool valid, out string? error)
        {
            e = default;
            valid = false;
            error = null;
            if (_has[(int)Slot.Elsewhere]) return false;
            if (_has[(int)Slot.Dhost] || _has[(int)Slot.Suser] || _values[(int)Slot.Sourcetype] == "zscalernss")
            {
                valid = JsonRecordMapper.ReadCloudNss(this, ctx, out e, out error);
                return true;
            }
            if (_has[(int)Slot.ElsewhereUnlessCloudNss] || !_has[(int)Slot.Operation]) return false;
            // No zone suffix on any name (those are handed over): TimeGenerated's offset is zero.
            valid = JsonRecordMapper.ReadAudit(this, TimeSpan.Zero, out e, out error);
            return true;
        }

        /// <summary>Validates the whole record and keeps the slots' first values; false when the general reader must read it.</summary>
        private bool Scan(ReadOnlySpan<byte> json)
        {
            Array.Clear(_values, 0, _values.Length);
            Array.Clear(_has, 0, _has.Length);
            var reader = new Utf8JsonReader(json, isFinalBlock: true, new JsonReaderState(Options));
            try
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
                while (reader.Read())
                {
                    if (reader.TokenType == JsonTokenType.EndObject) break;
                    // Only property names at the top: values that are objects or arrays are skipped whole (and validated).
                    if (reader.ValueIsEscaped) return false;
                    var slot = SlotOf(reader.ValueSpan);
                    if (slot == Slot.Invalid) return false;
                    reader.Read();
                    var token = reader.TokenType;
                    if (slot == Slot.None || (int)slot >= (int)Slot.Elsewhere)
                    {
                        if (slot != Slot.None) _has[(int)slot] = true;
                        if (token == JsonTokenType.StartObject || token == JsonTokenType.StartArray) reader.Skip();
                        continue;
                    }
                    if (_has[(int)slot])
                    {
                        // A repeated name: the first one counts (as the general reader's dictionary keeps it).
                        if (token == JsonTokenType.StartObject || token == JsonTokenType.StartArray) reader.Skip();
                        continue;
                    }
                    _has[(int)slot] = true;
                    switch (token)
                    {
                        case JsonTokenType.String:
                            try
                            {
                                _values[(int)slot] = reader.GetString();
                            }
                            catch (InvalidOperationException)
                            {
                                return false; // not valid text: the general reader says so, when and if it reads it
                            }
                            break;
                        case JsonTokenType.Number:
                            _values[(int)slot] = Encoding.UTF8.GetString(reader.ValueSpan.ToArray());
                            break;
                        case JsonTokenType.Null:
                            break;
                        default:
                            return false;
                    }
                }
                // Nothing may follow the object but whitespace (JsonDocument refuses the rest).
                return !reader.Read();
            }
            catch (JsonException)
            {
                return false;
            }
        }

        /// <summary>The slot of a top-level property name; <see cref="Slot.None"/> for one that does not matter.</summary>
        private static Slot SlotOf(ReadOnlySpan<byte> name)
        {
            // The general reader trims names, strips a zone suffix and compares without regard to case (non-ASCII
            // letters included): a name that is not plain printable ASCII, or ends in ']', is its to read.
            if (name.Length == 0 || name[name.Length - 1] == (byte)']') return Slot.Invalid;
            for (int i = 0; i < name.Length; i++)
                if (name[i] <= 0x20 || name[i] >= 0x7F) return Slot.Invalid;
            switch (name.Length)
            {
                case 2: return Is(name, "Id") ? Slot.Id : Slot.None;
                case 3:
                    return Is(name, "out") ? Slot.Out : Is(name, "act") ? Slot.Act : Slot.None;
                case 4: return Is(name, "Type") ? Slot.Elsewhere : Is(name, "user") ? Slot.ElsewhereUnlessCloudNss : Slot.None;
                case 5:
                    return Is(name, "suser") ? Slot.Suser : Is(name, "dhost") ? Slot.Dhost : Is(name, "login") || Is(name, "event") ? Slot.ElsewhereUnlessCloudNss : Slot.None;
                case 6:
                    return Is(name, "vendor") ? Slot.Vendor : Is(name, "UserId") ? Slot.UserId : Is(name, "tables") || Is(name, "events") ? Slot.Elsewhere
                        : Is(name, "elogin") ? Slot.ElsewhereUnlessCloudNss : Slot.None;
                case 8: return Is(name, "OfficeId") ? Slot.OfficeId : Slot.None;
                case 9:
                    return Is(name, "Operation") ? Slot.Operation : Is(name, "AuditData") ? Slot.ElsewhereUnlessCloudNss : Slot.None;
                case 10:
                    return Is(name, "externalId") ? Slot.ExternalId : Is(name, "sourcetype") ? Slot.Sourcetype : Slot.None;
                case 11: return Is(name, "SrcUsername") ? Slot.Elsewhere : Slot.None;
                case 12:
                    return Is(name, "CreationTime") ? Slot.CreationTime : Is(name, "DeviceVendor") ? Slot.Elsewhere : Slot.None;
                case 13: return Is(name, "TimeGenerated") ? Slot.TimeGenerated : Slot.None;
                case 14: return Is(name, "SourceUserName") ? Slot.Elsewhere : Slot.None;
                case 19: return Is(name, "DestinationHostName") ? Slot.Elsewhere : Slot.None;
                default: return Slot.None;
            }
        }

        /// <summary>ASCII letters without regard to case (both sides are ASCII: OrdinalIgnoreCase reads them so).</summary>
        private static bool Is(ReadOnlySpan<byte> name, string wanted)
        {
            if (name.Length != wanted.Length) return false;
            for (int i = 0; i < name.Length; i++)
            {
                int a = name[i], b = wanted[i];
                if (a == b) continue;
                if ((uint)((a | 0x20) - 'a') > 'z' - 'a' || (a | 0x20) != (b | 0x20)) return false;
            }
            return true;
        }

        bool JsonRecordMapper.IFields.Has(string name) => _has[(int)SlotOfMapped(name)];

        string? JsonRecordMapper.IFields.Text(string name) => _values[(int)SlotOfMapped(name)];

        /// <summary>The slot of a name the mappings read (they ask only for these).</summary>
        private static Slot SlotOfMapped(string name)
        {
            switch (name)
            {
                case ExportSchema.TimeGenerated: return Slot.TimeGenerated;
                case "out": return Slot.Out;
                case "vendor": return Slot.Vendor;
                case "act": return Slot.Act;
                case "suser": return Slot.Suser;
                case "dhost": return Slot.Dhost;
                case "externalId": return Slot.ExternalId;
                case ExportSchema.CreationTime: return Slot.CreationTime;
                case ExportSchema.UserId: return Slot.UserId;
                case ExportSchema.Operation: return Slot.Operation;
                case ExportSchema.OfficeId: return Slot.OfficeId;
                case ExportSchema.AuditRecordId: return Slot.Id;
                default: throw new InvalidOperationException($"JsonRecordScanner has no slot for '{name}'");
            }
        }
    }
}
