using NsSandbox.Linux;

namespace NsSandbox.Core.Stage2;

/// <summary>Everything stage 2 does after the filesystem: hostname, rlimits, session, ids, capabilities.</summary>
public static class ProcessSetup
{
    private const int SigKill = 9;

    /// <summary>Becomes the sandbox's user while keeping the capabilities held in the new user namespace
    /// (the ids it switches from are unmapped there, so the kernel's setuid fixups do not apply).</summary>
    public static void BecomeSandboxUser(Plan.Stage2Plan plan, IKernel kernel)
    {
        if (plan.ClearGroups) kernel.ClearSupplementaryGroups();
        kernel.SetIds(plan.Uid, plan.Gid);
    }

    public static void Apply(Plan.Stage2Plan plan, IKernel kernel)
    {
        if (plan.Hostname is not null) kernel.SetHostname(plan.Hostname);
        if (plan.Namespaces.HasFlag(Namespaces.Net) && plan.LoopbackUp) kernel.BringUpLoopback();
        foreach (var r in plan.Rlimits) kernel.SetRlimit(r.Resource, r.Soft, r.Hard);
        // A new session: no controlling terminal, so no TIOCSTI into the launcher's terminal.
        kernel.NewSession();
        if (plan.ClearGroups) kernel.ClearSupplementaryGroups();
        kernel.SetIds(plan.Uid, plan.Gid);
        kernel.DropCapabilities();
        // Changing credentials cleared the parent-death signal the shim set.
        if (plan.DieWithParent) kernel.SetParentDeathSignal(SigKill);
        kernel.ChangeDirectory(plan.Cwd);
    }
}
