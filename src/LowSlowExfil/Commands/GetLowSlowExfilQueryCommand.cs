using System;
using System.Management.Automation;
using LowSlowExfil.Kql;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Commands
{
    /// <summary>Which query Get-LowSlowExfilQuery prints.</summary>
    public enum LowSlowExfilQueryKind
    {
        /// <summary>The whole hunt in one query (Sentinel hunting, or an analytics rule).</summary>
        Hunting,
        /// <summary>The module's push-down query for ZIA uploads (per user, day and host).</summary>
        UploadAggregation,
        /// <summary>The module's push-down query for Microsoft 365 sharing (per user and operation).</summary>
        SharingAggregation,
    }

    /// <summary>Prints the KQL equivalent to the module's logic, for Sentinel hunting or a Sentinel rule.</summary>
    [Cmdlet(VerbsCommon.Get, "LowSlowExfilQuery")]
    [OutputType(typeof(string))]
    public sealed class GetLowSlowExfilQueryCommand : HuntWindowCommandBase
    {
        /// <summary>Hunting (default), UploadAggregation or SharingAggregation.</summary>
        [Parameter(Position = 0)]
        public LowSlowExfilQueryKind Kind { get; set; } = LowSlowExfilQueryKind.Hunting;

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

        /// <summary>Active days for persistence (default 20).</summary>
        [Parameter]
        [ValidateRange(0, 3650)]
        public long PersistenceDays { get; set; } = FlagThresholds.DefaultPersistenceDays;

        /// <summary>MB uploaded for persistence (default 50).</summary>
        [Parameter]
        [ValidateRange(0, double.MaxValue)]
        public double PersistenceMinMB { get; set; } = FlagThresholds.DefaultPersistenceMinMB;

        protected override void EndProcessing()
        {
            var options = CreateOptions("InvalidQueryInput", ExfilDomain);
            try
            {
                switch (Kind)
                {
                    case LowSlowExfilQueryKind.UploadAggregation: WriteObject(KqlQueryBuilder.ZiaAggregation(options)); break;
                    case LowSlowExfilQueryKind.SharingAggregation: WriteObject(KqlQueryBuilder.SharingAggregation(options)); break;
                    default:
                        WriteObject(KqlQueryBuilder.HuntingQuery(options, new FlagThresholds
                        {
                            ZScore = ZScoreThreshold,
                            AnonymousLinks = AnonymousLinkThreshold,
                            AnonymousLinkMinMB = AnonymousLinkMinMB,
                            PersistenceDays = PersistenceDays,
                            PersistenceMinMB = PersistenceMinMB,
                        }));
                        break;
                }
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(ReadErrors.ForUser(e), "InvalidQueryInput", ErrorCategory.InvalidArgument, ExfilDomain));
            }
        }
    }
}
