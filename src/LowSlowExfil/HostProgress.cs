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
            return false;
        }
    }
}
