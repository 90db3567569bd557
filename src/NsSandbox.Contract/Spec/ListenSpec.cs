using System.Net;

namespace NsSandbox.Contract;

/// <summary>Mode listen's settings (nsjail's names): where to listen and how many connections to serve at once.
/// Like the mode itself they are not part of the spec, which says what each connection's sandbox is.</summary>
public sealed record ListenSpec
{
    /// <summary>The TCP port; 0 lets the kernel choose one (the listener logs which).</summary>
    public required int Port { get; init; }
    /// <summary>The address to listen on: "::" (nsjail's default) is every address of both families.</summary>
    public required IPAddress BindHost { get; init; }
    /// <summary>Connections served at once, from all clients; 0 is no limit.</summary>
    public uint MaxConns { get; init; }
    /// <summary>Connections served at once from one client address; 0 is no limit.</summary>
    public uint MaxConnsPerIp { get; init; }
}
