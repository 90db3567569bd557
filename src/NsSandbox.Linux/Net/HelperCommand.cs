using System.Diagnostics;

namespace NsSandbox.Linux.Net;

/// <summary>Runs a short-lived helper program (nsenter, nft, ip) to completion. A process, not a setns in the
/// supervisor: setns affects only the calling thread of a multi-threaded runtime.</summary>
public static class HelperCommand
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="exe"/> with <paramref name="stdin"/> as its input; a non-zero exit throws
    /// <see cref="NetworkException"/> with <paramref name="what"/> and the program's own error text.</summary>
    public static void Run(string what, string exe, IEnumerable<string> args, string stdin = "")
    {
        var psi = new ProcessStartInfo(exe)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new NetworkException($"{what}: cannot start {exe}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(Timeout))
        {
            p.Kill();
            p.WaitForExit();
            throw new NetworkException($"{what}: {Path.GetFileName(exe)} did not finish within {Timeout.TotalSeconds:0} s");
        }
        if (p.ExitCode != 0)
        {
            string text = (stderr.Result + stdout.Result).Trim().ReplaceLineEndings(" ");
            throw new NetworkException($"{what}: {Path.GetFileName(exe)} exited with {p.ExitCode}: {text}");
        }
    }
}
