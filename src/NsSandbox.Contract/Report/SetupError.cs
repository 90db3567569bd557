
namespace NsSandbox.Contract;

/// <summary>A failure inside stage 2: which step, on what path, with which errno.</summary>
public sealed record SetupError(string Step, string? Path, int Errno, string Message);
