namespace NsSandbox.Client.Tests;

/// <summary>Tests that measure time or memory, or load the machine: xunit runs this collection by itself,
/// after the others, so neither disturbs the other.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class Alone;
