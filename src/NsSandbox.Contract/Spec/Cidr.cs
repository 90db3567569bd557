using System.Net;
using System.Net.Sockets;

namespace NsSandbox.Contract;

/// <summary>An IPv4 or IPv6 network in CIDR form, normalized (host bits cleared). The network is kept as text,
/// so a spec holding it serializes plainly.</summary>
public sealed record Cidr(string Network, int PrefixLength)
{
    public bool IsV6 => Network.Contains(':');

    public override string ToString() => $"{Network}/{PrefixLength}";

    /// <summary>"10.0.0.0/8", "fe80::/10", or a single address (a /32 or /128).</summary>
    public static bool TryParse(string text, out Cidr? cidr)
    {
        cidr = null;
        int slash = text.IndexOf('/');
        string addr = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addr, out var ip) || addr.Contains('%')) return false;
        int max = ip.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        int prefix = max;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix > max))
            return false;
        cidr = new Cidr(Mask(ip, prefix).ToString(), prefix);
        return true;
    }

    /// <summary>Whether <paramref name="ip"/> is in this range (an address of the other family never is).</summary>
    public bool Contains(IPAddress ip)
    {
        if ((ip.AddressFamily == AddressFamily.InterNetworkV6) != IsV6) return false;
        return Mask(ip, PrefixLength).ToString() == Network;
    }

    public static Cidr Host(IPAddress ip) => new(ip.ToString(), ip.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32);

    private static IPAddress Mask(IPAddress ip, int prefix)
    {
        byte[] bytes = ip.GetAddressBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            int keep = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xff << (8 - keep));
        }
        return new IPAddress(bytes);
    }
}
