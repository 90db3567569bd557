using NsSandbox.Linux;
using NsSandbox.Linux.Stage2Code;

namespace NsSandbox.Core.Stage2;

/// <summary>What stage 2 does inside the new namespaces, for both modes: build the filesystem, set up the
/// process, exec the target. It is compiled here, in the parent, into the program the native stage 2 runs.</summary>
public static class SandboxBuilder
{
    /// <summary>With <paramref name="describe"/> (mode execve) the program can phrase its own errors.</summary>
    public static Stage2Program Compile(Plan.Stage2Plan plan, bool describe = false)
    {
        // About one operation per mount step, and a dozen for the process and the exec.
        var writer = new ProgramWriter(plan.TraceTiming, describe, plan.MountOps.Count + 24);
        Build(plan, writer);
        return writer.Finish();
    }

    public static void Build(Plan.Stage2Plan plan, IKernel kernel)
    {
        // Without a user namespace this process is real root and switching early would cost its
        // capabilities; its files are owned by a mapped id anyway, so it switches at the end only.
        bool userNs = plan.Namespaces.HasFlag(Namespaces.User);
        // --execute_fd: the host's file, opened before anything is mounted, as the launcher's identity.
        if (plan.ExecuteFd) kernel.OpenExecutable(plan.ExecCandidates[0]);
        new MountExecutor(kernel, () => { if (userNs) ProcessSetup.BecomeSandboxUser(plan, kernel); }).Execute(plan.MountOps);
        ProcessSetup.Apply(plan, kernel);
        kernel.Mark("privileges");
        // A created container waits here, set up, for its start: nothing but the exec remains.
        if (plan.AwaitStart) kernel.AwaitStart();
        kernel.Exec(plan.ExecCandidates, plan.Argv, plan.Env, plan.Seccomp.Filter, plan.Seccomp.Flags);
    }
}
