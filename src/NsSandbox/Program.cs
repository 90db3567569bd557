using System.Diagnostics;
using NsSandbox.Core.Cli;
using NsSandbox.Core.Config;
using NsSandbox.Core.Execve;
using NsSandbox.Core.Plan;
using NsSandbox.Core.PolicyTool;
using NsSandbox.Core.Report;
using NsSandbox.Core.Spec;
using NsSandbox.Core.Supervision;
using NsSandbox.Core.Timing;
using NsSandbox.Linux;

namespace NsSandbox;

public static class Program
{
    public static int Main(string[] args)
    {
        try
        {
            return Run(args);
        }
        catch (SpecException e)
        {
            Console.Error.WriteLine($"nssandbox: {e.Origin}: {e.Message}");
            return ExitCodes.Usage;
        }
    }

    private static int Run(string[] args)
    {
        long mainNs = MonotonicClock.NowNs;
        if (args.Length > 0 && args[0] == "cleanup") return StaleCleanup.Run(args[1..], Console.Out, Console.Error);
        if (args.Length > 0 && args[0] == "config") return ConfigCommand.Run(args[1..], Console.Out);
        if (args.Length > 0 && args[0] == "policy") return PolicyCommand.Run(args[1..], Console.Out, Console.Error);
        var parsed = ArgParser.Parse(args);
        if (parsed.Help)
        {
            Console.Out.Write(HelpText.Render());
            return 0;
        }
        var spec = parsed.Builder.Build();
        if (spec.TraceTiming)
        {
            LaunchTrace.Enable(LaunchTrace.Supervisor, mainNs);
            LaunchTrace.Mark("spec");
        }
        long compileStart = Stopwatch.GetTimestamp();
        byte[]? seccompFilter = SeccompPlanner.Compile(spec.Seccomp);
        if (seccompFilter is not null && spec.Verbosity == Verbosity.Verbose)
            Console.Error.WriteLine($"nssandbox: seccomp: {spec.Seccomp.Label}: {seccompFilter.Length / 8} instructions, " +
                $"compiled in {Stopwatch.GetElapsedTime(compileStart).TotalMilliseconds:0.0} ms");
        LaunchTrace.Mark("seccomp compiled");
        if (spec.Mode == RunMode.Execve)
        {
            var failure = ExecveLauncher.Exec(spec, new RealHostView(), seccompFilter);
            Console.Error.WriteLine($"nssandbox: {failure.Message}");
            return ExitCodes.Setup;
        }

        RunReport report;
        try
        {
            report = new OnceRunner(spec, new RealHostView(), Console.Error).Run(seccompFilter);
        }
        catch (KernelException e)
        {
            Console.Error.WriteLine($"nssandbox: {e.Message}");
            return ExitCodes.Setup;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"nssandbox: {e.Message}");
            return ExitCodes.Setup;
        }
        Announce(spec, report);
        if (spec.ReportPath is { } path) ReportWriter.Write(report, path);
        LaunchTrace.Mark("report");
        if (spec.TraceTiming) LaunchTrace.Print(Console.Error);
        return report.LauncherExitCode;
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
