using System.Security.Cryptography;

namespace NsSandbox.Core.Supervision;

/// <summary>Run identifiers: sortable by start time, unique across concurrent launchers.</summary>
public static class RunIds
{
    public static string New() =>
        $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}";
}
