namespace NsSandbox.Core.Supervision;

/// <summary>Run identifiers: sortable by start time, unique across concurrent launchers.</summary>
public static class RunIds
{
    // Random.Shared is seeded by the OS; RandomNumberGenerator would pull in the OpenSSL shim, which aborts the
    // binary at start-up on hosts without libssl (slim container images). Run ids need uniqueness, not secrecy:
    // the per-run directories live under the launcher's own 0700 state directory.
    public static string New() =>
        $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Random.Shared.GetHexString(8, lowercase: true)}";
}
