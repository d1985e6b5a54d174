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

        /// <summary>
        /// End of the generated period: a UTC midnight. By default the start of the current UTC day, so that a hunt
        /// without -EndTime (its window ends now) finds the actors; give it for the same files on any day.
        /// </summary>
        [Parameter]
        public DateTime EndTime { get; set; }

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
                EndTime = MyInvocation.BoundParameters.ContainsKey(nameof(EndTime)) ? Rule.HuntWindow.ToUtc(EndTime) : DateTime.UtcNow.Date,
                BackgroundUsers = BackgroundUsers,
            };
            SampleTenant tenant;
            try
            {
                tenant = SampleTenant.Generate(options);
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(ReadErrors.ForUser(e), "InvalidSampleOptions", ErrorCategory.InvalidArgument, options));
                return;
            }

            var names = SampleExportWriter.FileNames(Format).Concat(new[] { ManifestName }).ToArray();
            var existing = names.Select(n => System.IO.Path.Combine(folder, n)).Where(File.Exists).ToList();
            string what = $"Write a sample tenant (seed {Seed}, {BackgroundUsers} background users, ending {options.EndTime:yyyy-MM-dd})";
            // -WhatIf reports, including that the files exist, and writes nothing; it never fails on what is there.
            if (existing.Count > 0 && !Force)
            {
                if (!ShouldProcess(folder, what + $", over {existing.Count} existing file(s), which needs -Force")) return;
                ThrowTerminatingError(new ErrorRecord(
                    new IOException($"'{folder}' already holds {string.Join(", ", existing.Select(System.IO.Path.GetFileName))}; use -Force to overwrite."),
                    "SampleDataExists", ErrorCategory.ResourceExists, folder));
                return;
            }
            if (!ShouldProcess(folder, what)) return;

            var written = new List<string>(SampleExportWriter.WriteExports(tenant, folder, Format));
            string manifest = System.IO.Path.Combine(folder, ManifestName);
            SampleManifest.Write(tenant, manifest);
            written.Add(manifest);
            foreach (string f in written) WriteObject(new FileInfo(f));
        }
    }
}
