using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace LowSlowExfil.Readers
{
    /// <summary>
    /// Log records handed over one at a time as objects (a host's pipeline: Import-Csv rows, ConvertFrom-Json objects,
    /// Search-UnifiedAuditLog output, Microsoft Graph audit-log records) instead of a file. Each is written as the JSON
    /// object its properties make and mapped by <see cref="JsonRecordMapper"/>, the mapping of the JSON file reader,
    /// so an object reads exactly as the same record in a file would: one truth. Events go to the sink as each object
    /// arrives and nothing is kept, so a million objects cost no more memory than one. Issues name the object's
    /// position in the pipeline; past <see cref="ReadContext.MaxIssuesPerFile"/> they are counted, as a file's are.
    /// </summary>
    public sealed class ObjectRecordReader
    {
        /// <summary>What issues and the -Verbose summary call the objects, in place of a file name.</summary>
        public const string SourceName = "pipeline input";

        /// <summary>Deeper values are not followed (a self-referencing object would never end); no audit record nests so deep.</summary>
        public const int MaxDepth = 16;

        private readonly IEventSink _sink;
        private readonly ReadContext _ctx;
        private readonly IssueCap _issues;
        private readonly MemoryStream _buffer = new MemoryStream();
        private readonly System.Diagnostics.Stopwatch _clock = new System.Diagnostics.Stopwatch();

        public ObjectRecordReader(IEventSink sink, ReadContext ctx)
        {
            _sink = sink ?? throw new ArgumentNullException(nameof(sink));
            ctx = ctx ?? new ReadContext();
            _issues = new IssueCap(ctx.OnIssue, ctx.MaxIssuesPerFile);
            _ctx = ctx.ForFile(_issues);
            Summary = new FileReadSummary { File = SourceName, Format = LogFormat.PipelineObjects };
        }

        /// <summary>How the objects were read so far (records, events, skipped), as a file's summary says it.</summary>
        public FileReadSummary Summary { get; }

        /// <summary>
        /// Reads one object. <paramref name="position"/> is its 1-based place in the pipeline (named in its issue);
        /// <paramref name="properties"/> its properties, whose values are null, strings, numbers, booleans, DateTime,
        /// DateTimeOffset, nested property lists (IEnumerable of KeyValuePair&lt;string, object&gt;) or lists of these.
        /// </summary>
        public void Read(long position, IEnumerable<KeyValuePair<string, object>> properties)
        {
            _ctx.Cancellation.ThrowIfCancellationRequested();
            _clock.Start();
            try
            {
                Summary.Records++;
                string? error;
                var kind = Map(properties, out error);
                switch (kind)
                {
                    case JsonRecordKind.Proxy: Summary.ProxyEvents++; break;
                    case JsonRecordKind.Sharing: Summary.SharingEvents++; break;
                    case JsonRecordKind.Replay: Summary.Replays++; break;
                    default:
                        Summary.Skipped++;
                        _ctx.Report(new ReadIssue(SourceName, position, position, error ?? "the record cannot be read") { FromPipeline = true });
                        break;
                }
            }
            finally
            {
                _clock.Stop();
                Summary.Elapsed = _clock.Elapsed;
            }
        }

        /// <summary>After the last object: the closing issue counting those not reported one by one, if any.</summary>
        public void Finish() => _issues.Finish(SourceName);

        private JsonRecordKind Map(IEnumerable<KeyValuePair<string, object>> properties, out string? error)
        {
            if (properties == null)
            {
                error = "the object is empty (null)";
                return JsonRecordKind.Invalid;
            }
            _buffer.SetLength(0);
            try
            {
                using (var writer = new Utf8JsonWriter(_buffer))
                {
                    WriteObject(writer, properties, 0);
                }
            }
            catch (ArgumentException)
            {
                // Text the writer refuses costs this object only (half a surrogate pair it writes as U+FFFD, as the
                // file readers read an invalid byte, so such a record is still read).
                error = JsonRecordMapper.NotText;
                return JsonRecordKind.Invalid;
            }
            if (_buffer.Length > _ctx.MaxRecordChars)
            {
                error = $"the object is {_buffer.Length:N0} bytes as JSON, more than the {_ctx.MaxRecordChars:N0} a record may be";
                return JsonRecordKind.Invalid;
            }
            using (var doc = JsonDocument.Parse(new ReadOnlyMemory<byte>(_buffer.GetBuffer(), 0, (int)_buffer.Length)))
            {
                var root = doc.RootElement;
                if (!root.EnumerateObject().MoveNext())
                {
                    error = "the object has no properties; expected a log record (e.g. an Import-Csv row of an export, or a Search-UnifiedAuditLog result)";
                    return JsonRecordKind.Invalid;
                }
                return JsonRecordMapper.Map(root, _sink, _ctx, out error);
            }
        }

        private static void WriteObject(Utf8JsonWriter writer, IEnumerable<KeyValuePair<string, object>> properties, int depth)
        {
            writer.WriteStartObject();
            foreach (var p in properties)
            {
                if (string.IsNullOrEmpty(p.Key)) continue;
                writer.WritePropertyName(p.Key);
                WriteValue(writer, p.Value, depth + 1);
            }
            writer.WriteEndObject();
        }

        private static void WriteValue(Utf8JsonWriter writer, object value, int depth)
        {
            switch (value)
            {
                case null: writer.WriteNullValue(); return;
                case string s: writer.WriteStringValue(s); return;
                case bool b: writer.WriteBooleanValue(b); return;
                case char c: writer.WriteStringValue(c.ToString()); return;
                case DateTime t: writer.WriteStringValue(Iso(t)); return;
                case DateTimeOffset o: writer.WriteStringValue(o.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)); return;
                case double d: if (IsFinite(d)) writer.WriteNumberValue(d); else writer.WriteStringValue(d.ToString(CultureInfo.InvariantCulture)); return;
                case float f: if (IsFinite(f)) writer.WriteNumberValue(f); else writer.WriteStringValue(f.ToString(CultureInfo.InvariantCulture)); return;
                case decimal m: writer.WriteNumberValue(m); return;
                case long l: writer.WriteNumberValue(l); return;
                case ulong ul: writer.WriteNumberValue(ul); return;
                case int i: writer.WriteNumberValue(i); return;
                case uint ui: writer.WriteNumberValue(ui); return;
                case short sh: writer.WriteNumberValue(sh); return;
                case ushort us: writer.WriteNumberValue(us); return;
                case byte by: writer.WriteNumberValue(by); return;
                case sbyte sb: writer.WriteNumberValue(sb); return;
            }
            if (depth >= MaxDepth)
            {
                writer.WriteNullValue();
                return;
            }
            if (value is IEnumerable<KeyValuePair<string, object>> nested)
            {
                WriteObject(writer, nested, depth);
                return;
            }
            if (value is IEnumerable list)
            {
                writer.WriteStartArray();
                foreach (object item in list) WriteValue(writer, item, depth + 1);
                writer.WriteEndArray();
                return;
            }
            // Anything else (a Guid, an enum, a type the host did not break down) as its invariant text.
            writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
        }

        private static bool IsFinite(double d) => !double.IsNaN(d) && !double.IsInfinity(d);

        /// <summary>
        /// A DateTime as the text a JSON file would hold: UTC and local times with their zone (so converted to UTC by
        /// the mapper), a time of unspecified kind without one (read as UTC, as an export's zone-less time is).
        /// </summary>
        private static string Iso(DateTime t)
        {
            switch (t.Kind)
            {
                case DateTimeKind.Utc: return t.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
                case DateTimeKind.Local: return t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
                default: return t.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture);
            }
        }
    }
}
