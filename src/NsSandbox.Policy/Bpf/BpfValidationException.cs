namespace NsSandbox.Policy.Bpf;

/// <summary>A program the kernel's seccomp loader would refuse; Index is the offending instruction.</summary>
public sealed class BpfValidationException : Exception
{
    public BpfValidationException(int index, string reason)
        : base($"instruction {index}: {reason}")
    {
        Index = index;
        Reason = reason;
    }

    public int Index { get; }

    public string Reason { get; }
}
