namespace NsSandbox.EndToEnd.Tests; public class Placeholder { [Xunit.Fact] public void Builds() => Xunit.Assert.True(1 + 1 == 2); }
