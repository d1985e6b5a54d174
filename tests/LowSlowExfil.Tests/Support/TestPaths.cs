namespace LowSlowExfil.Tests
{
    /// <summary>Locations the tests read in place: the repo root and ../shared/fixtures beside it.</summary>
    public static class TestPaths
    {
        public static string RepoRoot { get; } = FindRepoRoot();

        /// <summary>../shared/fixtures from the repo root (never copied into the project).</summary>
        public static string Fixtures => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "fixtures"));

        public static string Fixture(params string[] parts) => Path.Combine(Fixtures, Path.Combine(parts));

        /// <summary>A fresh folder under the system temp directory, removed by the caller's Dispose.</summary>
        public static TempFolder NewTempFolder() => new TempFolder();

        /// <summary>Writes <paramref name="path"/> gzip-compressed beside it (path + ".gz") and returns that path.</summary>
        public static string Gzip(string path)
        {
            string gz = path + ".gz";
            File.WriteAllBytes(gz, Gzip(File.ReadAllBytes(path)));
            return gz;
        }

        /// <summary>One gzip member holding <paramref name="data"/>, as .NET's GZipStream writes it.</summary>
        public static byte[] Gzip(byte[] data)
        {
            using (var ms = new MemoryStream())
            {
                using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
                    gz.Write(data, 0, data.Length);
                return ms.ToArray();
            }
        }

        private static string FindRepoRoot()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "LowSlowExfil.psd1"))) dir = dir.Parent;
            if (dir == null) throw new InvalidOperationException("Cannot find the repo root (LowSlowExfil.psd1) above " + AppContext.BaseDirectory);
            return dir.FullName;
        }
    }

    public sealed class TempFolder : IDisposable
    {
        public TempFolder()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lse-test-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }
        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
