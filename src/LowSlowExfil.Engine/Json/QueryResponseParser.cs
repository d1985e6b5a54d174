using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using LowSlowExfil.Workspace;

namespace LowSlowExfil.Engine.Json
{
    /// <summary>The primary table of a query response and the error beside it, if any.</summary>
    internal sealed class ParsedResponse
    {
        public List<QueryColumn> Columns { get; } = new List<QueryColumn>();
        public List<object[]> Rows { get; } = new List<object[]>();
        public ServiceError Error { get; set; }
        public int Tables { get; set; }
    }

    /// <summary>
    /// Reads a query response from its stream, token by token: Log Analytics'
    /// <c>{"tables":[{"name","columns":[{"name","type"}],"rows":[[…]]}],"error":{…}}</c> and Azure Data Explorer's
    /// v1 <c>{"Tables":[{"TableName","Columns":[{"ColumnName","DataType","ColumnType"}],"Rows":[[…]]}]}</c>, whose
    /// rows may end with an <c>{"Exceptions":[…]}</c> object when the query failed part way. The first table is the
    /// result; the others (ADX's QueryProperties, QueryStatus, TableOfContents) are skipped. A value or a row count
    /// past the <see cref="ResponseLimits"/> stops the read with a <see cref="ResponseLimitException"/>.
    /// </summary>
    internal static class QueryResponseParser
    {
        public static ParsedResponse Parse(Stream body, int bufferSize = 64 * 1024, ResponseLimits limits = null)
        {
            limits = limits ?? new ResponseLimits();
            var result = new ParsedResponse();
            var r = new JsonStreamReader(body, bufferSize, limits.MaxValueBytes);
            if (!r.Read()) return result;          // an empty body: no table
            if (r.TokenType != JsonTokenType.StartObject) throw new JsonException("The response is not a JSON object.");
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                string name = r.GetString();
                if (Is(name, "tables"))
                {
                    r.Expect(JsonTokenType.StartArray);
                    while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                    {
                        if (result.Tables++ == 0) ReadTable(r, result, limits.MaxRows);
                        else r.Skip();
                    }
                }
                else if (Is(name, "error"))
                {
                    if (!r.Read()) break;
                    if (r.TokenType == JsonTokenType.StartObject) result.Error = ServiceError.FromObjectText(r.ReadRawValue());
                    else if (r.TokenType == JsonTokenType.String) result.Error = new ServiceError(null, r.GetString(), null);
                    else r.Skip();
                }
                else if (Is(name, "Exceptions"))
                {
                    if (!r.Read()) break;
                    if (r.TokenType == JsonTokenType.StartArray) result.Error = ServiceError.FromExceptionsRow("{\"Exceptions\":" + r.ReadRawValue() + "}");
                    else r.Skip();
                }
                else
                {
                    r.Read();
                    r.Skip();
                }
            }
            return result;
        }

        private static void ReadTable(JsonStreamReader r, ParsedResponse result, int maxRows)
        {
            if (r.TokenType != JsonTokenType.StartObject) throw new JsonException("A table of the response is not an object.");
            string[] types = null;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                string name = r.GetString();
                if (Is(name, "columns"))
                {
                    r.Expect(JsonTokenType.StartArray);
                    while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                        result.Columns.Add(ReadColumn(r));
                    types = new string[result.Columns.Count];
                    for (int i = 0; i < types.Length; i++) types[i] = result.Columns[i].Type;
                }
                else if (Is(name, "rows"))
                {
                    r.Expect(JsonTokenType.StartArray);
                    while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                    {
                        if (r.TokenType == JsonTokenType.StartObject)
                        {
                            // ADX v1: a query that failed part way appends {"Exceptions": [...]} to its rows.
                            var e = ServiceError.FromExceptionsRow(r.ReadRawValue());
                            if (e != null) result.Error = e;
                            continue;
                        }
                        if (r.TokenType != JsonTokenType.StartArray) throw new JsonException($"Unexpected {r.TokenType} among the rows.");
                        if (types == null) throw new JsonException("The response has rows before its columns.");
                        // Every row stays in memory until the answer ends: an endless answer of tiny rows stops here.
                        if (result.Rows.Count >= maxRows)
                            throw new ResponseLimitException($"more than {maxRows.ToString("N0", CultureInfo.InvariantCulture)} rows");
                        var row = new object[types.Length];
                        int i = 0;
                        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                        {
                            if (i >= types.Length) throw new JsonException($"A row has more than the {types.Length} columns of its table.");
                            row[i] = ColumnTypes.ReadCell(r, types[i]);
                            i++;
                        }
                        if (i != types.Length) throw new JsonException($"A row has {i} values for {types.Length} columns.");
                        result.Rows.Add(row);
                    }
                }
                else
                {
                    r.Read();
                    r.Skip();
                }
            }
        }

        private static QueryColumn ReadColumn(JsonStreamReader r)
        {
            if (r.TokenType != JsonTokenType.StartObject) throw new JsonException("A column of the response is not an object.");
            string name = null, type = null, dataType = null;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                string p = r.GetString();
                r.Read();
                string value = r.TokenType == JsonTokenType.String ? r.GetString() : null;
                r.Skip();
                if (Is(p, "name") || Is(p, "ColumnName")) name = value;
                else if (Is(p, "type") || Is(p, "ColumnType")) type = value;
                else if (Is(p, "DataType")) dataType = value;
            }
            if (string.IsNullOrEmpty(name)) throw new JsonException("A column of the response has no name.");
            return new QueryColumn(name, ColumnTypes.Normalize(type, dataType));
        }

        private static bool Is(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
    }
}
