using NsSandbox.Linux;

namespace NsSandbox.Core.Stage2;

/// <summary>Everything stage 2 does after the filesystem: hostname, rlimits, personality, niceness, CPUs, session,
/// ids, capabilities, the command's /dev/null descriptors.</summary>
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
        if (plan.Personality != 0) kernel.SetPersonality(plan.Personality);
        // Before the ids change: without a user namespace, root may still lower the niceness.
        if (plan.NiceLevel is { } nice) kernel.SetNiceness(nice);
        if (plan.CpuMask is { } mask) kernel.SetCpuAffinity(mask);
        if (plan.DisableTsc) kernel.DisableTsc();
        // A new session: no controlling terminal, so no TIOCSTI into the launcher's terminal.
        kernel.NewSession();
        if (plan.ClearGroups) kernel.ClearSupplementaryGroups();
        kernel.SetIds(plan.Uid, plan.Gid);
        kernel.DropCapabilities();
        // Changing credentials cleared the parent-death signal the shim set.
        if (plan.DieWithParent) kernel.SetParentDeathSignal(SigKill);
        kernel.ChangeDirectory(plan.Cwd);
        // Last, so that every earlier step's failure still reaches mode execve's stderr.
        if (plan.NullFds != 0) kernel.RedirectToNull("/dev/null", plan.NullFds);
    }
}
