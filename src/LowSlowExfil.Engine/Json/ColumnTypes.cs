using System;
using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;

namespace LowSlowExfil.Engine.Json
{
    /// <summary>Kusto column types and the typed values their cells become (see <c>QueryTable</c>).</summary>
    internal static class ColumnTypes
    {
        /// <summary>
        /// The canonical Kusto type name from a Log Analytics <c>type</c>, an ADX <c>ColumnType</c>, or (when that is
        /// missing) an ADX <c>DataType</c> (.NET type name).
        /// </summary>
        public static string Normalize(string type, string dataType)
        {
            switch ((type ?? string.Empty).Trim().ToLowerInvariant())
            {
                case "bool": case "boolean": return "bool";
                case "datetime": case "date": return "datetime";
                case "dynamic": case "object": return "dynamic";
                case "int": case "int32": return "int";
                case "long": case "int64": return "long";
                case "real": case "double": return "real";
                case "string": return "string";
                case "guid": case "uniqueid": return "guid";
                case "decimal": return "decimal";
                case "timespan": case "time": return "timespan";
            }
            switch ((dataType ?? string.Empty).Trim().ToLowerInvariant())
            {
                case "boolean": case "sbyte": return "bool";
                case "datetime": return "datetime";
                case "object": return "dynamic";
                case "int32": return "int";
                case "int64": return "long";
                case "double": case "single": return "real";
                case "string": return "string";
                case "guid": return "guid";
                case "decimal": case "sqldecimal": return "decimal";
                case "timespan": return "timespan";
            }
            return string.IsNullOrEmpty(type) ? "string" : type.Trim().ToLowerInvariant();
        }

        /// <summary>Reads one cell (the reader is on its first token) as the column's CLR value.</summary>
        public static object ReadCell(JsonStreamReader r, string type)
        {
            switch (r.TokenType)
            {
                case JsonTokenType.Null:
                    return null;
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                {
                    string raw = r.ReadRawValue();
                    if (type == "dynamic" || type == "string") return raw;
                    throw Bad(type, raw);
                }
                case JsonTokenType.True:
                case JsonTokenType.False:
                {
                    bool b = r.TokenType == JsonTokenType.True;
                    switch (type)
                    {
                        case "bool": return b;
                        case "dynamic": case "string": return b ? "true" : "false";
                        case "int": return b ? 1 : 0;
                        case "long": return b ? 1L : 0L;
                        default: throw Bad(type, b ? "true" : "false");
                    }
                }
                case JsonTokenType.Number:
                    return FromNumber(r, type);
                case JsonTokenType.String:
                    return FromString(r.GetString(), type);
                default:
                    throw new JsonException($"Unexpected {r.TokenType} in a result row.");
            }
        }

        private static object FromNumber(JsonStreamReader r, string type)
        {
            var span = r.NumberSpan;
            switch (type)
            {
                case "long":
                    if (r.TryGetInt64(out long l)) return l;
                    return ToLong(ParseDouble(r.NumberText, type), type, r.NumberText);
                case "int":
                    if (Utf8Parser.TryParse(span, out int i, out int used) && used == span.Length) return i;
                    return ToInt(ParseDouble(r.NumberText, type), type, r.NumberText);
                case "real":
                    if (Utf8Parser.TryParse(span, out double d, out used, 'E') && used == span.Length) return d;
                    return ParseDouble(r.NumberText, type);
                case "decimal":
                    if (decimal.TryParse(r.NumberText, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal dec)) return dec;
                    throw Bad(type, r.NumberText);
                case "bool":
                    return r.NumberText != "0";
                case "timespan":
                    // A bare number is ticks (100 ns), as a .NET TimeSpan serialises.
                    return TimeSpan.FromTicks(r.TryGetInt64(out long ticks) ? ticks : ToLong(ParseDouble(r.NumberText, type), type, r.NumberText));
                case "string":
                case "dynamic":
                    return r.NumberText;
                default:
                    throw Bad(type, r.NumberText);
            }
        }

        // A long or int sent as a real ("1e3", "12.0") is taken when it fits; NaN, infinities and values out of range are
        // refused as a bad cell (a JsonException, which the client reports), never an OverflowException.
        private static long ToLong(double d, string type, string text)
        {
            if (double.IsNaN(d) || d < -9.2233720368547758E18 || d >= 9.2233720368547758E18) throw Bad(type, text);
            return (long)d;
        }

        private static int ToInt(double d, string type, string text)
        {
            if (double.IsNaN(d) || d <= int.MinValue - 1.0 || d >= int.MaxValue + 1.0) throw Bad(type, text);
            return (int)d;
        }

        private static double ParseDouble(string s, string type)
        {
            if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return d;
            throw Bad(type, s);
        }

        /// <summary>A string cell: the value for string and dynamic columns, else text to parse (long, real, decimal, … may come as strings).</summary>
        internal static object FromString(string s, string type)
        {
            switch (type)
            {
                case "string":
                case "dynamic":
                    return s;   // dynamic arrives as a JSON string holding JSON: keep that JSON text
            }
            string t = s.Trim();
            if (t.Length == 0) return null;
            switch (type)
            {
                case "long":
                    if (long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return l;
                    return ToLong(ParseDouble(t, type), type, s);
                case "int":
                    if (int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int i)) return i;
                    return ToInt(ParseDouble(t, type), type, s);
                case "real":
                    switch (t)
                    {
                        case "NaN": return double.NaN;
                        case "Infinity": case "+Infinity": return double.PositiveInfinity;
                        case "-Infinity": return double.NegativeInfinity;
                    }
                    return ParseDouble(t, type);
                case "decimal":
                    if (decimal.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal m)) return m;
                    throw Bad(type, s);
                case "bool":
                    if (string.Equals(t, "true", StringComparison.OrdinalIgnoreCase) || t == "1") return true;
                    if (string.Equals(t, "false", StringComparison.OrdinalIgnoreCase) || t == "0") return false;
                    throw Bad(type, s);
                case "datetime":
                    if (DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dto))
                        return dto.UtcDateTime;
                    throw Bad(type, s);
                case "guid":
                    if (Guid.TryParse(t, out var g)) return g;
                    throw Bad(type, s);
                case "timespan":
                    return ParseTimeSpan(t) ?? throw Bad(type, s);
                default:
                    return s;  // an unknown type: its text
            }
        }

        /// <summary>Kusto's timespan text: [-][d.]hh:mm:ss[.fffffff].</summary>
        internal static TimeSpan? ParseTimeSpan(string t)
        {
            if (TimeSpan.TryParseExact(t, new[] { @"c", @"g" }, CultureInfo.InvariantCulture, out var ts)) return ts;
            if (TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out ts)) return ts;
            return null;
        }

        private static JsonException Bad(string type, string text)
        {
            if (text != null && text.Length > 64) text = text.Substring(0, 64) + "…";
            return new JsonException($"A '{type}' cell holds '{text}', which is not a {type}.");
        }
    }
}
