using NsSandbox.Commands;
using NsSandbox.Core.Execve;
using NsSandbox.Core.Oci;
using NsSandbox.Core.Plan;
using NsSandbox.Core.Report;
using NsSandbox.Core.Supervision;
using NsSandbox.Core.Timing;
using NsSandbox.Frontends.Cli;
using NsSandbox.Frontends.Nsjail;
using NsSandbox.Linux;
using NsSandbox.Runs;

namespace NsSandbox;

/// <summary>The executable: subcommand dispatch, and for a run the flow front end (flags, TOML) -> spec ->
/// plan -> the mode's supervisor (once here; listen and rerun in Runs/) -> report.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        StandardDescriptors.EnsureOpen();
        SignalDispositions.UnignoreForwarded();
        try
        {
            return Run(args);
        }
        catch (SpecException e)
        {
            Console.Error.WriteLine(OneLine($"nssandbox: {e.Origin}: {e.Message}"));
            return ExitCodes.Usage;
        }
        catch (Exception e) when (HostFailure(e) is { } why)
        {
            // The host ran out of something (descriptors, memory) or refused a read outside a launch, which reports
            // its own: one line, not a crash. A launch in progress has cleaned up by the time this runs.
            try
            {
                SayLastWords(OneLine("nssandbox: " + why));
            }
            catch (OutOfMemoryException)
            {
                LogDescriptor.Write(2, "nssandbox: out of memory\n"u8); // even the line could not be made
            }
            return ExitCodes.Setup;
        }
    }

    /// <summary>An error is one line: a value quoted in it (--net $'\n') has its control characters escaped.</summary>
    private static string OneLine(string message)
    {
        if (!message.Any(char.IsControl)) return message;
        var b = new System.Text.StringBuilder(message.Length + 8);
        foreach (char c in message)
            b.Append(c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ when char.IsControl(c) => $"\\x{(int)c:x2}", _ => c.ToString() });
        return b.ToString();
    }

    /// <summary>What a failure of the host (not a defect of the launcher) says, or null for any other exception.</summary>
    private static string? HostFailure(Exception e) => e switch
    {
        TypeInitializationException { InnerException: { } inner } => HostFailure(inner),
        IOException or UnauthorizedAccessException or KernelException or System.ComponentModel.Win32Exception => e.Message,
        OutOfMemoryException => "out of memory",
        _ => null,
    };

    private static void SayLastWords(string line)
    {
        try
        {
            Console.Error.WriteLine(line);
        }
        catch (Exception)
        {
            LogDescriptor.WriteLine(2, line); // no descriptor or memory was left for the Console's own stream
        }
    }

    private static int Run(string[] args)
    {
        long mainNs = MonotonicClock.NowNs;
        if (args.Length > 0 && args[0] == HookRunner.ExecArgv0) return ExecArgv0(args[1..]);
        if (args.Length > 0 && args[0] == "oci") return OciCommand.Run(args[1..], Console.Out, Console.Error);
        if (InvokedAs() == OciCommand.LinkName) return OciCommand.Run(args, Console.Out, Console.Error);
        if (args.Length > 0 && args[0] == "cleanup") return CleanupCommand.Run(args[1..], Console.Out);
        if (args.Length > 0 && args[0] == "config") return ConfigCommand.Run(args[1..], Console.Out);
        if (args.Length > 0 && args[0] == "policy") return PolicyCommand.Run(args[1..], Console.Out, Console.Error);
        var parsed = ArgParser.Parse(args, asNsjail: InvokedAs() == NsjailDefaults.ProgramName);
        if (parsed.Help)
        {
            Console.Out.Write(HelpText.Render());
            return 0;
        }
        var mode = parsed.Builder.Mode;
        var spec = parsed.Builder.Build();
        var listen = parsed.Builder.BuildListen();
        int logFd = LauncherLog.Redirect(spec);
        if (mode == RunMode.Listen) return ListenRun.Run(spec, listen!);
        if (mode == RunMode.Rerun) return RerunRun.Run(spec);
        if (spec.TraceTiming)
        {
            LaunchTrace.Enable(LaunchTrace.Supervisor, mainNs);
            LaunchTrace.Mark("spec");
        }
        var plan = Planner.Create(spec, new RealHostView(), mode == RunMode.Execve ? PlanOptions.Execve : PlanOptions.Once);
        if (plan.Seccomp.Filter is not null && spec.Verbosity == Verbosity.Verbose)
            Console.Error.WriteLine($"nssandbox: seccomp: {plan.Seccomp.Label}: {plan.Seccomp.Instructions} instructions, " +
                $"compiled in {plan.Seccomp.CompileTime.TotalMilliseconds:0.0} ms");
        LaunchTrace.Mark("seccomp compiled");
        foreach (string warning in plan.Warnings) Console.Error.WriteLine("nssandbox: " + warning);
        if (mode == RunMode.Execve)
        {
            if (logFd != 2) LogDescriptor.Inherit(logFd);
            var failure = ExecveLauncher.Exec(plan, logFd);
            Console.Error.WriteLine($"nssandbox: {failure.Message}");
            return ExitCodes.Setup;
        }

        var report = new OnceSupervisor(plan, LinuxSpawner.Instance, Console.Error).Run();
        Announce(spec, report);
        if (spec.ReportPath is { } path) WriteReport(spec, report, path);
        if (spec.ReportDir is { } dir) ReportWriter.WriteInto(report, dir);
        LaunchTrace.Mark("report");
        if (spec.TraceTiming) LaunchTrace.Print(Console.Error);
        return report.LauncherExitCode;
    }

    /// <summary>The run is over and cleaned up when its report cannot be written (a full disk): that is said on
    /// stderr, and the exit status stays the command's.</summary>
    private static void WriteReport(SandboxSpec spec, RunReport report, string path)
    {
        try
        {
            ReportWriter.Write(report, path);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"nssandbox: {spec.OriginOf("report", "--report")}: {e.Message}");
        }
    }

    /// <summary>An OCI hook's exec with its own argv[0] (<see cref="HookRunner"/>): PATH ARGV0 ARGS...</summary>
    private static int ExecArgv0(string[] args)
    {
        if (args.Length < 2) return ExitCodes.Usage;
        int errno = ProcessImage.Replace(args[0], args[1..]);
        Console.Error.WriteLine($"nssandbox: exec {args[0]}: {KernelException.Describe(errno)}");
        return ExitCodes.NotFound;
    }

    /// <summary>The name the launcher was started under (argv[0]'s file name), which a link can set.</summary>
    private static string InvokedAs()
    {
        try
        {
            string cmdline = File.ReadAllText("/proc/self/cmdline");
            int end = cmdline.IndexOf('\0');
            return Path.GetFileName(end < 0 ? cmdline : cmdline[..end]);
        }
        catch (IOException)
        {
            return "nssandbox";
        }
    }

    /// <summary>One line on stderr when the run did not simply exit: the user reads why.</summary>
    private static void Announce(SandboxSpec spec, RunReport report)
    {
        string? line = report.Reason switch
        {
            EndReason.SetupError => report.Error!.Message,
            EndReason.Seccomp when spec.Verbosity != Verbosity.Quiet => "seccomp: " + report.Seccomp!.Describe(),
            EndReason.Timeout when spec.Verbosity != Verbosity.Quiet =>
                $"time limit of {spec.TimeLimit!.Value.TotalSeconds:0.###}s reached; the sandbox was killed",
            EndReason.Signaled when spec.Verbosity == Verbosity.Verbose => $"the command was killed by {report.SignalName}",
            _ => null,
        };
        if (line is not null) Console.Error.WriteLine("nssandbox: " + line);
        if (report.SeccompLogged is { Count: > 0 } logged && spec.Verbosity != Verbosity.Quiet)
            Console.Error.WriteLine("nssandbox: seccomp_log: the policy would have killed: " + string.Join(", ", logged));
    }
}
