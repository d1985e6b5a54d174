using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using LowSlowExfil.SampleData;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// Writes a generated, realistic 35-day tenant as Log Analytics exports, with injected actors of every
    /// kind (spike, low-and-slow, anonymous links, near misses, look-alike domains, ...), so the module can be
    /// tried and demonstrated without real data. Deterministic: the same seed gives the same files.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "LowSlowExfilSampleData", SupportsShouldProcess = true)]
    [OutputType(typeof(FileInfo))]
    public sealed class NewLowSlowExfilSampleDataCommand : PSCmdlet
    {
        private const string ManifestName = SampleManifest.FileName;

        /// <summary>Folder to write into (created when missing).</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; }

        /// <summary>Seed of the generator (default 42).</summary>
        [Parameter]
        public int Seed { get; set; } = 42;

        /// <summary>End of the generated period: a UTC midnight (default 2026-11-01). Hunt with -EndTime set to it.</summary>
        [Parameter]
        public DateTime EndTime { get; set; } = new SampleTenantOptions().EndTime;

        /// <summary>Number of ordinary users besides the injected actors (default 200).</summary>
        [Parameter]
        [ValidateRange(20, 1000000)]
        public int BackgroundUsers { get; set; } = 200;

        /// <summary>The export format: Csv (Log Analytics CSV exports, the default) or Json.</summary>
        [Parameter]
        public SampleFormat Format { get; set; } = SampleFormat.Csv;

        /// <summary>Overwrite files of the same names.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            string folder = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            var options = new SampleTenantOptions
            {
                Seed = Seed,
                EndTime = Rule.HuntWindow.ToUtc(EndTime),
                BackgroundUsers = BackgroundUsers,
            };
            SampleTenant tenant;
            try
            {
                tenant = SampleTenant.Generate(options);
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, "InvalidSampleOptions", ErrorCategory.InvalidArgument, options));
                return;
            }

            var names = SampleExportWriter.FileNames(Format).Concat(new[] { ManifestName }).ToArray();
            var existing = names.Select(n => System.IO.Path.Combine(folder, n)).Where(File.Exists).ToList();
            if (existing.Count > 0 && !Force)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new IOException($"'{folder}' already holds {string.Join(", ", existing.Select(System.IO.Path.GetFileName))}; use -Force to overwrite."),
                    "SampleDataExists", ErrorCategory.ResourceExists, folder));
                return;
            }
            if (!ShouldProcess(folder, $"Write a sample tenant (seed {Seed}, {BackgroundUsers} background users, ending {options.EndTime:yyyy-MM-dd})")) return;

            var written = new List<string>(SampleExportWriter.WriteExports(tenant, folder, Format));
            string manifest = System.IO.Path.Combine(folder, ManifestName);
            SampleManifest.Write(tenant, manifest);
            written.Add(manifest);
            foreach (string f in written) WriteObject(new FileInfo(f));
        }
    }
}
