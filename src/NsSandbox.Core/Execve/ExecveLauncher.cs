using System.Globalization;
using NsSandbox.Core.Channel;
using NsSandbox.Core.Plan;
using NsSandbox.Core.Spec;
using NsSandbox.Core.Supervision;
using NsSandbox.Linux;

namespace NsSandbox.Core.Execve;

/// <summary>Mode execve (-Me): plan in this process, then exec a fresh copy of the launcher that enters the
/// namespaces before its runtime starts and becomes the target. No supervisor and no per-run directory remain.</summary>
public static class ExecveLauncher
{
    /// <summary>Returns only when the self-exec failed.</summary>
    public static KernelException Exec(SandboxSpec spec, IHostView host, byte[]? seccompFilter = null)
    {
        var planned = Planner.Create(spec, RunPaths.ForExecve(RunIds.New(), spec.DataDir), host, seccompFilter);
        int fd = SelfExec.MemoryFile(ChannelCodec.Encode(new ChannelMessage(MessageKind.Plan) { Plan = planned.Plan }));
        var users = planned.Users;
        return SelfExec.Exec(
        [
            "nssandbox", SelfExec.StageArgument, fd.ToString(CultureInfo.InvariantCulture),
            "0x" + ((ulong)spec.Namespaces).ToString("x", CultureInfo.InvariantCulture),
            users?.Uid.ToString() ?? "", users?.Gid.ToString() ?? "", users?.AllowSetgroups == true ? "allow" : "deny",
        ], []);
    }
}
