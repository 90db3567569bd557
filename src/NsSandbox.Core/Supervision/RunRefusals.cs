using NsSandbox.Core.Plan;
using NsSandbox.Linux;

namespace NsSandbox.Core.Supervision;

/// <summary>What a run asks that this host or this launcher cannot give, refused with one line before anything is
/// created (exit <see cref="ExitCodes.Unavailable"/>): limits without a cgroup the launcher may use, and network
/// modes that need root in the host's namespaces (docs/rootless.md).</summary>
public static class RunRefusals
{
    /// <summary>The report's step for these refusals.</summary>
    public const string Step = "unavailable";

    public static void Check(RunPlan plan)
    {
        if (Identity.EffectiveUid != 0)
        {
            if (plan.Net.Mode == NetMode.Macvlan)
                Refuse("--net macvlan: creating a macvlan needs CAP_NET_ADMIN in the host's network namespace, which a launcher "
                       + "that is not root does not have; run it as root (docs/rootless.md)");
            if (plan.Net.Mode == NetMode.Egress)
                Refuse("--net egress: not yet available without root: the egress filter and the resolver's sockets are set up "
                       + "by entering the sandbox's network namespace, which a launcher that is not root may not do from outside "
                       + "its user namespace; run it as root (docs/rootless.md)");
        }
        try
        {
            RunCgroups.Choose(plan.Cgroup);
        }
        catch (CgroupUnavailableException e)
        {
            Refuse(e.Message);
        }
    }

    private static void Refuse(string message) => throw new SetupException(new SetupError(Step, null, 0, message));
}
