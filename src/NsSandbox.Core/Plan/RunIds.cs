namespace NsSandbox.Core.Plan;

/// <summary>Run identifiers: sortable by start time, unique across concurrent launchers. The random part comes
/// from Guid (the kernel's random bytes through System.Native), not System.Security.Cryptography, which would
/// load OpenSSL at every launch: slower, and fatal where libssl is absent (minimal images, the test VM).</summary>
public static class RunIds
{
    public static string New() => $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..8]}";
}
