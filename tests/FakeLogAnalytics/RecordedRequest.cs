using System;
using System.Collections.Generic;

namespace FakeLogAnalytics
{
    /// <summary>A request the fake received. The Authorization header's value is never kept, only whether it was valid.</summary>
    public sealed class RecordedRequest
    {
        public DateTime ReceivedUtc { get; set; }
        public string Method { get; set; }
        public string Path { get; set; }
        public string QueryString { get; set; }
        /// <summary>Headers by name; Authorization's value is replaced by "Bearer <redacted>".</summary>
        public IReadOnlyDictionary<string, string> Headers { get; set; }
        public bool HadAuthorization { get; set; }
        public bool TokenValid { get; set; }
        public string Body { get; set; }
        /// <summary>The query text (Log Analytics "query" or ADX "csl").</summary>
        public string Query { get; set; }
        /// <summary>Log Analytics "timespan".</summary>
        public string Timespan { get; set; }
        /// <summary>ADX "db".</summary>
        public string Database { get; set; }
        public ParsedQuery Parsed { get; set; }
        public int Status { get; set; }
        public int Rows { get; set; }
        public bool Truncated { get; set; }
        /// <summary>The answer was held back half-sent (a <see cref="FakeFault.StallBody"/> fault).</summary>
        public bool BodyStalled { get; set; }
        /// <summary>The fault served, if any.</summary>
        public string Fault { get; set; }

        public string Header(string name) => Headers != null && Headers.TryGetValue(name, out var v) ? v : null;

        public override string ToString() => $"{Method} {Path} → {Status}{(Fault != null ? " (" + Fault + ")" : "")}, {Rows} rows";
    }
}
