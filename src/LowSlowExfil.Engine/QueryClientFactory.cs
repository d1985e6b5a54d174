using System;
using LowSlowExfil.Workspace;

namespace LowSlowExfil.Engine
{
    /// <summary>
    /// The engine's one public entry point. The module loads this assembly (and Azure.Core, Azure.Identity and
    /// their dependencies) from its Dependencies folder in an isolated load context and calls <see cref="Create"/>
    /// by reflection; only LowSlowExfil.Core's contracts (<see cref="IQueryClient"/>, <see cref="QueryConnection"/>,
    /// <see cref="QueryTable"/>, the exceptions) cross the boundary.
    /// </summary>
    public static class QueryClientFactory
    {
        /// <summary>
        /// A client for a Log Analytics workspace (<see cref="QueryConnection.WorkspaceId"/>) or an Azure Data
        /// Explorer database (<see cref="QueryConnection.ClusterUri"/> and <see cref="QueryConnection.Database"/>).
        /// Throws <see cref="ArgumentException"/> for an invalid connection (no target, unknown environment, plain
        /// http to anything but a loopback address, missing credential parts) before anything is sent.
        /// </summary>
        public static IQueryClient Create(QueryConnection connection)
        {
            if (connection == null) throw new ArgumentNullException(nameof(connection));
            return new KustoQueryClient(connection);
        }

        /// <summary>
        /// A client for a data collection rule's stream (Logs Ingestion API). Throws <see cref="ArgumentException"/>
        /// for an invalid connection (no endpoint, plain http to anything but loopback, bad rule id or stream) before anything is sent.
        /// </summary>
        public static IIngestionClient CreateIngestion(IngestionConnection connection)
        {
            if (connection == null) throw new ArgumentNullException(nameof(connection));
            return new LogsIngestionClient(connection);
        }
    }
}
