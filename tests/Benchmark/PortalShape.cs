using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace LowSlowExfil.Benchmark
{
    /// <summary>
    /// A CommonSecurityLog export as the Log Analytics portal writes it for a real tenant (issue 21): the sample
    /// export rewritten so that TimeGenerated has whole seconds (".000", from SampleTenantOptions.WholeSecondTimestamps),
    /// RequestClientApplication carries quotes on every row (client hints, doubled in the CSV), every
    /// AdditionalExtensions cell spans two lines, and about a third of the rows spell the user name in another letter
    /// case (thousands of distinct spellings of the same users, as identity providers and proxies disagree).
    /// </summary>
    public static class PortalShape
    {
        public static void Rewrite(string sourceCsv, string targetCsv)
        {
            using (var input = new StreamReader(sourceCsv, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16))
            using (var output = new StreamWriter(targetCsv, false, new UTF8Encoding(true), 1 << 16) { NewLine = "\n" })
            {
                var fields = new List<string>(64);
                var cell = new StringBuilder(512);
                if (!Next(input, fields, cell)) throw new InvalidDataException($"{sourceCsv} is empty.");
                int ua = fields.IndexOf("RequestClientApplication"), ext = fields.IndexOf("AdditionalExtensions"), user = fields.IndexOf("SourceUserName");
                if (ua < 0 || ext < 0 || user < 0) throw new InvalidDataException($"{sourceCsv} is not a CommonSecurityLog export.");
                Write(output, fields);
                long row = 0;
                while (Next(input, fields, cell))
                {
                    row++;
                    if (fields.Count <= Math.Max(ua, Math.Max(ext, user))) { Write(output, fields); continue; }
                    if (fields[ua].Length > 0)
                        fields[ua] += " \"Chromium\";v=\"131\", \"Microsoft Edge\";v=\"131\", \"Not_A Brand\";v=\"24\"";
                    if (fields[ext].Length > 0 && fields[ext].IndexOf('\n') < 0)
                        fields[ext] += ";\nua=\"" + fields[ua] + "\"";
                    if (row % 3 == 0 && fields[user].Length > 0) fields[user] = Recase(fields[user], row);
                    Write(output, fields);
                }
            }
        }

        /// <summary>The name with letters upper-cased by the bits of the row number: up to 2^n spellings of one name.</summary>
        private static string Recase(string name, long row)
        {
            var c = name.ToCharArray();
            ulong bits = (ulong)row * 0x9E3779B97F4A7C15UL;
            for (int i = 0; i < c.Length && i < 12; i++)
                if (((bits >> (i + 20)) & 1) != 0) c[i] = char.ToUpperInvariant(c[i]);
            return new string(c);
        }

        private static void Write(TextWriter w, List<string> fields)
        {
            for (int i = 0; i < fields.Count; i++)
            {
                if (i > 0) w.Write(',');
                string f = fields[i];
                if (f.IndexOfAny(new[] { ',', '"', '\n', '\r' }) < 0) w.Write(f);
                else
                {
                    w.Write('"');
                    w.Write(f.Replace("\"", "\"\""));
                    w.Write('"');
                }
            }
            w.Write('\n');
        }

        /// <summary>One RFC 4180 record (quoted cells may hold commas, quotes and line breaks); false at the end.</summary>
        private static bool Next(TextReader r, List<string> fields, StringBuilder cell)
        {
            fields.Clear();
            cell.Clear();
            int c = r.Read();
            if (c < 0) return false;
            bool quoted = false;
            while (true)
            {
                if (quoted)
                {
                    if (c < 0) throw new InvalidDataException("a quoted cell runs to the end of the file");
                    if (c == '"')
                    {
                        if (r.Peek() == '"') { cell.Append('"'); r.Read(); }
                        else quoted = false;
                    }
                    else cell.Append((char)c);
                }
                else if (c == '"') quoted = true;
                else if (c == ',') { fields.Add(cell.ToString()); cell.Clear(); }
                else if (c == '\n' || c < 0) { fields.Add(cell.ToString().TrimEnd('\r')); return true; }
                else cell.Append((char)c);
                c = r.Read();
            }
        }
    }
}
