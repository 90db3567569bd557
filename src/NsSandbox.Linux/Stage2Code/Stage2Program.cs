namespace NsSandbox.Linux.Stage2Code;

/// <summary>Stage 2 compiled: the bytes the native interpreter runs (native/nss_stage2.c), and for each operation
/// the call and subject that name it when the kernel refuses it.</summary>
public sealed class Stage2Program(byte[] buffer, int length, IReadOnlyList<Stage2Program.Step> steps)
{
    /// <summary>One operation as a user reads it: <paramref name="Call"/> on <paramref name="Subject"/>
    /// ("move_mount", "./data"); a --trace_timing mark has its step name as <paramref name="Mark"/>.</summary>
    public sealed record Step(Opcode Code, string Call, string? Subject, string? Mark = null);

    /// <summary>The program: the start of a buffer that may be longer.</summary>
    public ReadOnlySpan<byte> Bytes => buffer.AsSpan(0, length);
    public IReadOnlyList<Step> Steps { get; } = steps;

    /// <summary>The operation at a stage-2 reported index, or null for one outside the program.</summary>
    public Step? At(uint index) => index < Steps.Count ? Steps[(int)index] : null;

    /// <summary>The step name of a timestamp stage 2 took at <paramref name="index"/>.</summary>
    public string StampName(uint index) => index switch
    {
        ProgramFormat.StampStarted => "started",
        ProgramFormat.StampGo => "go received",
        _ when At(index) is { Mark: { } mark } => mark,
        _ when At(index) is { Code: Opcode.Exec } => "exec",
        _ => $"step {index}",
    };

    /// <summary>What an operation does, as mode execve's interpreter prints it before the errno text.</summary>
    public static string Describe(string call, string? subject) =>
        SandboxPath(subject) is { } p ? $"{call} {p}" : call;

    /// <summary>A path relative to the skeleton as the sandbox sees it ("./data" is "/data", "." is "/").</summary>
    public static string? SandboxPath(string? path) =>
        path is null ? null : path == "." ? "/" : path.StartsWith("./", StringComparison.Ordinal) ? path[1..] : path;
}
