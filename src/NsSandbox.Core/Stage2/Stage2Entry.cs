using NsSandbox.Core.Channel;
using NsSandbox.Core.Report;
using NsSandbox.Linux;

namespace NsSandbox.Core.Stage2;

/// <summary>Stage 2: a fresh copy of nssandbox started by the shim inside the new namespaces. It waits for
/// the plan, builds the sandbox, and execs the target; on failure it reports one structured error.</summary>
public static class Stage2Entry
{
    public const string Argument = "__stage2";

    public static int Run()
    {
        using var channel = new StageChannel(new SeqPacketSocket(3));
        Plan.Plan plan;
        try
        {
            var message = channel.Receive();
            if (message is null) return ExitCodes.Setup; // the parent is gone
            plan = message.Plan ?? throw new InvalidDataException("the first message is not a plan");
        }
        catch (Exception e)
        {
            return Fail(channel, new SetupError("stage 2", null, 0, "stage 2 could not read its plan: " + e.Message), ExitCodes.Setup);
        }

        try
        {
            var kernel = LinuxKernel.Instance;
            // Without a user namespace stage 2 is real root and switching early would cost its capabilities;
            // its files are owned by a mapped id anyway, so it switches at the end only.
            bool userNs = plan.Namespaces.HasFlag(Namespaces.User);
            new MountExecutor(kernel, () => { if (userNs) ProcessSetup.BecomeSandboxUser(plan, kernel); }).Execute(plan.MountOps);
            ProcessSetup.Apply(plan, kernel);
            if (channel.Socket.PeerClosed()) return ExitCodes.Setup;
            int errno = TargetExec.Exec(plan.ExecCandidates, plan.Argv, plan.Env, plan.SeccompFilter, plan.SeccompFlags);
            string target = plan.Argv[0];
            return Fail(channel, new SetupError("execve", target, errno, $"execve {target}: {KernelException.Describe(errno)}"),
                errno == 2 ? ExitCodes.NotFound : ExitCodes.Setup);
        }
        catch (SetupException e)
        {
            return Fail(channel, e.Error, ExitCodes.Setup);
        }
        catch (Exception e)
        {
            return Fail(channel, new SetupError("stage 2", null, 0, "internal error in stage 2: " + e.Message), ExitCodes.Setup);
        }
    }

    private static int Fail(StageChannel channel, SetupError error, int exitCode)
    {
        try
        {
            channel.Send(new ChannelMessage(MessageKind.SetupError) { Error = error });
        }
        catch (Exception)
        {
            // The parent is gone; the exit status is all that is left to say.
        }
        return exitCode;
    }
}
