using System;
using System.Linq;
using System.Management.Automation.Host;
using System.Reflection;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// Whether progress is shown, decided from the host: only at a PowerShell console someone is looking at. Not in
    /// Azure Automation, remoting, a runspace's default host or other hosts without a console, nor in a console
    /// started with -NonInteractive (a scheduled job's output would just fill with records).
    /// </summary>
    internal static class HostProgress
    {
        public static bool Shows(PSHost host)
        {
            if (host?.UI?.RawUI == null || host.Name != "ConsoleHost") return false;
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AUTOMATION_ASSET_ACCOUNTID"))) return false;
            return !IsNonInteractive(host);
        }

        /// <summary>
        /// Whether the host was started non-interactive. PowerShell publishes no property for it: the console host
        /// keeps -NonInteractive (in any of its spellings) as the flag that makes Read-Host and prompts fail, on its
        /// user interface (_throwOnReadAndPrompt in PowerShell 7, throwOnReadAndPrompt in Windows PowerShell 5.1).
        /// That flag is read here, from the host the command runs in, instead of guessing from the process's
        /// arguments. A host without it is taken as interactive, as PowerShell itself takes it.
        /// </summary>
        public static bool IsNonInteractive(PSHost host)
        {
            // Cmdlets are given PowerShell's wrapper around the host the session was created with.
            object outer = host;
            var external = host.GetType().GetProperty("ExternalHost", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
            if (external?.GetValue(host) is PSHost inner) outer = inner;
            var ui = ((PSHost)outer).UI;
            if (ui == null) return false;
            for (var type = ui.GetType(); type != null && type != typeof(PSHostUserInterface); type = type.BaseType)
            {
                var flag = type.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                    .FirstOrDefault(f => f.FieldType == typeof(bool) && f.Name.TrimStart('_').Equals("throwOnReadAndPrompt", StringComparison.OrdinalIgnoreCase));
                if (flag != null) return (bool)flag.GetValue(ui);
            }
            // A console host that does not keep the flag under that name (a PowerShell not checked here): the process's
            // own arguments are the next best witness, rather than showing progress to a scheduled job.
            return ui.GetType().Name.IndexOf("ConsoleHost", StringComparison.OrdinalIgnoreCase) >= 0 && StartedNonInteractive(Environment.GetCommandLineArgs());
        }

        /// <summary>Whether pwsh/powershell.exe arguments ask for a non-interactive session (-noni, --NonInteractive, /NonInteractive, any case, any prefix of the name PowerShell accepts).</summary>
        internal static bool StartedNonInteractive(string[] args)
        {
            foreach (string a in args ?? new string[0])
            {
                // Only the host's own parameters: what follows -Command or -File belongs to the script.
                string name = a.TrimStart('-', '/');
                if (name.Length == a.Length) continue;
                if (name.Equals("c", StringComparison.OrdinalIgnoreCase) || name.StartsWith("com", StringComparison.OrdinalIgnoreCase)
                    || name.Equals("f", StringComparison.OrdinalIgnoreCase) || name.StartsWith("fi", StringComparison.OrdinalIgnoreCase)) return false;
                if (name.Length >= 4 && "noninteractive".StartsWith(name, StringComparison.OrdinalIgnoreCase)) return true;
            }
            return false;
        }
    }
}
