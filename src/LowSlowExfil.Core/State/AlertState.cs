using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace LowSlowExfil.State
{
    /// <summary>
    /// Which user-days were already alerted, so a daily scheduled hunt does not raise the same uploads again.
    /// A flagged user is raised again only when they uploaded on a day no earlier alert covered. The file is
    /// JSON, written to a temporary file beside it and then renamed over it, so a crash mid-write leaves the
    /// previous state whole. Hunts that share a file serialise on its <see cref="AlertStateLock"/>, held from Load to Save.
    /// </summary>
    public sealed class AlertState
    {
        /// <summary>Days kept before the window start, so a rerun over a slightly earlier window still knows them.</summary>
        public static readonly TimeSpan Retention = TimeSpan.FromDays(90);

        private const int FormatVersion = 1;
        private readonly Dictionary<string, SortedSet<DateTime>> _alerted = new Dictionary<string, SortedSet<DateTime>>(StringComparer.Ordinal);

        private AlertState(string path) { Path = path; }

        public string Path { get; }

        /// <summary>Set when the file existed but could not be read; it was moved aside to this path.</summary>
        public string? QuarantinedTo { get; private set; }

        /// <summary>The reason the file could not be read, when <see cref="QuarantinedTo"/> is set.</summary>
        public string? LoadError { get; private set; }

        public int Users => _alerted.Count;

        /// <summary>Test seam: wraps the temporary file's stream in <see cref="Save"/> (to simulate a failure mid-write).</summary>
        internal Func<Stream, Stream>? WrapTempStream { get; set; }

        /// <summary>Loads the state (an absent file is an empty state). An unreadable file is moved aside and the state starts empty:
        /// re-raising alerts is safer than silently suppressing them. Callers that share the file hold its <see cref="AlertStateLock"/>.</summary>
        public static AlertState Load(string path)
        {
            var state = new AlertState(path);
            byte[] bytes;
            try
            {
                if (!File.Exists(path)) return state;
                bytes = File.ReadAllBytes(path);
            }
            // Removed between the check and the read (by hand, or by a hunt that did not take the lock): absent.
            catch (FileNotFoundException) { return state; }
            try
            {
                using (var doc = JsonDocument.Parse(bytes))
                {
                    var root = doc.RootElement;
                    if (!root.TryGetProperty("version", out var v) || v.GetInt32() != FormatVersion)
                        throw new InvalidDataException($"unsupported state format (expected version {FormatVersion})");
                    foreach (var user in root.GetProperty("users").EnumerateObject())
                    {
                        var days = new SortedSet<DateTime>();
                        foreach (var d in user.Value.EnumerateArray())
                            days.Add(DateTime.SpecifyKind(DateTime.ParseExact(d.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture), DateTimeKind.Utc));
                        state._alerted[user.Name] = days;
                    }
                }
            }
            catch (Exception e) when (e is JsonException || e is InvalidDataException || e is FormatException || e is InvalidOperationException || e is KeyNotFoundException
                || e is ArgumentException)
            {
                state._alerted.Clear();
                state.LoadError = Unreadable(e);
                state.QuarantinedTo = Quarantine(path);
            }
            return state;
        }

        /// <summary>
        /// Moves an unreadable state aside to "&lt;path&gt;.unreadable-&lt;UTC time&gt;", never over an earlier copy:
        /// a second one in the same second gets "-2", "-3", ... A move is a rename in the same folder, so it is atomic.
        /// </summary>
        private static string Quarantine(string path)
        {
            string stem = path + ".unreadable-" + DateTime.UtcNow.ToString("yyyyMMddTHHmmssZ", CultureInfo.InvariantCulture);
            for (int n = 1; ; n++)
            {
                string target = n == 1 ? stem : stem + "-" + n.ToString(CultureInfo.InvariantCulture);
                if (File.Exists(target) || Directory.Exists(target)) continue;
                try
                {
                    File.Move(path, target);
                    return target;
                }
                catch (IOException) when (n < 100 && File.Exists(path) && (File.Exists(target) || Directory.Exists(target)))
                {
                    // Taken between the check and the move: try the next name.
                }
            }
        }

        /// <summary>
        /// Checks, before a hunt reads anything, that its state can be saved at <paramref name="path"/>: not a folder, in a
        /// folder that exists (created when missing) and that this process may create files in, and not a read-only file.
        /// Found after the hunt, any of these would leave the hunt's alerts unrecorded.
        /// </summary>
        /// <exception cref="StatePathException">The state cannot be saved there; the message says why.</exception>
        public static void CheckSavable(string path)
        {
            string full = System.IO.Path.GetFullPath(path);
            if (Directory.Exists(full))
                throw new StatePathException(StatePathProblem.IsFolder, full, $"'{full}' is a folder, not a file.");
            string folder = System.IO.Path.GetDirectoryName(full);
            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new StatePathException(StatePathProblem.FolderNotWritable, full, $"its folder '{folder}' does not exist and cannot be created: {e.Message}", e);
            }
            // A file made and deleted again, as Save's temporary file will be: the only sure test of the folder's permissions.
            string probe = System.IO.Path.Combine(folder, "." + System.IO.Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new StatePathException(StatePathProblem.FolderNotWritable, full, $"files cannot be created in its folder '{folder}': {e.Message}", e);
            }
            finally
            {
                try { if (File.Exists(probe)) File.Delete(probe); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
            if (File.Exists(full) && (File.GetAttributes(full) & FileAttributes.ReadOnly) != 0)
                throw new StatePathException(StatePathProblem.FileReadOnly, full, $"the file '{full}' is read-only.");
        }

        /// <summary>Why a state file was refused, for the analyst (not System.Text.Json's words for a programmer).</summary>
        private static string Unreadable(Exception e)
        {
            switch (e)
            {
                case JsonException j: return Readers.JsonErrorText.NotValid(j, 1, 0);
                case InvalidDataException _: return e.Message;
                case FormatException _: return "a day in it is not a yyyy-MM-dd date";
                default:
                    // A property missing or of another type: the file is JSON, but not a state file.
                    return "it is JSON but not laid out as a state file ({\"version\":" + FormatVersion.ToString(CultureInfo.InvariantCulture) +
                        ",\"users\":{\"user\":[\"yyyy-MM-dd\", …]}})";
            }
        }

        /// <summary>The user's active days not yet covered by an alert.</summary>
        public IReadOnlyList<DateTime> NewDays(string user, IEnumerable<DateTime> activeDays)
        {
            _alerted.TryGetValue(user, out var known);
            return activeDays.Select(Kql.KqlMath.BinDay).Distinct().Where(d => known == null || !known.Contains(d)).OrderBy(d => d).ToList();
        }

        /// <summary>Records that the user was alerted for these days.</summary>
        public void Record(string user, IEnumerable<DateTime> days)
        {
            if (!_alerted.TryGetValue(user, out var known)) _alerted.Add(user, known = new SortedSet<DateTime>());
            foreach (var d in days) known.Add(Kql.KqlMath.BinDay(d));
        }

        /// <summary>Forgets days older than the retention before <paramref name="windowStart"/>.</summary>
        public void Prune(DateTime windowStart)
        {
            // No window (a hunt with no ZIA users): nothing can be older than the retention before it.
            if (windowStart.Ticks < Retention.Ticks) return;
            var cutoff = Kql.KqlMath.BinDay(windowStart) - Retention;
            foreach (var user in _alerted.Keys.ToList())
            {
                _alerted[user].RemoveWhere(d => d < cutoff);
                if (_alerted[user].Count == 0) _alerted.Remove(user);
            }
        }

        /// <summary>Writes the state atomically: a temporary file in the same folder, flushed to disk, then renamed over the old one.</summary>
        public void Save()
        {
            string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
            Directory.CreateDirectory(folder);
            string temp = System.IO.Path.Combine(folder, "." + System.IO.Path.GetFileName(Path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
                {
                    using (var w = new Utf8JsonWriter(WrapTempStream?.Invoke(stream) ?? stream, new JsonWriterOptions { Indented = true }))
                    {
                        w.WriteStartObject();
                        w.WriteNumber("version", FormatVersion);
                        w.WriteString("updated", DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
                        w.WriteStartObject("users");
                        foreach (var user in _alerted.OrderBy(u => u.Key, StringComparer.Ordinal))
                        {
                            w.WriteStartArray(user.Key);
                            foreach (var d in user.Value) w.WriteStringValue(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                            w.WriteEndArray();
                        }
                        w.WriteEndObject();
                        w.WriteEndObject();
                    }
                    stream.Flush(flushToDisk: true);
                }
                if (File.Exists(Path)) File.Replace(temp, Path, null);
                else File.Move(temp, Path);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }
    }

    /// <summary>Why a state file cannot be saved where it was asked for.</summary>
    public enum StatePathProblem
    {
        /// <summary>The path is a folder.</summary>
        IsFolder,
        /// <summary>The folder cannot be created, or files cannot be created in it.</summary>
        FolderNotWritable,
        /// <summary>The state file exists and is read-only.</summary>
        FileReadOnly,
    }

    /// <summary>A state file that could not be saved where it was asked for (see <see cref="AlertState.CheckSavable"/>).</summary>
    public sealed class StatePathException : IOException
    {
        public StatePathException(StatePathProblem problem, string path, string reason, Exception? inner = null) : base(reason, inner)
        {
            Problem = problem;
            Path = path;
        }

        public StatePathProblem Problem { get; }

        public string Path { get; }
    }
}
