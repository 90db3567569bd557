using System.Net;
using System.Net.NetworkInformation;

namespace NsSandbox.Linux.Net;

/// <summary>The addresses of the launcher's own network namespace: in egress mode the sandbox may not reach the
/// host through them (slirp4netns' sockets live here, so they would).</summary>
public static class HostAddresses
{
    public static IReadOnlyList<IPAddress> Local() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => new IPAddress(a.Address.GetAddressBytes())) // without the IPv6 scope id
            .Distinct()
            .ToList();
}
