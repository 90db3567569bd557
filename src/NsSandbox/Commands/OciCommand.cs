using System.Text.Json;
using NsSandbox.Core.Oci;
using NsSandbox.Linux;

namespace NsSandbox.Commands;

/// <summary>The OCI runtime's command line, as runc's (what dockerd and containerd's shim run):
/// `nssandbox oci [global options] COMMAND [options] ID`, or the same without `oci` through a link named
/// nssandbox-oci. Errors go to stderr and, with --log, to the log file (--log-format json: the shim's form).</summary>
public static class OciCommand
{
    public const string LinkName = "nssandbox-oci";

    private const string Usage =
        "usage: nssandbox oci [--root DIR] [--log FILE] [--log-format text|json] [--debug] [--hardened | --userns-remap NAME] COMMAND [OPTIONS] ID\n" +
        "commands: create, start, state, kill, delete, run, exec, list, ps, pause, resume, update, events, spec, features (docs/oci.md)";

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var options = new OciRuntimeOptions();
        int i = 0;
        try
        {
            for (; i < args.Count && args[i].StartsWith('-'); i++)
            {
                string flag = args[i];
                string name = Name(flag, out string? inline);
                string Value() => NonEmpty(name, inline ?? (++i < args.Count ? args[i] : throw new OciUsage($"{flag}: needs a value")));
                switch (name)
                {
                    case "--root": options = options with { Root = Path.GetFullPath(Value()) }; break;
                    case "--log": options = options with { Log = Value() }; break;
                    case "--log-format":
                        string format = Value();
                        if (format is not ("text" or "json")) throw new OciUsage($"--log-format: '{format}' (text or json)");
                        options = options with { LogJson = format == "json" };
                        break;
                    case "--debug": options = options with { Debug = true }; break;
                    case "--hardened": options = options with { Hardened = true }; break;
                    case "--userns-remap": options = options with { Hardened = true, UsernsRemap = Value() }; break;
                    case "--systemd-cgroup": throw new OciUsage("--systemd-cgroup: systemd cgroup management is not supported yet (use cgroupfs paths)");
                    case "--rootless":
                        if (Value() is not ("false" or "auto")) throw new OciUsage("--rootless: rootless containers are not supported yet");
                        break;
                    case "--criu": throw new OciUsage("--criu: checkpoint and restore are not supported");
                    case "--help" or "-h": output.WriteLine(Usage); return 0;
                    case "--version" or "-v": output.WriteLine("nssandbox oci runtime\nspec: 1.0.2"); return 0;
                    default: throw new OciUsage($"{flag}: unknown global option");
                }
            }
            if (i >= args.Count) throw new OciUsage("a command is required");
            var runtime = new OciRuntime(options, message => Log(options, error, "warning", message),
                options.Debug ? message => Log(options, error, "debug", message) : null);
            return Dispatch(args[i], args.Skip(i + 1).ToList(), runtime, options, output);
        }
        catch (Exception e) when (e is OciException or OciUsage or SpecException or KernelException or IOException or UnauthorizedAccessException)
        {
            string message = e is SpecException s ? $"{s.Origin}: {s.Message}" : e.Message;
            Log(options, error, "error", message);
            return e is OciUsage ? ExitCodes.Usage : 1;
        }
    }

    private static int Dispatch(string command, List<string> rest, OciRuntime runtime, OciRuntimeOptions options, TextWriter output)
    {
        var opts = new CommandOptions(command, rest);
        switch (command)
        {
            case "create":
            {
                string bundle = opts.Value("--bundle", "-b") ?? ".";
                string? pidFile = opts.Value("--pid-file");
                string? console = opts.Value("--console-socket");
                opts.Refuse("--no-pivot", "the root is always entered with pivot_root");
                opts.Accept("--no-new-keyring"); // no session keyring is ever made
                if (opts.Value("--preserve-fds") is { } n && n != "0") throw new OciUsage("--preserve-fds: only descriptors 0, 1 and 2 reach a container");
                runtime.Create(opts.Id(), bundle, pidFile, console);
                return 0;
            }
            case "start":
                runtime.Start(opts.Id());
                return 0;
            case "state":
                output.WriteLine(OciRuntime.ToJson(runtime.State(opts.Id())));
                return 0;
            case "kill":
            {
                bool all = opts.Flag("--all", "-a");
                string id = opts.Id(allowMore: 1);
                int signal = opts.Positional.Count > 1 ? ParseSignal(opts.Positional[1]) : 15;
                runtime.Kill(id, signal, all);
                return 0;
            }
            case "delete":
            {
                bool force = opts.Flag("--force", "-f");
                runtime.Delete(opts.Id(), force);
                return 0;
            }
            case "run":
            {
                string bundle = opts.Value("--bundle", "-b") ?? ".";
                string? pidFile = opts.Value("--pid-file");
                bool detach = opts.Flag("--detach", "-d");
                opts.Refuse("--no-pivot", "the root is always entered with pivot_root");
                opts.Accept("--no-new-keyring");
                string id = opts.Id();
                return OciRun.Run(runtime, id, bundle, pidFile, detach);
            }
            case "list":
            {
                string format = opts.Value("--format", "-f") ?? "table";
                bool quiet = opts.Flag("--quiet", "-q");
                opts.NoPositional();
                var list = runtime.List();
                if (quiet) foreach (var s in list) output.WriteLine(s.Id);
                else if (format == "json") output.WriteLine(OciRuntime.ToJson(list));
                else
                {
                    output.WriteLine("ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER");
                    foreach (var s in list) output.WriteLine($"{s.Id}\t{s.Pid}\t{s.Status}\t{s.Bundle}\t{s.Created:O}\t{s.Owner}");
                }
                return 0;
            }
            case "ps":
            {
                string format = opts.Value("--format", "-f") ?? "table";
                string id = opts.Id();
                var pids = runtime.Pids(id);
                if (format == "json") output.WriteLine("[" + string.Join(",", pids) + "]");
                else foreach (int pid in pids) output.WriteLine(pid);
                return 0;
            }
            case "spec":
            {
                string bundle = opts.Value("--bundle", "-b") ?? ".";
                if (opts.Flag("--rootless")) throw new OciUsage("spec --rootless: rootless containers are not supported yet");
                opts.NoPositional();
                string path = Path.Combine(bundle, "config.json");
                if (File.Exists(path)) throw new OciException($"File {path} exists. Remove it first");
                File.WriteAllText(path, OciDefaults.SpecJson);
                return 0;
            }
            case "features":
                opts.NoPositional();
                output.WriteLine(OciDefaults.FeaturesJson);
                return 0;
            case "exec":
                return OciExecCommand.Run(runtime, rest);
            case "pause":
                runtime.Pause(opts.Id());
                return 0;
            case "resume":
                runtime.Resume(opts.Id());
                return 0;
            case "update":
                return OciUpdateCommand.Run(runtime, rest, Console.OpenStandardInput);
            case "events":
            {
                string? every = opts.Value("--interval");
                bool once = opts.Flag("--stats");
                TimeSpan interval;
                try
                {
                    interval = every is null ? TimeSpan.FromSeconds(5) : GoDuration.Parse(every, "events --interval");
                }
                catch (SpecException e)
                {
                    throw new OciUsage($"{e.Origin}: {e.Message}");
                }
                if (interval <= TimeSpan.Zero) throw new OciUsage("events --interval: the interval must be greater than 0");
                runtime.Events(opts.Id(), interval, once, line =>
                {
                    output.WriteLine(line);
                    output.Flush();
                });
                return 0;
            }
            case "checkpoint" or "restore":
                throw new OciException($"{command}: not supported yet (docs/oci.md)");
            default:
                throw new OciUsage($"{command}: unknown command\n{Usage}");
        }
    }

    private static int ParseSignal(string text)
    {
        if (int.TryParse(text, out int n) && n is > 0 and < 65) return n;
        string name = text.StartsWith("SIG", StringComparison.Ordinal) ? text : "SIG" + text;
        for (int s = 1; s < 65; s++) if (Signals.Name(s) == name) return s;
        throw new OciUsage($"kill: unknown signal '{text}'");
    }

    /// <summary>An option's value; an empty one (a path would become the current directory) is refused.</summary>
    internal static string NonEmpty(string flag, string value) =>
        value.Length > 0 ? value : throw new OciUsage($"{flag}: the value is empty");

    internal static string Name(string flag, out string? inline)
    {
        int eq = flag.IndexOf('=');
        inline = eq > 0 ? flag[(eq + 1)..] : null;
        return eq > 0 ? flag[..eq] : flag;
    }

    private static void Log(OciRuntimeOptions options, TextWriter error, string level, string message)
    {
        error.WriteLine($"nssandbox: {message}");
        if (options.Log is null) return;
        string line = options.LogJson
            ? JsonSerializer.Serialize(new OciLogLine(level, message, DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture)), OciLogJsonContext.Default.OciLogLine)
            : $"{DateTimeOffset.UtcNow:O} {level}: {message}";
        try
        {
            File.AppendAllText(options.Log, line + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"nssandbox: --log {options.Log}: {e.Message}");
        }
    }

    /// <summary>A command's own options and its positional arguments (runc accepts options before the id).</summary>
    private sealed class CommandOptions
    {
        private readonly string _command;
        private readonly List<string> _args;

        public CommandOptions(string command, List<string> args)
        {
            _command = command;
            _args = args;
        }

        public List<string> Positional => _args.Where(a => !a.StartsWith('-')).ToList();

        public string? Value(params string[] names)
        {
            for (int i = 0; i < _args.Count; i++)
            {
                string n = Name(_args[i], out string? inline);
                if (!names.Contains(n)) continue;
                string value = NonEmpty($"{_command} {n}", inline ?? (i + 1 < _args.Count ? _args[i + 1] : throw new OciUsage($"{_command} {n}: needs a value")));
                _args.RemoveRange(i, inline is null ? 2 : 1);
                return value;
            }
            return null;
        }

        public bool Flag(params string[] names)
        {
            int i = _args.FindIndex(a => names.Contains(a));
            if (i < 0) return false;
            _args.RemoveAt(i);
            return true;
        }

        public void Accept(string name) => Flag(name);

        public void Refuse(string name, string why)
        {
            if (Flag(name)) throw new OciUsage($"{_command} {name}: not supported: {why}");
        }

        public void NoPositional()
        {
            if (_args.Count > 0) throw new OciUsage($"{_command}: unexpected '{_args[0]}'");
        }

        public string Id(int allowMore = 0)
        {
            if (_args.FirstOrDefault(a => a.StartsWith('-')) is { } unknown) throw new OciUsage($"{_command} {unknown}: unknown option");
            if (_args.Count == 0) throw new OciUsage($"{_command}: a container id is required");
            if (_args.Count > 1 + allowMore) throw new OciUsage($"{_command}: unexpected '{_args[1 + allowMore]}'");
            return _args[0];
        }
    }
}

/// <summary>A malformed runtime command line (exit 125, as for the launcher's own usage errors).</summary>
public sealed class OciUsage(string message) : Exception(message);
