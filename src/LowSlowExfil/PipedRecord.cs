using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// A piped object's properties as the Core's <see cref="Readers.ObjectRecordReader"/> takes them: names and plain
    /// values (strings, numbers, times), nested objects and lists broken down the same way, lazily.
    /// </summary>
    internal static class PipedRecord
    {
        public static IEnumerable<KeyValuePair<string, object>> Properties(PSObject obj)
        {
            if (obj.BaseObject is IDictionary map)
            {
                foreach (DictionaryEntry e in map) yield return new KeyValuePair<string, object>(System.Convert.ToString(e.Key, System.Globalization.CultureInfo.InvariantCulture), Value(e.Value));
                yield break;
            }
            foreach (var p in obj.Properties)
            {
                object v;
                try
                {
                    v = p.Value;
                }
                catch (GetValueException)
                {
                    continue; // a property whose getter throws holds nothing the record could need
                }
                // The Microsoft Graph SDK puts an open type's members (auditData's record) in AdditionalProperties.
                if (p.Name == "AdditionalProperties" && (v is PSObject ap ? ap.BaseObject : v) is IDictionary extra)
                {
                    foreach (DictionaryEntry e in extra) yield return new KeyValuePair<string, object>(System.Convert.ToString(e.Key, System.Globalization.CultureInfo.InvariantCulture), Value(e.Value));
                    continue;
                }
                yield return new KeyValuePair<string, object>(p.Name, Value(v));
            }
        }

        private static object Value(object v)
        {
            object b = v is PSObject pso ? pso.BaseObject : v;
            switch (b)
            {
                case null: return null;
                case string _: return b;
                case System.DateTime _: return b;
                case System.DateTimeOffset _: return b;
                case System.Enum e: return e.ToString();
                case System.Guid _: return b;
                case System.TimeSpan _: return b;
                case System.Uri _: return b;
            }
            if (b.GetType().IsPrimitive || b is decimal) return b;
            if (b is IDictionary || b is PSCustomObject) return Properties(v as PSObject ?? PSObject.AsPSObject(b));
            if (b is IEnumerable list) return Items(list);
            // Another .NET object (a typed SDK model): its properties, as PowerShell shows them.
            return Properties(v as PSObject ?? PSObject.AsPSObject(b));
        }

        private static IEnumerable<object> Items(IEnumerable list)
        {
            foreach (object item in list) yield return Value(item);
        }
    }
}
