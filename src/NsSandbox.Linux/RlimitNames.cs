namespace NsSandbox.Linux;

public static class RlimitNames
{
    /// <summary>The resource's lower-case name (as, core, cpu, ...), as the report spells it. A switch, not
    /// Enum.ToString: naming an enum value builds reflection metadata, which cost every launch start-up work.</summary>
    public static string Name(this RlimitResource resource) => resource switch
    {
        RlimitResource.Cpu => "cpu",
        RlimitResource.Fsize => "fsize",
        RlimitResource.Data => "data",
        RlimitResource.Stack => "stack",
        RlimitResource.Core => "core",
        RlimitResource.Nproc => "nproc",
        RlimitResource.Nofile => "nofile",
        RlimitResource.As => "as",
        _ => resource.ToString().ToLowerInvariant(),
    };
}
