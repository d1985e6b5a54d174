using static LowSlowExfil.Tests.WorkspaceTestSupport;

namespace LowSlowExfil.Tests
{
    /// <summary>A service that answers the sharing query with a null Operation (KQL never does; a hostile endpoint may).</summary>
    public sealed class WorkspaceHostileRowTests
    {
        private static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

        private static string SharingBody(string operationJson) =>
            "{\"tables\":[{\"name\":\"PrimaryResult\",\"columns\":[" +
            "{\"name\":\"UserName\",\"type\":\"string\"},{\"name\":\"Operation\",\"type\":\"string\"},{\"name\":\"Events\",\"type\":\"long\"}," +
            "{\"name\":\"AnonLinks\",\"type\":\"long\"},{\"name\":\"FirstEvent\",\"type\":\"datetime\"},{\"name\":\"LastEvent\",\"type\":\"datetime\"}]," +
            "\"rows\":[[\"big@x.com\"," + operationJson + ",2,0,\"2026-10-20T10:00:00Z\",\"2026-10-20T11:00:00Z\"]]}]}";

        [Fact]
        public void ASharingRow_WithANullOperation_FailsAsAnUnexpectedSchema()
        {
            // Before: a null dictionary key deep in the accumulator (ArgumentNullException, no word of the column).
            using var server = new FakeLogAnalyticsServer(new EventStore());
            server.Enqueue(new FakeFault { Name = "hostile operation", Status = 200, Body = SharingBody("null") });
            using var client = QueryClientFactory.Create(Connection(server));
            var acc = new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: false));
            var reader = new WorkspaceReader(client);

            var e = Assert.Throws<QueryFailedException>(() => reader.ReadSharing(acc, CancellationToken.None));
            Assert.Equal("UnexpectedSchema", e.Code);
            Assert.Contains("Operation", e.Message);
        }
    }
}
