using D3kos.Testing;

namespace D3kos.Backup.Tests;

/// <summary>The test classes that copy to S3 share one Ceph cluster: a second one would double the slowest set-up in the suite.</summary>
[CollectionDefinition(Name)]
public sealed class CephCollection : ICollectionFixture<CephGateway>
{
    public const string Name = "Ceph gateway";
}
