using NsSandbox.Policy.Bpf;

namespace NsSandbox.Policy.Tests.Bpf;

/// <summary>Small helpers to write test programs the way the kernel headers' macros do.</summary>
internal static class Programs
{
    public static BpfInstruction Return(uint k) => BpfOp.Stmt(BpfOp.RetK, k);

    public static SeccompInput Call(int nr, params ulong[] args) => SeccompInput.Call(0xC000003E, nr, args);

    /// <summary>Runs a program that leaves its result in A: returns A.</summary>
    public static uint RunForA(SeccompInput input, params BpfInstruction[] body) =>
        BpfInterpreter.Run([.. body, BpfOp.Stmt(BpfOp.RetA, 0)], input);

    public static uint RunForA(params BpfInstruction[] body) => RunForA(Call(0), body);
}
