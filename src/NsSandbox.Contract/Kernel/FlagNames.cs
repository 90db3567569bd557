namespace NsSandbox.Contract;

/// <summary>Names of <see cref="Namespaces"/> and <see cref="RlimitResource"/> values without Enum.ToString, whose
/// reflection metadata costs a launch ~15 page faults.</summary>
public static class FlagNames
{
    private static readonly (Namespaces Flag, string Name)[] NamespaceTable =
    [
        (Namespaces.Mount, "mount"), (Namespaces.Cgroup, "cgroup"), (Namespaces.Uts, "uts"), (Namespaces.Ipc, "ipc"),
        (Namespaces.User, "user"), (Namespaces.Pid, "pid"), (Namespaces.Net, "net"),
    ];

    /// <summary>"mount,cgroup,uts,...": the set namespaces in flag order.</summary>
    public static string Of(Namespaces ns)
    {
        var names = new List<string>(NamespaceTable.Length);
        foreach (var (flag, name) in NamespaceTable)
            if ((ns & flag) != 0) names.Add(name);
        return string.Join(",", names);
    }

    /// <summary>The resource's name in lower case ("nofile"), as the report and the flags spell it.</summary>
    public static string Of(RlimitResource resource) => resource switch
    {
        RlimitResource.Cpu => "cpu",
        RlimitResource.Fsize => "fsize",
        RlimitResource.Data => "data",
        RlimitResource.Stack => "stack",
        RlimitResource.Core => "core",
        RlimitResource.Nproc => "nproc",
        RlimitResource.Nofile => "nofile",
        RlimitResource.As => "as",
        RlimitResource.Memlock => "memlock",
        RlimitResource.Msgqueue => "msgqueue",
        RlimitResource.Rtprio => "rtprio",
        _ => "rlimit " + (int)resource,
    };
}
