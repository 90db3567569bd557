using NsSandbox.Core.Channel;
using NsSandbox.Core.Report;
using NsSandbox.Linux;

namespace NsSandbox.Core.Stage2;

/// <summary>Mode execve after the self-exec: the native constructor has already entered the namespaces; this
/// reads the plan from the inherited memfd, builds the sandbox and becomes the target. Errors go to stderr,
/// as there is no supervisor to tell.</summary>
public static class ExecveStageEntry
{
    public static int Run(string planFd)
    {
        Plan.Plan plan;
        try
        {
            byte[] message = SelfExec.ReadAndClose(int.Parse(planFd, System.Globalization.CultureInfo.InvariantCulture));
            plan = ChannelCodec.Decode(message).Plan ?? throw new InvalidDataException("no plan");
        }
        catch (Exception e)
        {
            Console.Error.WriteLine("nssandbox: cannot read the plan: " + e.Message);
            return ExitCodes.Setup;
        }
        var (error, code) = SandboxBuilder.BuildAndExec(plan, LinuxKernel.Instance);
        Console.Error.WriteLine("nssandbox: " + error.Message);
        return code;
    }
}
