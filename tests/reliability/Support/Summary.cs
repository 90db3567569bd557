namespace NsSandbox.Reliability.Tests;

/// <summary>One line per load test of what it did and how long it took, for tests/run.sh to print (CI shows
/// how many launches ran): appended to the file $NSSANDBOX_RELIABILITY_SUMMARY names, and to the test's output.</summary>
public static class Summary
{
    private static readonly Lock Gate = new();

    public static void Add(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        if (Environment.GetEnvironmentVariable("NSSANDBOX_RELIABILITY_SUMMARY") is not { Length: > 0 } file) return;
        lock (Gate) File.AppendAllText(file, "reliability: " + line + "\n");
    }
}
