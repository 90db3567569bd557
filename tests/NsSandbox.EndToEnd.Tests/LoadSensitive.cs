namespace NsSandbox.EndToEnd.Tests;

/// <summary>The tests whose outcome depends on how busy the machine is: they assert wall or CPU time (time
/// limits, which count the launcher's own setup; cgroup CPU throttling; the timing trace), or count what the
/// kernel reports while a run lasts. They run in this collection, which xunit runs alone after the others
/// (DisableParallelization), so this suite's own parallel launches cannot slow them down.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class LoadSensitive;
