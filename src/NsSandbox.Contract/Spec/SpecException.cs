namespace NsSandbox.Contract;

/// <summary>A usage or configuration error, tied to where it came from: a flag ("--chroot") or a place in a
/// file ("sandbox.toml:3:7"). Nothing has been created when it is thrown.</summary>
public sealed class SpecException(string origin, string message) : Exception(message)
{
    public string Origin { get; } = origin;

    public override string ToString() => $"{Origin}: {Message}";
}
