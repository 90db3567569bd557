using NsSandbox.Policy.Oci;

namespace NsSandbox.Policy.Tests.Oci;

/// <summary>The solver behind the refusal of overlapping rules: checked against brute force on small values, where
/// every satisfiable set has a solution in range, and on the 64-bit edges.</summary>
public class ArgumentSolverTests
{
    private static readonly SourceLocation At = new("t", 1, 1);

    [Fact]
    public void TheSmallestSolutionMatchesBruteForceOnSmallValues()
    {
        var random = new Random(7);
        var ops = Enum.GetValues<ScmpOperator>();
        int satisfiable = 0;
        for (int round = 0; round < 20_000; round++)
        {
            // Values and masks below 64: a satisfiable set then has a solution below 128.
            var set = Enumerable.Range(0, 1 + random.Next(4)).Select(_ =>
            {
                var op = ops[random.Next(ops.Length)];
                ulong value = (ulong)random.Next(64);
                ulong two = op == ScmpOperator.MaskedEqual ? (ulong)random.Next(64) & (random.Next(5) == 0 ? 63UL : value) : 0;
                return new OciArgument(0, value, two, op, At);
            }).ToList();
            ulong? expected = null;
            for (ulong x = 0; x < 128 && expected is null; x++)
                if (set.All(c => c.Holds(x))) expected = x;
            Assert.Equal(expected, ArgumentSolver.SolveArgument(set));
            if (expected is not null) satisfiable++;
        }
        Assert.InRange(satisfiable, 2000, 18_000);
    }

    [Theory]
    [InlineData(ScmpOperator.Greater, ulong.MaxValue, 0, null)]
    [InlineData(ScmpOperator.Less, 0UL, 0, null)]
    [InlineData(ScmpOperator.GreaterOrEqual, ulong.MaxValue, 0, ulong.MaxValue)]
    [InlineData(ScmpOperator.MaskedEqual, 0x8000_0000_0000_0000, 0x8000_0000_0000_0000, 0x8000_0000_0000_0000)]
    [InlineData(ScmpOperator.MaskedEqual, 0xf0, 0x0f, 0UL)]
    public void EdgesOf64Bits(ScmpOperator op, ulong value, ulong two, ulong? expected) =>
        Assert.Equal(expected, ArgumentSolver.SolveArgument([new OciArgument(0, value, two, op, At)]));

    [Fact]
    public void ExcludedValuesAndFixedBitsCombineAcrossTheWholeRange()
    {
        // x > 2^63, bit 0 set, bit 63 set, x != 2^63 + 1, x != 2^63 + 3: the answer is 2^63 + 5.
        var set = new[]
        {
            new OciArgument(2, 0x8000_0000_0000_0000, 0, ScmpOperator.Greater, At),
            new OciArgument(2, 0x8000_0000_0000_0001, 0x8000_0000_0000_0001, ScmpOperator.MaskedEqual, At),
            new OciArgument(2, 0x8000_0000_0000_0001, 0, ScmpOperator.NotEqual, At),
            new OciArgument(2, 0x8000_0000_0000_0003, 0, ScmpOperator.NotEqual, At),
        };
        Assert.Equal(0x8000_0000_0000_0005UL, ArgumentSolver.SolveArgument(set));
        Assert.Equal([0, 0, 0x8000_0000_0000_0005UL, 0, 0, 0], ArgumentSolver.SolveCall(set));
        Assert.Null(ArgumentSolver.SolveArgument([.. set, new OciArgument(2, ulong.MaxValue - 1, 0, ScmpOperator.GreaterOrEqual, At),
            new OciArgument(2, ulong.MaxValue, 0, ScmpOperator.NotEqual, At)]));
    }
}
