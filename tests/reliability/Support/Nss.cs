using System.Collections.Concurrent;
using System.Diagnostics;
using NsSandbox.EndToEnd.Tests;

namespace NsSandbox.Reliability.Tests;

/// <summary>The published nssandbox run by this suite, every process of it remembered: a process the suite started
/// is waited for by .NET, any other child of this process (the subreaper) is an orphan a launcher left.</summary>
public static class Nss
{
    private static readonly ConcurrentDictionary<int, byte> Started = new();

    public static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Whether this suite started <paramref name="pid"/> itself.</summary>
    public static bool IsStarted(int pid) => Started.ContainsKey(pid);

    /// <summary>Starts nssandbox (or, with <paramref name="program"/>, another program) and returns at once; the
    /// caller ends it. <paramref name="env"/> is added to this process's environment.</summary>
    public static Process Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, string? cwd = null,
        string? program = null, bool redirectInput = false)
    {
        var psi = new ProcessStartInfo(program ?? Launcher.BinaryPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
        };
        if (cwd is not null) psi.WorkingDirectory = cwd;
        foreach (string a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var p = Process.Start(psi)!;
        Started[p.Id] = 0;
        return p;
    }

    /// <summary>Runs to the end (within <see cref="RunTimeout"/>) and returns the exit status and output.</summary>
    public static LaunchResult Run(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, string? cwd = null,
        string? program = null)
    {
        using var p = Start(args, env, cwd, program);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(RunTimeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(TimeSpan.FromSeconds(30));
            throw new TimeoutException($"{string.Join(' ', args)} did not finish within {RunTimeout.TotalMinutes:0} minutes");
        }
        p.WaitForExit(); // the output to its end
        var result = new LaunchResult(p.ExitCode, stdout.Result, stderr.Result, null);
        p.StandardOutput.Dispose();
        p.StandardError.Dispose();
        return result;
    }

    /// <summary>A shell script run by bash with the binary's path as $NSS and <paramref name="args"/> as "$@": for
    /// what only a shell sets up (descriptor and memory limits, a closed stdout).</summary>
    public static LaunchResult Bash(string script, IEnumerable<string>? args = null, IReadOnlyDictionary<string, string>? env = null)
    {
        var all = new Dictionary<string, string> { ["NSS"] = Launcher.BinaryPath };
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) all[k] = v;
        return Run(["-euc", script, "bash", .. args ?? []], all, program: "/bin/bash");
    }
}
