using System;
using System.IO;
using LowSlowExfil.Aggregation;
using LowSlowExfil.Readers;
using LowSlowExfil.Reporting;
using LowSlowExfil.Rule;
using LowSlowExfil.SampleData;
using Xunit;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// Core's entry points handed null where a value is needed: an error that names the parameter or the missing part,
    /// never a NullReferenceException from deep inside, nor a null read as a file that "cannot be read".
    /// </summary>
    public class NullArgumentTests
    {
        [Fact]
        public void LogFileReader_NullPath_NamesThePath()
        {
            var sink = new EventAccumulator(new HuntOptions(new DateTime(2024, 6, 30, 0, 0, 0, DateTimeKind.Utc), 30, null, false));
            var e = Assert.Throws<ArgumentNullException>(() => LogFileReader.Read(null, sink, new ReadContext()));
            Assert.Equal("path", e.ParamName);
        }

        [Fact]
        public void SampleManifest_NullTenantOrPath_NamesIt()
        {
            Assert.Equal("tenant", Assert.Throws<ArgumentNullException>(() => SampleManifest.Write(null, Path.GetTempFileName())).ParamName);
            var tenant = SampleTenant.Generate(new SampleTenantOptions { EndTime = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc), BackgroundUsers = 5 });
            Assert.Equal("path", Assert.Throws<ArgumentNullException>(() => SampleManifest.Write(tenant, null)).ParamName);
        }

        [Fact]
        public void Bicep_TemplateWithoutParameters_SaysWhatIsMissing()
        {
            var e = Assert.Throws<InvalidOperationException>(() => DeploymentBicep.Convert("{}"));
            Assert.Contains("no parameters", e.Message);
        }
    }
}
