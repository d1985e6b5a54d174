using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// Windows PowerShell 5.1 cannot run here, so its loading is checked on paper, over the package as it ships
    /// (out/package/LowSlowExfil, from build.ps1 Package): every reference of every assembly in module/bin and
    /// module/bin/Dependencies, read with System.Reflection.Metadata, must be satisfied at the version asked for or
    /// above — by .NET Framework 4.7.2 (the manifest's DotNetFrameworkVersion; its assemblies and facades from the
    /// reference pack), or by the file the module's own resolver (DesktopAssemblyResolver, called here from the
    /// packaged LowSlowExfil.dll) answers for that requester. What this cannot prove: that .NET Framework's binder
    /// raises AssemblyResolve where this expects it, or anything about code paths that run only there.
    /// </summary>
    public sealed class PackageClosureTests
    {
        private static readonly string Package = Path.Combine(TestPaths.RepoRoot, "out", "package", "LowSlowExfil");
        private static readonly string Bin = Path.Combine(Package, "module", "bin");
        private static readonly string Dependencies = Path.Combine(Bin, "Dependencies");

        /// <summary>References that never bind on .NET Framework, each with why that is safe.</summary>
        private static readonly Dictionary<(string From, string Name), string> NeverBoundOnDesktop = new Dictionary<(string, string), string>
        {
            [("LowSlowExfil", "System.Runtime.Loader")] = "only EngineLoader.IsolatedContext names AssemblyLoadContext, and it runs only on PowerShell 7",
        };

        private sealed class Reference
        {
            public string From;        // the referencing assembly's file
            public AssemblyName Name;  // what it asks for
        }

        private static IReadOnlyList<Reference> PackageReferences()
        {
            Assert.True(File.Exists(Path.Combine(Package, "LowSlowExfil.psd1")), $"{Package} is missing: 'dotnet pwsh ./build.ps1 Package' (which Test runs) writes it.");
            var refs = new List<Reference>();
            foreach (string dll in Directory.GetFiles(Bin, "*.dll").Concat(Directory.GetFiles(Dependencies, "*.dll")))
            {
                using var pe = new PEReader(File.OpenRead(dll));
                var md = pe.GetMetadataReader();
                foreach (var h in md.AssemblyReferences)
                {
                    var r = md.GetAssemblyReference(h);
                    var name = new AssemblyName { Name = md.GetString(r.Name), Version = r.Version, CultureName = md.GetString(r.Culture) };
                    byte[] key = md.GetBlobBytes(r.PublicKeyOrToken);
                    if ((r.Flags & AssemblyFlags.PublicKey) != 0) name.SetPublicKey(key); else name.SetPublicKeyToken(key);
                    refs.Add(new Reference { From = dll, Name = name });
                }
            }
            Assert.True(refs.Count > 100, $"Only {refs.Count} references read from {Package}.");
            return refs;
        }

        /// <summary>
        /// The raw feed writers (NSS CEF, Cloud NSS, Purview, Management API) are test data makers: they live in
        /// tests/LowSlowExfil.TestSupport, and nothing of them ships. New-LowSlowExfilSampleData needs only the tenant
        /// and the Log Analytics export writers.
        /// </summary>
        [Fact]
        public void ThePackage_ShipsNoTestSupport()
        {
            Assert.True(File.Exists(Path.Combine(Package, "LowSlowExfil.psd1")), $"{Package} is missing: 'dotnet pwsh ./build.ps1 Package' (which Test runs) writes it.");
            var files = Directory.GetFiles(Package, "*", SearchOption.AllDirectories);
            Assert.DoesNotContain(files, f => Path.GetFileName(f).StartsWith("LowSlowExfil.TestSupport", StringComparison.OrdinalIgnoreCase));
            var types = new List<string>();
            foreach (string dll in files.Where(f => f.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && Path.GetFileName(f).StartsWith("LowSlowExfil", StringComparison.Ordinal)))
            {
                using var pe = new PEReader(File.OpenRead(dll));
                var md = pe.GetMetadataReader();
                foreach (var h in md.TypeDefinitions)
                {
                    var t = md.GetTypeDefinition(h);
                    types.Add(md.GetString(t.Namespace) + "." + md.GetString(t.Name));
                }
            }
            Assert.Contains("LowSlowExfil.SampleData.SampleExportWriter", types);
            Assert.DoesNotContain("LowSlowExfil.SampleData.SampleRawFeedWriter", types);
        }

        /// <summary>.NET Framework 4.7.2's assemblies and facades (netstandard.dll among them), name → version.</summary>
        private static Dictionary<string, Version> InBox472()
        {
            string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            if (string.IsNullOrEmpty(packages)) packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            string root = Path.Combine(packages, "microsoft.netframework.referenceassemblies.net472", "1.0.3", "build", ".NETFramework", "v4.7.2");
            Assert.True(Directory.Exists(root), $"{root} is missing: the test project restores Microsoft.NETFramework.ReferenceAssemblies.net472 (PackageDownload).");
            var inBox = new Dictionary<string, Version>(StringComparer.OrdinalIgnoreCase);
            foreach (string dll in Directory.GetFiles(root, "*.dll").Concat(Directory.GetFiles(Path.Combine(root, "Facades"), "*.dll")))
            {
                AssemblyName n;
                try { n = AssemblyName.GetAssemblyName(dll); }
                catch (BadImageFormatException) { continue; } // a module, not an assembly
                inBox[n.Name] = n.Version;
            }
            Assert.True(inBox.ContainsKey("mscorlib") && inBox.ContainsKey("netstandard"), "The reference pack has no mscorlib or netstandard.");
            // The host itself: Windows PowerShell 5.1's System.Management.Automation (in the GAC) is 3.0.0.0.
            inBox["System.Management.Automation"] = new Version(3, 0, 0, 0);
            return inBox;
        }

        /// <summary>DesktopAssemblyResolver.Choose from the packaged LowSlowExfil.dll, loaded apart from this process's code.</summary>
        private static Func<string, string, string> PackagedChoose()
        {
            var alc = new AssemblyLoadContext("package-closure", isCollectible: true);
            var asm = alc.LoadFromAssemblyPath(Path.Combine(Bin, "LowSlowExfil.dll"));
            var type = asm.GetType("LowSlowExfil.Commands.DesktopAssemblyResolver");
            Assert.True(type != null, "The packaged LowSlowExfil.dll has no DesktopAssemblyResolver: its Windows PowerShell resolve rule is missing.");
            var choose = type.GetMethod("Choose", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public, null,
                new[] { typeof(string), typeof(string), typeof(string), typeof(string) }, null);
            Assert.NotNull(choose);
            return (name, requester) => (string)choose.Invoke(null, new object[] { name, requester, Bin, Dependencies });
        }

        private static bool AtLeast(AssemblyName found, AssemblyName asked) =>
            string.Equals(found.Name, asked.Name, StringComparison.OrdinalIgnoreCase)
            && (asked.Version == null || found.Version >= asked.Version)
            && (asked.GetPublicKeyToken() is not { Length: > 0 } want || want.SequenceEqual(found.GetPublicKeyToken() ?? Array.Empty<byte>()));

        private static string Where(string file) => Path.GetRelativePath(Package, file).Replace('\\', '/');

        [Fact]
        public void TheManifest_NamesTheDotNetFramework_TheClosureIsCheckedAgainst()
        {
            // netstandard2.0 assemblies need netstandard.dll, in the box from .NET Framework 4.7.1 on.
            string manifest = File.ReadAllText(Path.Combine(Package, "LowSlowExfil.psd1"));
            var m = Regex.Match(manifest, @"^\s*DotNetFrameworkVersion\s*=\s*'([0-9.]+)'", RegexOptions.Multiline);
            Assert.True(m.Success, "The manifest has no DotNetFrameworkVersion: Windows PowerShell 5.1 would import the module on a .NET Framework without netstandard.dll.");
            Assert.True(Version.Parse(m.Groups[1].Value) >= new Version(4, 7, 2), $"DotNetFrameworkVersion {m.Groups[1].Value} is below 4.7.2, which the closure is checked against.");
        }

        [Fact]
        public void EveryReference_IsSatisfiedOnWindowsPowerShell51_AtTheVersionAskedForOrAbove()
        {
            var inBox = InBox472();
            var choose = PackagedChoose();
            var problems = new List<string>();
            int fromBox = 0, fromPackage = 0;
            foreach (var r in PackageReferences())
            {
                string from = Path.GetFileNameWithoutExtension(r.From);
                if (inBox.TryGetValue(r.Name.Name, out var v) && v >= r.Name.Version) { fromBox++; continue; }
                if (NeverBoundOnDesktop.ContainsKey((from, r.Name.Name))) continue;
                string chosen = choose(r.Name.FullName, r.From);
                if (chosen == null)
                {
                    problems.Add($"{Where(r.From)} asks for {r.Name.FullName}: neither .NET Framework 4.7.2{(v != null ? $" (has {v})" : "")} nor the module's resolver answers it.");
                    continue;
                }
                // Checked here again, not taken on the resolver's word.
                var found = AssemblyName.GetAssemblyName(chosen);
                if (!AtLeast(found, r.Name)) problems.Add($"{Where(r.From)} asks for {r.Name.FullName} and would get {Where(chosen)} ({found.FullName}).");
                else fromPackage++;
            }
            Assert.True(problems.Count == 0, string.Join("\n", problems));
            Assert.True(fromBox > 20 && fromPackage > 50, $"{fromBox} references from the box, {fromPackage} from the package.");
        }

        [Fact]
        public void TheEnginesRequests_AreAnsweredFromDependenciesFirst_AndTheSharedContractFromBin()
        {
            var choose = PackagedChoose();
            string azureCore = Path.Combine(Dependencies, "Azure.Core.dll");
            string msal = Path.Combine(Dependencies, "Microsoft.Identity.Client.dll");
            string core = Path.Combine(Bin, "LowSlowExfil.Core.dll");
            // Names shipped in both folders: MSAL's and Azure.Core's requests bind the one copy in Dependencies/.
            var shared = Directory.GetFiles(Dependencies, "*.dll").Select(Path.GetFileName).Intersect(Directory.GetFiles(Bin, "*.dll").Select(Path.GetFileName)).ToList();
            Assert.Contains("System.Text.Json.dll", shared);
            foreach (string file in shared)
            {
                var engineCopy = AssemblyName.GetAssemblyName(Path.Combine(Dependencies, file));
                foreach (string requester in new[] { azureCore, msal })
                    Assert.Equal(Path.Combine(Dependencies, file), choose(engineCopy.FullName, requester));
            }
            // MSAL asks for System.Text.Json 6.0 (bin has 8.0, Dependencies 10.0): Dependencies', as Azure.Core gets.
            Assert.Equal(Path.Combine(Dependencies, "System.Text.Json.dll"), choose("System.Text.Json, Version=6.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51", msal));
            Assert.Equal(core, choose(AssemblyName.GetAssemblyName(core).FullName, Path.Combine(Dependencies, "LowSlowExfil.Engine.dll")));
            // The cmdlets' side never gets the engine's copies.
            Assert.Equal(Path.Combine(Bin, "System.Text.Json.dll"), choose(AssemblyName.GetAssemblyName(Path.Combine(Bin, "System.Text.Json.dll")).FullName, core));
            Assert.Null(choose("Azure.Core, Version=1.0.0.0, Culture=neutral, PublicKeyToken=92742159e12e44c8", core));
        }

        [Fact]
        public void TheResolver_AnswersOnlyTheModulesOwnAssemblies_ForNamesItShips_AtTheVersionAskedOrAbove()
        {
            var choose = PackagedChoose();
            string stj = AssemblyName.GetAssemblyName(Path.Combine(Bin, "System.Text.Json.dll")).FullName;
            string core = Path.Combine(Bin, "LowSlowExfil.Core.dll");
            // Another module (Az.Accounts' Azure.Core, in its own folder) asking for a name this module ships: not ours to answer.
            Assert.Null(choose(stj, Path.Combine(Path.GetTempPath(), "Az.Accounts", "Azure.Core.dll")));
            Assert.Null(choose(stj, null));
            Assert.Null(choose(stj, ""));
            // A name the module does not ship, a newer version than it ships, another signer, a path in the name.
            Assert.Null(choose("Newtonsoft.Json, Version=13.0.0.0, Culture=neutral, PublicKeyToken=30ad4fe6b2a6aeed", core));
            Assert.Null(choose("System.Text.Json, Version=99.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51", core));
            Assert.Null(choose("System.Text.Json, Version=8.0.0.0, Culture=neutral, PublicKeyToken=0123456789abcdef", core));
            Assert.Null(choose("..\\..\\evil, Version=1.0.0.0", core));
            Assert.Null(choose("not an assembly name,,,=", core));
            // An older version asked for is answered with the copy shipped (there are no binding redirects on 5.1).
            Assert.Equal(Path.Combine(Bin, "System.Text.Json.dll"), choose("System.Text.Json, Version=6.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51", core));
        }

        [Fact]
        public void TheResolver_IsRemovedWhenTheModuleIs()
        {
            var alc = new AssemblyLoadContext("package-resolver", isCollectible: true);
            var type = alc.LoadFromAssemblyPath(Path.Combine(Bin, "LowSlowExfil.dll")).GetType("LowSlowExfil.Commands.DesktopAssemblyResolver", throwOnError: true);
            var flags = BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public;
            bool Registered() => (bool)type.GetProperty("IsRegistered", flags).GetValue(null);
            void Call(string method) => type.GetMethod(method, flags).Invoke(null, null);
            Assert.False(Registered());
            Call("Register");
            Call("Register");
            Assert.True(Registered());
            Call("Unregister");
            Assert.False(Registered());
            Call("Unregister");
            Assert.False(Registered());
        }
    }
}
