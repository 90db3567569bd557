using System.Diagnostics;
using NsSandbox.Contract.Oci;

namespace NsSandbox.Core.Oci;

/// <summary>Runs OCI hooks: the hook's path with its args (args[0] is its argv[0], which a hook such as dockerd's
/// libnetwork-setkey dispatches on), its env as the whole environment, and the container's state on stdin.
/// .NET's Process cannot set argv[0], so the launcher re-executes itself as <see cref="ExecArgv0"/>, which
/// execs the hook with it. A hook that outlives its timeout (or 2 minutes) is killed and fails.</summary>
public static class HookRunner
{
    /// <summary>argv[1] of the self-exec: `nssandbox __exec_argv0 PATH ARGV0 ARGS...`.</summary>
    public const string ExecArgv0 = "__exec_argv0";

    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    public static void Run(string stage, IReadOnlyList<OciHook>? hooks, string stateJson)
    {
        foreach (var hook in hooks ?? [])
        {
            var psi = new ProcessStartInfo(Environment.ProcessPath!)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            psi.ArgumentList.Add(ExecArgv0);
            psi.ArgumentList.Add(hook.Path);
            var args = hook.Args is { Count: > 0 } a ? a : [hook.Path];
            foreach (string arg in args) psi.ArgumentList.Add(arg);
            psi.Environment.Clear();
            foreach (string entry in hook.Env ?? [])
            {
                int eq = entry.IndexOf('=');
                if (eq > 0) psi.Environment[entry[..eq]] = entry[(eq + 1)..];
            }
            using var p = Process.Start(psi) ?? throw new OciException($"{stage} hook {hook.Path}: could not start");
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            try
            {
                p.StandardInput.Write(stateJson);
                p.StandardInput.Close();
            }
            catch (IOException)
            {
                // A hook need not read its stdin.
            }
            var timeout = hook.Timeout is > 0 ? TimeSpan.FromSeconds(hook.Timeout.Value) : DefaultTimeout;
            if (!p.WaitForExit(timeout))
            {
                p.Kill();
                p.WaitForExit();
                throw new OciException($"{stage} hook {hook.Path}: did not finish within {timeout.TotalSeconds:0} s");
            }
            if (p.ExitCode != 0)
            {
                string text = (stderr.Result + stdout.Result).Trim().ReplaceLineEndings(" ");
                throw new OciException($"{stage} hook {hook.Path} exited with {p.ExitCode}{(text.Length > 0 ? ": " + text : "")}");
            }
        }
    }
}

/// <summary>A runtime command failed; the message is what runc would print (and log for the shim).</summary>
public sealed class OciException(string message) : Exception(message);
