namespace NsSandbox.Policy.Syntax;

/// <summary>Where NsSandbox's language goes beyond kafel's. The lexer, parser and resolver report each use of an
/// extension here; with <see cref="PolicyOptions.Kafel"/> the first one is an error, so a policy that passes
/// can be handed to nsjail unchanged.</summary>
public sealed class Dialect(bool kafelOnly)
{
    public bool KafelOnly { get; } = kafelOnly;

    /// <summary><paramref name="what"/> names the construct: "ON (rules for some architectures)".</summary>
    public void Extension(SourceLocation at, string what)
    {
        if (KafelOnly) throw new PolicyException(at, $"{what} is an NsSandbox extension; kafel (nsjail) rejects it");
    }
}
