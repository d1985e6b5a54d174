using System.Globalization;
using System.Management.Automation;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// Refuses NaN and ±Infinity for a threshold: a score compared with NaN never passes (the clause silently flags
    /// nobody), and neither value can be written into KQL. [ValidateRange] cannot express "any finite number".
    /// </summary>
    internal sealed class ValidateFiniteAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            if (arguments is double d && (double.IsNaN(d) || double.IsInfinity(d)))
                throw new ValidationMetadataException(
                    $"{d.ToString(CultureInfo.InvariantCulture)} is not a threshold a score can be compared with: give a finite number, such as 3 or 2.5.");
        }
    }
}
