namespace NsSandbox.Client;

/// <summary>One range of the sandbox's uid or gid map (<c>--uid_mapping</c>, <c>--gid_mapping</c>): Count ids from
/// Inside in the sandbox are the host's ids from Outside. Either may be a name (inside: the sandbox root's
/// /etc/passwd or group; outside: the host's). Mapping other than the launcher's own ids needs it to run as root.</summary>
public sealed record IdMapping(string Inside, string Outside, uint Count = 1)
{
    internal string FlagText => Inside.Contains(':') || Outside.Contains(':')
        ? throw new ArgumentException($"'{Inside}' or '{Outside}' is not an id or a name")
        : $"{Inside}:{Outside}:{Count}";
}
