using System.IO;
using System.Management.Automation;
using System.Text;
using LowSlowExfil.Reporting;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// Writes the ARM template that deploys the scheduled hunt's landing zone once: the LowSlowExfil_CL table, the
    /// data collection endpoint and rule Send-LowSlowExfilResult sends to, the role for the Automation account's
    /// managed identity, and the Sentinel rule that raises an incident per candidate. Without -Path, returns the text.
    /// -Format Bicep writes the same deployment as Bicep, made from the ARM template so the two cannot drift.
    /// </summary>
    [Cmdlet(VerbsData.Export, "LowSlowExfilDeployment", SupportsShouldProcess = true)]
    [OutputType(typeof(string), typeof(FileInfo))]
    public sealed class ExportLowSlowExfilDeploymentCommand : PSCmdlet
    {
        /// <summary>The file to write (an existing file is replaced unless -NoClobber).</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; }

        /// <summary>Refuse to replace an existing file.</summary>
        [Parameter]
        public SwitchParameter NoClobber { get; set; }

        /// <summary>Arm (JSON, the default) or Bicep.</summary>
        [Parameter]
        [ValidateSet("Arm", "Bicep", IgnoreCase = true)]
        public string Format { get; set; } = "Arm";

        protected override void EndProcessing()
        {
            bool bicep = string.Equals(Format, "Bicep", System.StringComparison.OrdinalIgnoreCase);
            string text = bicep ? DeploymentBicep.ToBicep() : DeploymentTemplate.ToJson();
            if (Path == null)
            {
                WriteObject(text);
                return;
            }
            var file = OutputFile.Resolve(this, Path, NoClobber, bicep ? "a Bicep file (.bicep)" : "an ARM template (.json)");
            if (file == null || !ShouldProcess(file.FullName, "Write the deployment template")) return;
            File.WriteAllText(file.FullName, text, new UTF8Encoding(false));
            file.Refresh();
            WriteObject(file);
        }
    }
}
