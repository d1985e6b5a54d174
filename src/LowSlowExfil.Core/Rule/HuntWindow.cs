using System;

namespace LowSlowExfil.Rule
{
    /// <summary>
    /// The hunt window (EndTime − Days, EndTime]. The lower bound is strict, as in the rule's
    /// <c>TimeGenerated &gt; ago(HuntWindow)</c>. The rule has no upper bound; the module keeps none only in
    /// KQL-compatible mode without an explicit end time.
    /// </summary>
    public sealed class HuntWindow
    {
        public HuntWindow(DateTime endUtc, int days, bool hasUpperBound = true)
        {
            if (days < 1) throw new ArgumentOutOfRangeException(nameof(days), days, "Days must be at least 1.");
            End = ToUtc(endUtc);
            Days = days;
            Start = End.AddDays(-days);
            HasUpperBound = hasUpperBound;
        }

        public DateTime Start { get; }
        public DateTime End { get; }
        public int Days { get; }
        public bool HasUpperBound { get; }

        public bool Contains(DateTime utc) => utc > Start && (!HasUpperBound || utc <= End);

        public static DateTime ToUtc(DateTime t) =>
            t.Kind == DateTimeKind.Utc ? t
            : t.Kind == DateTimeKind.Local ? t.ToUniversalTime()
            : DateTime.SpecifyKind(t, DateTimeKind.Utc);

        public override string ToString() => $"({Start:yyyy-MM-ddTHH:mm:ss.fffZ}, {End:yyyy-MM-ddTHH:mm:ss.fffZ}{(HasUpperBound ? "]" : " … open)")}";
    }
}
