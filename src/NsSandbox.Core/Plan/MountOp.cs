using NsSandbox.Linux;

namespace NsSandbox.Core.Plan;

public enum MountOpKind
{
    /// <summary>Detach a copy of Source's mount tree (open_tree); it gets the next handle number.</summary>
    CloneTree,
    /// <summary>Attach the detached tree Handle at Target (move_mount).</summary>
    AttachTree,
    /// <summary>Set Attributes on the detached tree Handle (recursively when Recursive).</summary>
    SetTreeAttributes,
    /// <summary>Mount the skeleton tmpfs at Target (a host path) and make it the working directory.</summary>
    Skeleton,
    Tmpfs,
    Proc,
    Sysfs,
    MakeDir,
    MakeFile,
    Symlink,
    /// <summary>Target must already exist (a mount point inside a host-backed mount, never created there).</summary>
    RequireExisting,
    SetAttributes,
    /// <summary>Move the mount at Source (with what is mounted below it) to Target (MS_MOVE).</summary>
    Move,
    /// <summary>Remove the empty directory Target.</summary>
    RemoveDirectory,
    PivotRoot,
}

/// <summary>One step of building the sandbox's filesystem, in order. Paths are absolute in the child's mount
/// namespace before pivot_root.</summary>
public sealed record MountOp(MountOpKind Kind, string Target)
{
    public string? Source { get; init; }
    public int Handle { get; init; } = -1;
    public bool Recursive { get; init; }
    public MountFlags Flags { get; init; }
    public MountAttributes Attributes { get; init; }
    public string? Data { get; init; }
    public uint Mode { get; init; }
    /// <summary>For RequireExisting and mount points: whether a directory (else a file) is wanted.</summary>
    public bool Directory { get; init; } = true;

    public override string ToString() => Kind switch
    {
        MountOpKind.CloneTree => $"clone-tree #{Handle} {Source}{(Recursive ? " (recursive)" : "")}",
        MountOpKind.AttachTree => $"attach #{Handle} {Target}",
        MountOpKind.SetTreeAttributes => $"set-tree-attr #{Handle} {Attributes}{(Recursive ? " (recursive)" : "")}",
        MountOpKind.Symlink => $"symlink {Target} -> {Source}",
        MountOpKind.Tmpfs => $"tmpfs {Target} {Data}{((Flags & MountFlags.NoExec) != 0 ? " noexec" : "")}",
        MountOpKind.SetAttributes => $"set-attr {Target} {Attributes}{(Recursive ? " (recursive)" : "")}",
        MountOpKind.Skeleton => $"skeleton {Target} {Data}",
        MountOpKind.MakeDir => $"mkdir {Target}",
        MountOpKind.MakeFile => $"mkfile {Target}",
        MountOpKind.RequireExisting => $"require {Target}",
        MountOpKind.PivotRoot => $"pivot_root {Target}",
        MountOpKind.Move => $"move {Source} {Target}",
        MountOpKind.RemoveDirectory => $"rmdir {Target}",
        MountOpKind.Proc => $"proc {Target}{((Flags & MountFlags.ReadOnly) != 0 ? " ro" : "")}",
        _ => $"{Kind.ToString().ToLowerInvariant()} {Target}",
    };
}
