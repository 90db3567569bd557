using System.Text;

namespace NsSandbox.Frontends.Cli;

/// <summary>--help: every flag with its default, and the exit statuses.</summary>
public static class HelpText
{
    public static string Render()
    {
        var s = new StringBuilder();
        s.AppendLine("Usage: nssandbox [flags] -- COMMAND [ARGS...]");
        s.AppendLine("       nssandbox --config FILE [flags] [-- COMMAND [ARGS...]]");
        s.AppendLine("       nssandbox config check FILE | config show FILE [flags]");
        s.AppendLine("       nssandbox policy check|compile|explain ...");
        s.AppendLine();
        s.AppendLine("Runs COMMAND in new namespaces as nobody, with a read-only root, a private writable /data");
        s.AppendLine("(its working directory and HOME), a tmpfs /tmp, no capabilities and no inherited descriptors.");
        s.AppendLine("Long flags accept nsjail's spelling (--time_limit) and kebab-case (--time-limit).");
        s.AppendLine();
        s.AppendLine("Flags (default in brackets):");
        foreach (var f in FlagTable.All)
        {
            string name = "--" + f.Name;
            string shortName = f.Short is { } c ? $"-{c}, " : "    ";
            string left = $"  {shortName}{name}{(f.ValueName is null ? "" : " " + f.ValueName)}";
            s.Append(left.PadRight(38)).Append(f.Help).Append(" [").Append(f.Default).AppendLine("]");
        }
        s.AppendLine("  -h, --help                          this text");
        s.AppendLine();
        s.AppendLine("Exit status: the command's own; 128+N when it was killed by signal N;");
        s.AppendLine($"  {ExitCodes.Timeout} time limit reached, {ExitCodes.Usage} usage or configuration error (nothing ran),");
        s.AppendLine($"  {ExitCodes.Setup} the sandbox could not be set up or the command not executed, {ExitCodes.NotFound} command not found,");
        s.AppendLine($"  {ExitCodes.Unavailable} what the run asks cannot be had by this launcher or host (limits without a usable cgroup, a network mode that needs root).");
        return s.ToString();
    }
}
