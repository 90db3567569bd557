using System.Globalization;
using NsSandbox.Core.Plan;
using NsSandbox.Core.Stage2;
using NsSandbox.Linux;
using NsSandbox.Linux.Stage2Code;

namespace NsSandbox.Core.Execve;

/// <summary>Mode execve (-Me): compile stage 2 from the plan in this process, then exec a fresh copy of the
/// launcher whose native constructor enters the namespaces and runs stage 2 before any runtime starts, becoming
/// the target. No supervisor and no per-run directory remain.</summary>
public static class ExecveLauncher
{
    /// <summary>Returns only when the self-exec failed. The stage prints its errors on <paramref name="logFd"/>
    /// (--log), which must survive the exec; the target's exec closes it.</summary>
    public static KernelException Exec(RunPlan plan, int logFd = 2)
    {
        Stage2Program program;
        try
        {
            program = SandboxBuilder.Compile(plan.Stage2, describe: true);
        }
        catch (KernelException e)
        {
            return e;
        }
        int fd = SelfExec.MemoryFile(program.Bytes);
        var users = plan.Users;
        return SelfExec.Exec(
        [
            "nssandbox", SelfExec.StageArgument, fd.ToString(CultureInfo.InvariantCulture),
            "0x" + ((ulong)plan.Stage2.Namespaces).ToString("x", CultureInfo.InvariantCulture),
            users?.UidMapText ?? "", users?.GidMapText ?? "", users?.AllowSetgroups == true ? "allow" : "deny",
            logFd.ToString(CultureInfo.InvariantCulture),
        ], []);
    }
}
