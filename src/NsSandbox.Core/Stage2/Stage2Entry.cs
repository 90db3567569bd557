using NsSandbox.Core.Channel;
using NsSandbox.Core.Report;
using NsSandbox.Core.Timing;
using NsSandbox.Linux;

namespace NsSandbox.Core.Stage2;

/// <summary>Stage 2 of mode once: a fresh copy of nssandbox started by the shim inside the new namespaces. It
/// waits for the plan, builds the sandbox and execs the target; on failure it sends one structured error.</summary>
public static class Stage2Entry
{
    public const string Argument = "__stage2";

    public static int Run()
    {
        long mainNs = MonotonicClock.NowNs;
        using var channel = new StageChannel(new SeqPacketSocket(SeqPacketSocket.InheritedFd));
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
        if (plan.TraceTiming)
        {
            LaunchTrace.Enable(LaunchTrace.Stage2, mainNs);
            LaunchTrace.Mark("plan received");
        }
        var (error, code) = SandboxBuilder.BuildAndExec(plan, LinuxKernel.Instance, channel.Socket.PeerClosed,
            plan.TraceTiming ? () => SendTiming(channel) : null);
        return Fail(channel, error, code);
    }

    /// <summary>--trace_timing: stage 2's timestamps go to the parent just before the target's execve.</summary>
    private static void SendTiming(StageChannel channel)
    {
        LaunchTrace.Mark("exec");
        channel.Send(new ChannelMessage(MessageKind.Timing) { Timing = LaunchTrace.Snapshot() });
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
