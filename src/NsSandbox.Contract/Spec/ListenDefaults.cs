using System.Globalization;
using System.Net;

namespace NsSandbox.Contract;

/// <summary>Mode listen's defaults and the address syntax its bindhost takes.</summary>
public static class ListenDefaults
{
    /// <summary>nsjail's default: every address, IPv6 and IPv4.</summary>
    public const string BindHost = "::";

    /// <summary>The settings (their origin names) that only mode listen has.</summary>
    public static readonly IReadOnlyList<string> Settings = ["port", "bindhost", "max_conns", "max_conns_per_ip"];

    /// <summary>An address as inet_pton reads it, as nsjail takes it: dotted-quad IPv4 or IPv6 without a zone;
    /// null for anything else (a host name, "127.1").</summary>
    public static IPAddress? ParseAddress(string text)
    {
        if (text.Contains('%') || !IPAddress.TryParse(text, out var address)) return null;
        if (text.Contains(':')) return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? address : null;
        string[] parts = text.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit)
            && int.Parse(p, CultureInfo.InvariantCulture) <= 255) ? address : null;
    }
}
