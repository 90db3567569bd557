using System.Globalization;
using NsSandbox.Core.Plan;
using NsSandbox.Core.Spec;
using NsSandbox.Core.Stage2;
using NsSandbox.Core.Supervision;
using NsSandbox.Linux;
using NsSandbox.Linux.Stage2Code;

namespace NsSandbox.Core.Execve;

/// <summary>Mode execve (-Me): plan and compile stage 2 in this process, then exec a fresh copy of the launcher
/// whose native constructor enters the namespaces and runs stage 2 before any runtime starts, becoming the target.
/// No supervisor and no per-run directory remain.</summary>
public static class ExecveLauncher
{
    /// <summary>Returns only when the self-exec failed.</summary>
    public static KernelException Exec(SandboxSpec spec, IHostView host, byte[]? seccompFilter = null)
    {
        var planned = Planner.Create(spec, RunPaths.ForExecve(RunIds.New(), spec.DataDir), host, seccompFilter);
        Stage2Program program;
        try
        {
            program = SandboxBuilder.Compile(planned.Plan, describe: true);
        }
        catch (KernelException e)
        {
            return e;
        }
        int fd = SelfExec.MemoryFile(program.Bytes);
        var users = planned.Users;
        return SelfExec.Exec(
        [
            "nssandbox", SelfExec.StageArgument, fd.ToString(CultureInfo.InvariantCulture),
            "0x" + ((ulong)spec.Namespaces).ToString("x", CultureInfo.InvariantCulture),
            users?.Uid.ToString() ?? "", users?.Gid.ToString() ?? "", users?.AllowSetgroups == true ? "allow" : "deny",
        ], []);
    }
}
