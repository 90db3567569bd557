using NsSandbox.Core.Channel;
using NsSandbox.Core.Report;
using NsSandbox.Core.Timing;
using NsSandbox.Linux;

namespace NsSandbox.Core.Stage2;

/// <summary>What both stage 2 (mode once) and the execve stage do inside the new namespaces: build the
/// filesystem, set up the process, exec the target. Returns only on failure.</summary>
public static class SandboxBuilder
{
    public static (SetupError Error, int ExitCode) BuildAndExec(Plan.Plan plan, IKernel kernel, Func<bool>? parentGone = null,
        Action? beforeExec = null)
    {
        try
        {
            // Without a user namespace this process is real root and switching early would cost its
            // capabilities; its files are owned by a mapped id anyway, so it switches at the end only.
            bool userNs = plan.Namespaces.HasFlag(Namespaces.User);
            new MountExecutor(kernel, () => { if (userNs) ProcessSetup.BecomeSandboxUser(plan, kernel); }).Execute(plan.MountOps);
            ProcessSetup.Apply(plan, kernel);
            LaunchTrace.Mark("privileges");
            if (parentGone?.Invoke() == true)
                return (new SetupError("supervisor", null, 0, "the supervisor went away during setup"), ExitCodes.Setup);
            beforeExec?.Invoke();
            int errno = TargetExec.Exec(plan.ExecCandidates, plan.Argv, plan.Env, plan.SeccompFilter, plan.SeccompFlags);
            string target = plan.Argv[0];
            return (new SetupError("execve", target, errno, $"execve {target}: {KernelException.Describe(errno)}"),
                errno == 2 ? ExitCodes.NotFound : ExitCodes.Setup);
        }
        catch (SetupException e)
        {
            return (e.Error, ExitCodes.Setup);
        }
        catch (Exception e)
        {
            return (new SetupError("stage 2", null, 0, "internal error while building the sandbox: " + e.Message), ExitCodes.Setup);
        }
    }
}
