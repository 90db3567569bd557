
namespace NsSandbox.Frontends.Cli;

/// <summary>One command-line flag. Names are nsjail's (snake_case); kebab-case spellings are accepted too.
/// ValueName is null for a switch.</summary>
public sealed record Flag(string Name, char? Short, string? ValueName, string Default, string Help,
    Action<SpecBuilder, string, string> Apply)
{
    public bool TakesValue => ValueName is not null;
}
