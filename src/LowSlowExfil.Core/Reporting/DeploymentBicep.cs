using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LowSlowExfil.Reporting
{
    /// <summary>
    /// The deployment template as Bicep, written from the ARM template itself (<see cref="DeploymentTemplate.ToJson"/>)
    /// so the two cannot drift: the same parameters, resources, properties and outputs, with ARM's string expressions
    /// turned into Bicep's (a parameter by its name, a resource of the template by its symbol, scope and parent as
    /// symbols). Compiling it with Microsoft's Bicep compiler gives back the ARM template's resources
    /// (DeploymentTemplateTests).
    /// </summary>
    public static class DeploymentBicep
    {
        private const string WorkspaceType = "Microsoft.OperationalInsights/workspaces";

        /// <summary>Symbol of each resource type the template holds; the workspace is an existing resource.</summary>
        private static readonly Dictionary<string, string> Symbols = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [WorkspaceType] = "workspace",
            ["Microsoft.OperationalInsights/workspaces/tables"] = "table",
            ["Microsoft.Insights/dataCollectionEndpoints"] = "dataCollectionEndpoint",
            ["Microsoft.Insights/dataCollectionRules"] = "dataCollectionRule",
            ["Microsoft.Authorization/roleAssignments"] = "publisherRole",
            ["Microsoft.SecurityInsights/alertRules"] = "analyticsRule",
        };

        private static readonly Regex Parameter = new Regex(@"parameters\('([A-Za-z0-9_]+)'\)", RegexOptions.CultureInvariant);
        private static readonly Regex ResourceIdCall = new Regex(@"resourceId\('([^']+)'((?:, (?:parameters\('[A-Za-z0-9_]+'\)|'[^']*'))*)\)", RegexOptions.CultureInvariant);
        private static readonly Regex ReferenceCall = new Regex(@"reference\(([A-Za-z]+)\.id, '[^']+'\)", RegexOptions.CultureInvariant);
        private static readonly Regex ChildName = new Regex(@"^format\('\{0\}/\{1\}', parameters\('[A-Za-z0-9_]+'\), '([^']+)'\)$", RegexOptions.CultureInvariant);
        private static readonly Regex Identifier = new Regex(@"^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant);

        public static string ToBicep() => Convert(DeploymentTemplate.ToJson());

        internal static string Convert(string armJson)
        {
            var template = Obj(JsonNode.Parse(armJson), "the template");
            var sb = new StringBuilder();
            sb.Append("// Written by Export-LowSlowExfilDeployment -Format Bicep (LowSlowExfil): the same deployment as its ARM template.\n");
            sb.Append("// Deploy once into the workspace's resource group; give the outputs to Send-LowSlowExfilResult.\n\n");

            foreach (var p in Obj(template["parameters"], "parameters"))
            {
                var def = Obj(p.Value, "parameter " + p.Key);
                string? description = def["metadata"]?["description"]?.GetValue<string>();
                if (description != null) sb.Append("@description(").Append(Literal(description)).Append(")\n");
                JsonNode? min = def["minValue"], max = def["maxValue"], defaultValue = def["defaultValue"];
                if (min != null) sb.Append("@minValue(").Append(min.ToJsonString()).Append(")\n");
                if (max != null) sb.Append("@maxValue(").Append(max.ToJsonString()).Append(")\n");
                sb.Append("param ").Append(p.Key).Append(' ').Append(Str(def["type"], "the type of parameter " + p.Key));
                if (defaultValue != null) sb.Append(" = ").Append(Value(defaultValue, 0));
                sb.Append("\n\n");
            }

            sb.Append("resource workspace '").Append(WorkspaceType).Append("@2022-10-01' existing = {\n  name: workspaceName\n}\n\n");

            foreach (var node in (template["resources"] ?? throw Missing("resources")).AsArray())
            {
                var r = Obj(node, "a resource");
                string type = Str(r["type"], "a resource's type");
                string symbol = SymbolOf(type);
                var body = new StringBuilder();
                foreach (var prop in r)
                {
                    switch (prop.Key)
                    {
                        case "type":
                        case "apiVersion":
                        case "dependsOn":
                            continue;
                        case "scope":
                        {
                            // A full resource id of the template's (or the existing workspace's): its symbol.
                            string e = Expression(Inner(Str(prop.Value, "the scope of " + type)) ?? string.Empty);
                            if (!e.EndsWith(".id", StringComparison.Ordinal) || !Identifier.IsMatch(e.Substring(0, e.Length - 3)))
                                throw new InvalidOperationException($"The scope of {type} has no Bicep form here: {prop.Value}");
                            body.Append("  scope: ").Append(e, 0, e.Length - 3).Append('\n');
                            continue;
                        }
                        case "name":
                        {
                            var m = ChildName.Match(Inner(Str(prop.Value, "the name of " + type)) ?? string.Empty);
                            if (m.Success)
                            {
                                body.Append("  parent: ").Append(SymbolOf(type.Substring(0, type.LastIndexOf('/')))).Append('\n');
                                body.Append("  name: ").Append(Literal(m.Groups[1].Value)).Append('\n');
                                continue;
                            }
                            break;
                        }
                    }
                    body.Append("  ").Append(Key(prop.Key)).Append(": ").Append(Value(prop.Value, 1)).Append('\n');
                }
                // Explicit dependencies that the body does not already imply by naming the resource.
                string text = body.ToString();
                var depends = (r["dependsOn"]?.AsArray() ?? new JsonArray())
                    .Select(d => Expression(Inner(Str(d, "a dependency of " + type)) ?? throw Missing("an expression in the dependencies of " + type)))
                    .Select(e => e.EndsWith(".id", StringComparison.Ordinal) ? e.Substring(0, e.Length - 3) : e)
                    .Where(s => !Regex.IsMatch(text, @"\b" + Regex.Escape(s) + @"\b"))
                    .ToList();
                if (depends.Count > 0)
                {
                    body.Append("  dependsOn: [\n");
                    foreach (string d in depends) body.Append("    ").Append(d).Append('\n');
                    body.Append("  ]\n");
                }
                sb.Append("resource ").Append(symbol).Append(" '").Append(type).Append('@').Append(Str(r["apiVersion"], "the apiVersion of " + type)).Append("' = {\n")
                  .Append(body).Append("}\n\n");
            }

            foreach (var o in Obj(template["outputs"], "outputs"))
            {
                var output = Obj(o.Value, "output " + o.Key);
                sb.Append("output ").Append(o.Key).Append(' ').Append(Str(output["type"], "the type of output " + o.Key)).Append(" = ").Append(Value(output["value"], 0)).Append('\n');
            }
            return sb.ToString();
        }

        // The ARM template is the module's own (DeploymentTemplate.ToJson): a member missing from it is a bug here, said plainly.
        private static InvalidOperationException Missing(string what) =>
            new InvalidOperationException($"The ARM template has no {what}, which its Bicep form needs.");

        private static JsonObject Obj(JsonNode? node, string what) => (node ?? throw Missing(what)).AsObject();

        private static string Str(JsonNode? node, string what) => (node ?? throw Missing(what)).GetValue<string>();

        private static string SymbolOf(string type) =>
            Symbols.TryGetValue(type, out string s) ? s : throw new InvalidOperationException($"No Bicep symbol for {type}.");

        /// <summary>The expression inside an ARM "[...]" string, or null for a plain string.</summary>
        private static string? Inner(string? s) =>
            s != null && s.Length >= 2 && s[0] == '[' && s[1] != '[' && s[s.Length - 1] == ']' ? s.Substring(1, s.Length - 2) : null;

        /// <summary>An ARM expression in Bicep: parameters by name, the template's resources by symbol.</summary>
        private static string Expression(string arm)
        {
            string e = ResourceIdCall.Replace(arm, m => Symbols.TryGetValue(m.Groups[1].Value, out string s) ? s + ".id" : m.Value);
            e = ReferenceCall.Replace(e, m => m.Groups[1].Value + ".properties");
            return Parameter.Replace(e, m => m.Groups[1].Value);
        }

        private static string Value(JsonNode? node, int depth)
        {
            string pad = new string(' ', 2 * depth);
            switch (node)
            {
                case null:
                    return "null";
                case JsonObject obj:
                {
                    if (obj.Count == 0) return "{}";
                    var sb = new StringBuilder("{\n");
                    foreach (var p in obj) sb.Append(pad).Append("  ").Append(Key(p.Key)).Append(": ").Append(Value(p.Value, depth + 1)).Append('\n');
                    return sb.Append(pad).Append('}').ToString();
                }
                case JsonArray arr:
                {
                    if (arr.Count == 0) return "[]";
                    var sb = new StringBuilder("[\n");
                    foreach (var item in arr) sb.Append(pad).Append("  ").Append(Value(item, depth + 1)).Append('\n');
                    return sb.Append(pad).Append(']').ToString();
                }
                default:
                {
                    var v = node.AsValue();
                    if (v.TryGetValue(out string? s))
                    {
                        string? inner = Inner(s);
                        if (inner != null) return Expression(inner);
                        return Literal(s.StartsWith("[[", StringComparison.Ordinal) ? s.Substring(1) : s);
                    }
                    if (v.TryGetValue(out bool b)) return b ? "true" : "false";
                    return node.ToJsonString();               // a number, as JSON writes it
                }
            }
        }

        private static string Key(string key) => Identifier.IsMatch(key) ? key : Literal(key);

        /// <summary>A Bicep string literal: single quotes, with \, ', ${ and control characters escaped.</summary>
        internal static string Literal(string s)
        {
            var sb = new StringBuilder(s.Length + 2).Append('\'');
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                switch (c)
                {
                    case '\\': sb.Append("\\\\"); break;
                    case '\'': sb.Append("\\'"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    case '$':
                        sb.Append(i + 1 < s.Length && s[i + 1] == '{' ? "\\$" : "$");
                        break;
                    default:
                        if (c < 0x20) sb.Append("\\u{").Append(((int)c).ToString("X", CultureInfo.InvariantCulture)).Append('}');
                        else sb.Append(c);
                        break;
                }
            }
            return sb.Append('\'').ToString();
        }
    }
}
