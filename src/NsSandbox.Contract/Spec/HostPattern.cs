using System.Globalization;
using System.Net;

namespace NsSandbox.Contract;

/// <summary>A host name that egress may reach (--net_allow_host NAME[:PORT], docs/network.md): one name, or with
/// <see cref="Wildcard"/> every name below <see cref="Name"/> ("*.example.org" matches a.example.org and
/// a.b.example.org, not example.org itself). Names are compared in lower case without the final dot. A null
/// <see cref="Port"/> means every port.</summary>
public sealed record HostPattern(string Name, bool Wildcard, int? Port)
{
    private const int MaxName = 253, MaxLabel = 63;

    public override string ToString() => (Wildcard ? "*." : "") + Name + (Port is { } p ? ":" + p.ToString(CultureInfo.InvariantCulture) : "");

    /// <summary>Whether <paramref name="name"/> (lower case, no final dot, as <c>DnsName</c> spells it) is this pattern's.</summary>
    public bool Matches(string name) =>
        Wildcard
            ? name.Length > Name.Length + 1 && name.EndsWith(Name, StringComparison.Ordinal) && name[^(Name.Length + 1)] == '.'
            : name == Name;

    /// <summary>Parses NAME[:PORT]; the error says what is wrong, for the flag or key that gave it.</summary>
    public static HostPattern Parse(string origin, string text)
    {
        string value = text.Trim();
        int? port = null;
        int colon = value.LastIndexOf(':');
        if (value.StartsWith('[') || (colon >= 0 && value.IndexOf(':') != colon) || IPAddress.TryParse(value, out _))
            throw new SpecException(origin, $"'{text}' is an address, not a name; allow addresses with --net_allow");
        if (colon >= 0)
        {
            if (!int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p is < 1 or > 65535)
                throw new SpecException(origin, $"'{text}': the port must be a number from 1 to 65535 (NAME or NAME:PORT)");
            port = p;
            value = value[..colon];
        }
        if (IPAddress.TryParse(value, out _))
            throw new SpecException(origin, $"'{text}' is an address, not a name; allow addresses with --net_allow");
        bool wildcard = value.StartsWith("*.", StringComparison.Ordinal);
        string name = (wildcard ? value[2..] : value).TrimEnd('.').ToLowerInvariant();
        if (value == "*" || (wildcard && name.Length == 0))
            throw new SpecException(origin, $"'{text}' would match every name; leave out --net_only to allow every public address");
        if (name.Contains('*'))
            throw new SpecException(origin, $"'{text}': a wildcard may only be '*.' at the start (*.example.org)");
        if (name.Length is 0 or > MaxName || name.Split('.').Any(l => l.Length is 0 or > MaxLabel || !l.All(IsNameChar)))
            throw new SpecException(origin, $"'{text}' is not a host name (letters, digits, '-' and '_' in dot-separated labels, like pypi.org or *.example.org)");
        return new HostPattern(name, wildcard, port);
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
}
