using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests.Syscalls;

/// <summary>Levenshtein distance, which both the syscall and the flag suggestions rank by.</summary>
public class EditDistanceTests
{
    [Theory]
    [InlineData("", "", 0)]
    [InlineData("", "write", 5)]
    [InlineData("write", "", 5)]
    [InlineData("write", "write", 0)]
    [InlineData("wirte", "write", 2)]        // a transposition is two edits
    [InlineData("time_limt", "time_limit", 1)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("openat", "fsopen", 4)]
    public void CountsInsertionsDeletionsAndSubstitutions(string a, string b, int distance)
    {
        Assert.Equal(distance, EditDistance.Between(a, b));
        Assert.Equal(distance, EditDistance.Between(b, a));
    }
}
