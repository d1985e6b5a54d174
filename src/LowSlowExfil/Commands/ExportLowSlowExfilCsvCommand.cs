using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using LowSlowExfil.Reporting;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// Export-Csv for spreadsheets: writes the objects piped in (candidates, profiles, rows of -Daily/-Destinations/
    /// -Channels/-Operations) as CSV, like Export-Csv -NoTypeInformation, except that a cell a spreadsheet would run as a
    /// formula (=, +, -, @, tab or CR first, and not a plain number) is written with a leading single quote. Log values
    /// such as user names are attacker-controlled; the objects themselves are never changed. -Raw writes every cell as
    /// it is. UTF-8 with a byte order mark, so Excel reads non-ASCII names right.
    /// </summary>
    [Cmdlet(VerbsData.Export, "LowSlowExfilCsv", SupportsShouldProcess = true)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportLowSlowExfilCsvCommand : PSCmdlet
    {
        private StreamWriter _writer;
        private string _path;
        private List<string> _columns;
        private long _rows, _neutralized;
        private bool _skip;

        /// <summary>The objects to write (usually piped in).</summary>
        [Parameter(ValueFromPipeline = true)]
        [AllowNull]
        public PSObject InputObject { get; set; }

        /// <summary>The CSV file to write (taken literally).</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        [Alias("FilePath", "LiteralPath")]
        public string Path { get; set; }

        /// <summary>Write every cell as it is, formula-like or not.</summary>
        [Parameter]
        public SwitchParameter Raw { get; set; }

        /// <summary>Do not overwrite an existing file.</summary>
        [Parameter]
        [Alias("NoOverwrite")]
        public SwitchParameter NoClobber { get; set; }

        /// <summary>Emit the written file.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing()
        {
            _path = OutputFile.Resolve(this, Path, NoClobber, "a CSV file").FullName;
            if (!ShouldProcess(_path, Raw ? "Write CSV (cells as they are)" : "Write CSV (formula-like cells quoted for spreadsheets)"))
            {
                _skip = true;
                return;
            }
            try
            {
                _writer = new StreamWriter(_path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true)) { NewLine = "\n" };
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is System.Security.SecurityException)
            {
                ThrowTerminatingError(new ErrorRecord(e, "CsvWriteFailed", ErrorCategory.WriteError, _path));
            }
        }

        protected override void ProcessRecord()
        {
            if (_skip || InputObject == null) return;
            var properties = InputObject.Properties.Where(p => p.IsGettable && (p.MemberType & PSMemberTypes.Properties) != 0).ToList();
            if (_columns == null)
            {
                _columns = properties.Select(p => p.Name).ToList();
                _writer.WriteLine(SpreadsheetCsv.Line(_columns, raw: true));
            }
            var cells = new List<string>(_columns.Count);
            foreach (string column in _columns)
            {
                var p = properties.FirstOrDefault(x => string.Equals(x.Name, column, StringComparison.OrdinalIgnoreCase));
                object value = null;
                if (p != null)
                {
                    try { value = p.Value; }
                    catch (GetValueException) { value = null; }
                }
                if (value is PSObject pso) value = pso.BaseObject;
                string cell = SpreadsheetCsv.Cell(value);
                if (!Raw && SpreadsheetCsv.IsFormulaLike(cell)) _neutralized++;
                cells.Add(cell);
            }
            _writer.WriteLine(SpreadsheetCsv.Line(cells, Raw));
            _rows++;
        }

        protected override void EndProcessing()
        {
            if (_skip) return;
            _writer.Dispose();
            _writer = null;
            WriteVerbose($"Wrote {_path}: {_rows} rows" + (Raw ? "." : $", {_neutralized} formula-like cell(s) prefixed with a single quote."));
            if (PassThru) WriteObject(new FileInfo(_path));
        }

        protected override void StopProcessing() => _writer?.Dispose();
    }
}
