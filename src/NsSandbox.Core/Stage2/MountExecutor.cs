using NsSandbox.Core.Plan;
using NsSandbox.Linux;

namespace NsSandbox.Core.Stage2;

/// <summary>Turns a plan's mount operations, in order, into kernel calls, ending with the switch of the root.
/// <paramref name="onSkeleton"/> runs once the skeleton is the working directory.</summary>
public sealed class MountExecutor(IKernel kernel, Action onSkeleton)
{
    private readonly List<int> _trees = [];

    public void Execute(IReadOnlyList<MountOp> ops)
    {
        kernel.Mount(null, "/", null, MountFlags.Recursive | MountFlags.Private, null);
        foreach (var op in ops) Run(op);
        foreach (int fd in _trees) if (fd >= 0) kernel.CloseDescriptor(fd);
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
                kernel.EnsureDirectory(op.Target, op.Mode);
                break;
            case MountOpKind.MakeFile:
                kernel.EnsureFile(op.Target, op.Mode);
                break;
            case MountOpKind.Symlink:
                kernel.MakeSymlink(op.Source!, op.Target);
                break;
            case MountOpKind.RequireExisting:
                kernel.RequireExisting(op.Target, op.Directory);
                break;
            case MountOpKind.Move:
                kernel.Mount(op.Source, op.Target, null, MountFlags.Move, null);
                break;
            case MountOpKind.RemoveDirectory:
                kernel.RemoveDirectory(op.Target);
                break;
            case MountOpKind.SetAttributes:
                kernel.SetMountAttributes(op.Target, op.Attributes, op.Recursive);
                break;
            case MountOpKind.PivotRoot:
                // pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the new.
                kernel.Mark("mounts");
                kernel.PivotRoot(op.Target, op.Target);
                kernel.Unmount(".", detach: true);
                kernel.ChangeDirectory("/");
                kernel.Mark("pivot_root");
                break;
        }
    }
}
