namespace LowSlowExfil.Readers
{
    /// <summary>
    /// An issue found by <see cref="ProxyCsvScanner"/>, with its line numbers relative to where the scan started: a
    /// parallel read learns where its range starts in the file only when all ranges are done, so the line a reason
    /// names (where a quoted field opened) is shifted with the issue's own line, not baked into the text early.
    /// </summary>
    internal readonly struct ScanIssue
    {
        private readonly string _file, _reason;
        private readonly long _line, _record, _openedOn;

        public ScanIssue(string file, long line, long record, string reason, long openedOn)
        {
            _file = file;
            _line = line;
            _record = record;
            _reason = reason;
            _openedOn = openedOn;
        }

        public ReadIssue ToIssue(long lineShift = 0, long recordShift = 0) => new ReadIssue(_file, _line + lineShift, _record + recordShift,
            _openedOn < 0 ? _reason : string.Format(System.Globalization.CultureInfo.InvariantCulture, _reason, _openedOn + lineShift));
    }
}
