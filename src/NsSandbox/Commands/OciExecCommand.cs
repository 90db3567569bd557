using NsSandbox.Contract.Oci;
using NsSandbox.Core.Oci;

namespace NsSandbox.Commands;

/// <summary>`exec [options] ID [COMMAND ARGS...]`, as runc parses it: options stop at the id, so the command's own
/// flags are its own. The shim gives `--process FILE --detach --pid-file F [--console-socket S]`; by hand, the
/// command and -t, --cwd, -e, -u, -g override config.json's process.</summary>
public static class OciExecCommand
{
    public static int Run(OciRuntime runtime, List<string> args)
    {
        string? processFile = null, pidFile = null, console = null, cwd = null, user = null;
        bool detach = false, tty = false;
        var env = new List<string>();
        var gids = new List<uint>();
        int i = 0;
        for (; i < args.Count && args[i].StartsWith('-'); i++)
        {
            string flag = OciCommand.Name(args[i], out string? inline);
            string Value() => OciCommand.NonEmpty($"exec {flag}", inline ?? (++i < args.Count ? args[i] : throw new OciUsage($"exec {flag}: needs a value")));
            switch (flag)
            {
                case "--process" or "-p": processFile = Value(); break;
                case "--pid-file": pidFile = Value(); break;
                case "--console-socket": console = Value(); break;
                case "--detach" or "-d": detach = true; break;
                case "--tty" or "-t": tty = true; break;
                case "--cwd": cwd = Value(); break;
                case "--env" or "-e": env.Add(Value()); break;
                case "--user" or "-u": user = Value(); break;
                case "--additional-gids" or "-g": gids.Add(ParseId(Value(), "--additional-gids")); break;
                case "--no-new-privs": break; // always set (docs/oci.md)
                case "--preserve-fds":
                    if (Value() != "0") throw new OciUsage("exec --preserve-fds: only descriptors 0, 1 and 2 reach a container");
                    break;
                case "--cap" or "-c" or "--apparmor" or "--process-label" or "--cgroup" or "--ignore-paused":
                    throw new OciUsage($"exec {flag}: not supported yet (docs/oci.md)");
                default: throw new OciUsage($"exec {flag}: unknown option");
            }
        }
        if (i >= args.Count) throw new OciUsage("exec: a container id is required");
        string id = args[i];
        var command = args.Skip(i + 1).ToList();
        OciProcess process;
        if (processFile is not null)
        {
            if (command.Count > 0) throw new OciUsage("exec: a command and --process both given");
            process = OciConfigReader.ReadProcess(processFile);
        }
        else
        {
            if (command.Count == 0) throw new OciUsage("exec: a command (or --process) is required");
            var template = runtime.ConfigProcess(id);
            var u = template.User ?? new OciUser();
            if (user is not null)
            {
                var parts = user.Split(':', 2);
                u = u with { Uid = ParseId(parts[0], "--user"), Gid = parts.Length > 1 ? ParseId(parts[1], "--user") : u.Gid };
            }
            if (gids.Count > 0) u = u with { AdditionalGids = gids };
            process = template with
            {
                Args = command, Terminal = tty, ConsoleSize = null, Cwd = cwd ?? template.Cwd,
                Env = [.. template.Env ?? [], .. env], User = u,
            };
        }
        var resolved = ContainerPlanner.Process(process, processFile ?? "exec", runtime.RootFsOf(id), new Core.Plan.RealHostView(), runtime.Options);
        return runtime.Exec(id, resolved, detach, pidFile, console);
    }

    private static uint ParseId(string text, string flag) =>
        uint.TryParse(text, out uint id) ? id : throw new OciUsage($"exec {flag}: '{text}' is not a numeric id");
}
