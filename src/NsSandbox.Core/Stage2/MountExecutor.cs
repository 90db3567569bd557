using NsSandbox.Core.Channel;
using NsSandbox.Core.Plan;
using NsSandbox.Core.Timing;
using NsSandbox.Linux;

namespace NsSandbox.Core.Stage2;

/// <summary>Performs a plan's mount operations, in order, and switches the root. Errors name paths as the
/// sandbox will see them. <paramref name="onSkeleton"/> runs once the skeleton is the working directory.</summary>
public sealed class MountExecutor(IKernel kernel, Action onSkeleton)
{
    private readonly List<int> _trees = [];

    public void Execute(IReadOnlyList<MountOp> ops)
    {
        try
        {
            kernel.Mount(null, "/", null, MountFlags.Recursive | MountFlags.Private, null);
            foreach (var op in ops) Run(op);
        }
        catch (KernelException e)
        {
            throw new SetupException(new SetupError(e.Call, Display(e.Subject), e.Errno,
                Display(e.Subject) is { } p ? $"{e.Call} {p}: {KernelException.Describe(e.Errno)}" : e.Message));
        }
        finally
        {
            foreach (int fd in _trees) if (fd >= 0) kernel.CloseDescriptor(fd);
        }
    }

    private void Run(MountOp op)
    {
        switch (op.Kind)
        {
            case MountOpKind.CloneTree:
                _trees.Add(kernel.CloneTree(op.Source!, op.Recursive));
                break;
            case MountOpKind.SetTreeAttributes:
                kernel.SetTreeAttributes(_trees[op.Handle], op.Attributes, op.Recursive);
                break;
            case MountOpKind.AttachTree:
                kernel.AttachTree(_trees[op.Handle], op.Target);
                kernel.CloseDescriptor(_trees[op.Handle]);
                _trees[op.Handle] = -1;
                break;
            case MountOpKind.Skeleton:
                kernel.Mount("tmpfs", op.Target, "tmpfs", op.Flags, op.Data);
                kernel.ChangeDirectory(op.Target);
                onSkeleton();
                break;
            case MountOpKind.Tmpfs:
                kernel.Mount("tmpfs", op.Target, "tmpfs", op.Flags, op.Data);
                break;
            case MountOpKind.Proc:
                kernel.Mount("proc", op.Target, "proc", op.Flags, null);
                break;
            case MountOpKind.Sysfs:
                kernel.Mount("sysfs", op.Target, "sysfs", op.Flags, null);
                break;
            case MountOpKind.MakeDir:
                if (kernel.TypeOf(op.Target) is not FileType.Directory)
                    kernel.MakeDirectory(op.Target, op.Mode);
                break;
            case MountOpKind.MakeFile:
                if (kernel.TypeOf(op.Target) is not FileType.Regular)
                    kernel.CreateFile(op.Target, op.Mode);
                break;
            case MountOpKind.Symlink:
                kernel.MakeSymlink(op.Source!, op.Target);
                break;
            case MountOpKind.RequireExisting:
                var type = kernel.TypeOf(op.Target);
                if (type is null || (type == FileType.Directory) != op.Directory)
                    throw new KernelException("mount point", op.Target, type is null ? 2 : op.Directory ? 20 : 21);
                break;
            case MountOpKind.SetAttributes:
                kernel.SetMountAttributes(op.Target, op.Attributes, op.Recursive);
                break;
            case MountOpKind.PivotRoot:
                // pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the new.
                LaunchTrace.Mark("mounts");
                kernel.PivotRoot(op.Target, op.Target);
                kernel.Unmount(".", detach: true);
                kernel.ChangeDirectory("/");
                LaunchTrace.Mark("pivot_root");
                break;
        }
    }

    /// <summary>A path relative to the skeleton as the sandbox sees it ("./data" is "/data").</summary>
    private static string? Display(string? path) =>
        path is null ? null : path == "." ? "/" : path.StartsWith("./", StringComparison.Ordinal) ? path[1..] : path;
}
