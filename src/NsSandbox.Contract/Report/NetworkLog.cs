namespace NsSandbox.Contract;

/// <summary>What a --net egress run asked of the network (docs/network.md): the names it looked up and the
/// connections the filter refused, so that an allowlist can be built from one run.</summary>
public sealed record NetworkLog
{
    /// <summary>Each name looked up, in the order first asked.</summary>
    public required List<NameLookup> Names { get; init; }
    /// <summary>Names left out of <see cref="Names"/> once it held <c>NetworkLogBuilder.MaxNames</c>.</summary>
    public int? NamesOmitted { get; init; }
    /// <summary>Packets the filter refused (each a connection attempt for TCP).</summary>
    public required ulong RefusedConnections { get; init; }
    /// <summary>The first few of them, in order.</summary>
    public required List<RefusedConnection> FirstRefused { get; init; }
}

/// <summary>The answer a name got, as the report spells it.</summary>
public static class NameVerdict
{
    /// <summary>On the allowlist: its addresses were let through (the deny list too, for an exact name).</summary>
    public const string Allowed = "allowed";
    /// <summary>Not on the allowlist, under --net_only: answered "no such name" and never asked upstream.</summary>
    public const string Refused = "refused";
    /// <summary>Not on the allowlist, without --net_only: answered as the host's resolver answered, its addresses
    /// under the deny list.</summary>
    public const string Forwarded = "forwarded";
}

/// <summary>One name the sandbox looked up: how often, what it was told and the addresses the answers held
/// (after the resolver's rewriting; the first few).</summary>
public sealed record NameLookup
{
    public required string Name { get; init; }
    public required string Verdict { get; init; }
    public required int Queries { get; init; }
    public List<string>? Addresses { get; init; }
}

/// <summary>A packet the filter refused: where it went, and the name that resolved to that address if one did.</summary>
public sealed record RefusedConnection
{
    public required string Address { get; init; }
    public int? Port { get; init; }
    public required string Protocol { get; init; }
    public string? Name { get; init; }
}
