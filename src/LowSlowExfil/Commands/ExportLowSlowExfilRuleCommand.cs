using System;
using System.IO;
using System.Management.Automation;
using System.Text;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Commands
{
    /// <summary>The file format Export-LowSlowExfilRule writes.</summary>
    public enum LowSlowExfilRuleFormat
    {
        /// <summary>An ARM template with one Microsoft.SecurityInsights/alertRules resource (kind Scheduled).</summary>
        Arm,
        /// <summary>The YAML of a scheduled rule in the Microsoft Sentinel content repository.</summary>
        Yaml,
    }

    /// <summary>
    /// Writes the hunt as a Microsoft Sentinel scheduled analytics rule that deploys: at most 14 days, ago(),
    /// entities, custom details and alert texts within the documented limits (see ScheduledRule).
    /// </summary>
    [Cmdlet(VerbsData.Export, "LowSlowExfilRule", SupportsShouldProcess = true)]
    [OutputType(typeof(string), typeof(FileInfo))]
    public sealed class ExportLowSlowExfilRuleCommand : ExfilDomainCommandBase
    {
        /// <summary>The file to write (.json: ARM template, .yaml/.yml: content-repository YAML). Without it, the text is output.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; }

        /// <summary>Arm or Yaml; by default from the file's extension, else Arm.</summary>
        [Parameter]
        public LowSlowExfilRuleFormat Format { get; set; }

        /// <summary>How far back the rule looks, in days (1 to 14; default 14, the most a scheduled rule allows).</summary>
        /// <remarks>No [ValidateRange]: the core refuses a longer window with the reason and what to do instead.</remarks>
        [Parameter]
        public int Days { get; set; } = 14;

        /// <summary>How often the rule runs (default one day).</summary>
        [Parameter]
        public TimeSpan Frequency { get; set; } = TimeSpan.FromDays(1);

        /// <summary>Zscore threshold (default 3.0).</summary>
        [Parameter]
        [ValidateFinite]
        public double ZScoreThreshold { get; set; } = FlagThresholds.DefaultZScore;

        /// <summary>Anonymous links threshold (default 3).</summary>
        [Parameter]
        [ValidateRange(0, long.MaxValue)]
        public long AnonymousLinkThreshold { get; set; } = FlagThresholds.DefaultAnonymousLinks;

        /// <summary>MB uploaded beside anonymous links (default 10).</summary>
        [Parameter]
        [ValidateRange(0, double.MaxValue)]
        public double AnonymousLinkMinMB { get; set; } = FlagThresholds.DefaultAnonymousLinkMinMB;

        /// <summary>Active days for persistence (default: the rule's 20 of 30 days, scaled to -Days).</summary>
        [Parameter]
        [ValidateRange(0, 3650)]
        public long PersistenceDays { get; set; }

        /// <summary>MB uploaded for persistence (default: the rule's 50 MB over 30 days, scaled to -Days).</summary>
        [Parameter]
        [ValidateRange(0, double.MaxValue)]
        public double PersistenceMinMB { get; set; }

        /// <summary>Do not replace an existing file.</summary>
        [Parameter]
        [Alias("NoOverwrite")]
        public SwitchParameter NoClobber { get; set; }

        /// <summary>Also replace a read-only file.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Output the file written.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing()
        {
            var bound = MyInvocation.BoundParameters;
            var (domains, catalog) = ResolveDestinations();
            FileInfo file = Path != null ? OutputFile.Resolve(this, Path, NoClobber, "a rule file") : null;
            var format = bound.ContainsKey(nameof(Format)) ? Format : FormatOf(file);

            ScheduledRule rule;
            string text;
            try
            {
                if (Days < 1) throw new ArgumentOutOfRangeException(nameof(Days), Days, "The rule's window is at least one day: give -Days from 1 to 14.");
                var options = new HuntOptions(null, Days, domains, kqlCompatible: false, catalog);
                rule = ScheduledRule.Create(options, new FlagThresholds
                {
                    ZScore = ZScoreThreshold,
                    AnonymousLinks = AnonymousLinkThreshold,
                    AnonymousLinkMinMB = AnonymousLinkMinMB,
                    PersistenceDays = PersistenceDays,
                    PersistenceMinMB = PersistenceMinMB,
                }, Days, Frequency, bound.ContainsKey(nameof(PersistenceDays)), bound.ContainsKey(nameof(PersistenceMinMB)));
                text = format == LowSlowExfilRuleFormat.Yaml ? rule.ToContentYaml() : rule.ToArmTemplate();
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, "RuleNotDeployable", ErrorCategory.InvalidArgument, null));
                return;
            }
            foreach (string w in rule.Warnings) WriteWarning(w);
            WriteVerbose($"Scheduled rule: the last {rule.Days} days (queryPeriod {ScheduledRule.XmlDuration(rule.Period)}), run every {ScheduledRule.XmlDuration(rule.Frequency)}, {rule.Domains.Count} destination domains, query of {rule.Query.Length:N0} of at most {ScheduledRuleLimits.MaxQueryLength:N0} characters; " +
                $"flags Zscore >= {rule.Thresholds.ZScore}, or {rule.Thresholds.AnonymousLinks} anonymous links and > {rule.Thresholds.AnonymousLinkMinMB} MB, or {rule.Thresholds.PersistenceDays} days and > {rule.Thresholds.PersistenceMinMB} MB.");

            if (file == null)
            {
                WriteObject(text);
                return;
            }
            string path = file.FullName;
            bool readOnly = file.Exists && (file.Attributes & FileAttributes.ReadOnly) != 0;
            if (readOnly && !Force)
                ThrowTerminatingError(new ErrorRecord(new UnauthorizedAccessException($"The file '{path}' is read-only; use -Force to replace it."),
                    "FileReadOnly", ErrorCategory.PermissionDenied, path));
            if (!ShouldProcess(path, $"Write the scheduled analytics rule as {(format == LowSlowExfilRuleFormat.Yaml ? "content-repository YAML" : "an ARM template")}")) return;
            try
            {
                if (readOnly) file.Attributes &= ~FileAttributes.ReadOnly;
                try
                {
                    File.WriteAllText(path, text, new UTF8Encoding(false));
                }
                finally
                {
                    if (readOnly) { file.Refresh(); if (file.Exists) file.Attributes |= FileAttributes.ReadOnly; }
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is System.Security.SecurityException)
            {
                ThrowTerminatingError(new ErrorRecord(e, "RuleWriteFailed", ErrorCategory.WriteError, path));
            }
            WriteVerbose($"Wrote {path}.");
            if (PassThru) WriteObject(new FileInfo(path));
        }

        private LowSlowExfilRuleFormat FormatOf(FileInfo file)
        {
            if (file == null) return LowSlowExfilRuleFormat.Arm;
            string ext = file.Extension.ToLowerInvariant();
            if (ext == ".yaml" || ext == ".yml") return LowSlowExfilRuleFormat.Yaml;
            if (ext == ".json") return LowSlowExfilRuleFormat.Arm;
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"'{file.Name}' ends neither in .json (an ARM template) nor in .yaml or .yml (content-repository YAML): name the file so, or give -Format."),
                "RuleFormatUnknown", ErrorCategory.InvalidArgument, file.FullName));
            return LowSlowExfilRuleFormat.Arm;
        }
    }
}
