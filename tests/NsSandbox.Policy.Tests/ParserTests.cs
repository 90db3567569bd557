using NsSandbox.Policy.Syntax;

namespace NsSandbox.Policy.Tests;

public class ParserTests
{
    private static PolicyFile Parse(string text) => Parser.Parse(PolicySource.FromText(text));

    private static string Error(string text) => Assert.Throws<PolicyException>(() => Parse(text)).Diagnostic;

    [Fact]
    public void ParsesTheFirstPolicyOfTheReference()
    {
        var file = Parse("""
            #define STDOUT 1
            #define STDERR 2

            POLICY output_only {
              ALLOW {
                write { fd == STDOUT, fd == STDERR },   // a comma between conditions means "or"
                exit, exit_group, brk, mmap, munmap, rt_sigreturn
              },
              ERRNO(1) { open, openat }
            }

            USE output_only DEFAULT KILL
            """);
        Assert.Equal(5, file.Statements.Count);
        var define = Assert.IsType<DefineStatement>(file.Statements[0]);
        Assert.Equal(("STDOUT", 1UL), (define.Name, ((NumberValue)define.Value).Value));
        var policy = Assert.IsType<PolicyDefinition>(file.Statements[2]);
        Assert.Equal("output_only", policy.Name);
        var allow = Assert.IsType<ActionBlock>(policy.Items[0]);
        Assert.Equal(7, allow.Rules.Count);
        var write = allow.Rules[0];
        var or = Assert.IsType<LogicalExpression>(write.Condition);
        Assert.Equal(LogicalOperator.Or, or.Operator);
        Assert.Equal(2, or.Operands.Count);
        var errno = Assert.IsType<ActionBlock>(policy.Items[1]);
        Assert.Equal(("ERRNO", 1UL), (errno.Action.Keyword, ((NumberValue)errno.Action.Parameter!).Value));
        Assert.Equal("output_only", ((UseItem)((TopLevelItem)file.Statements[3]).Item).PolicyName);
        Assert.Equal("KILL", ((DefaultStatement)file.Statements[4]).Action.Keyword);
        Assert.Equal(new SourceLocation("<string>", 12, 17), file.Statements[4].Location);
    }

    [Theory]
    [InlineData("POLICY p {\n ALLOW { read }\n ERRNO(1) { write } }", "<string>:3:2: expected ',' or '}' after an item of policy p, found keyword 'ERRNO'")]
    public void ErrorsNameThePositionTheTokenAndWhatWasExpected(string text, string expected) =>
        Assert.Equal(expected, Error(text));
}
