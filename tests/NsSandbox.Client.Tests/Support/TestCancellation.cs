global using static NsSandbox.Client.Tests.TestCancellation;

namespace NsSandbox.Client.Tests;

/// <summary>The running test's token (xunit cancels it when the run is stopped), short enough to pass everywhere.</summary>
public static class TestCancellation
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;
}
