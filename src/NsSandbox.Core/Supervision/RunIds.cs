namespace NsSandbox.Core.Supervision;

/// <summary>Run identifiers: sortable by start time, unique across concurrent launchers.</summary>
public static class RunIds
{
    // Random.Shared is seeded from the kernel's randomness per process. The id need not be secret (runs/ is
    // 0700); RandomNumberGenerator would load OpenSSL, which cost ~170 page faults per launch.
    public static string New()
    {
        Span<byte> bytes = stackalloc byte[4];
        Random.Shared.NextBytes(bytes);
        return $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Convert.ToHexString(bytes).ToLowerInvariant()}";
    }
}
