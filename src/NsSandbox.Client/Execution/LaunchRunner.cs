using CliWrap;

namespace NsSandbox.Client;

/// <summary>Runs the launcher through CliWrap: its command line, its pipes, its report file, and on cancellation
/// (or any other failure) its end and the clean-up of what it left.</summary>
internal sealed class LaunchRunner(string binary, string reportDirectory, TimeSpan gracePeriod)
{
    /// <summary>How long `nssandbox cleanup` may take after a cancelled or failed run.</summary>
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(30);

    public async Task<SandboxResult> RunAsync(SandboxRequest request, SandboxOptions options, int outputLimit,
        IOutputSink? stdoutSink, IOutputSink? stderrSink, TimeSpan queued, CancellationToken cancellationToken)
    {
        var commandLine = request.Command;
        var input = request.StandardInput;
        string reportPath = Path.Combine(reportDirectory, Guid.NewGuid().ToString("N") + ".json");
        var args = LauncherArguments.For(options, commandLine, reportPath);
        var stdout = new OutputCapture(outputLimit, stdoutSink);
        var stderr = new OutputCapture(outputLimit, stderrSink);
        var command = Cli.Wrap(binary)
            .WithArguments(args)
            .WithValidation(CommandResultValidation.None)
            .WithStandardInputPipe(input is null ? PipeSource.Null : PipeSource.FromStream(input))
            .WithStandardOutputPipe(stdout)
            .WithStandardErrorPipe(stderr);
        try
        {
            var result = await ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
            return ResultMapper.Map(result.ExitCode, ReportReader.Read(reportPath), stdout.Result, stderr.Result, queued);
        }
        catch (Exception e)
        {
            // Cancelled, or a caller's output callback threw: the launcher may have been killed mid-run.
            await CleanUpAsync(options.StateDirectory).ConfigureAwait(false);
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
                throw new OperationCanceledException("the run was cancelled; the sandbox is gone", e, cancellationToken);
            throw;
        }
        finally
        {
            File.Delete(reportPath);
        }
    }

    /// <summary>Cancellation kills the launcher's process tree at once (the sandbox dies with the launcher: it is
    /// pid 1 of its own pid namespace and has PR_SET_PDEATHSIG), or after a grace period in which the launcher,
    /// sent SIGINT, ends the sandbox and cleans up by itself.</summary>
    private async Task<CommandResult> ExecuteAsync(Command command, CancellationToken cancellationToken)
    {
        using var forceful = new CancellationTokenSource();
        using var onCancel = cancellationToken.Register(() =>
        {
            if (gracePeriod > TimeSpan.Zero) forceful.CancelAfter(gracePeriod);
            else forceful.Cancel();
        });
        var graceful = gracePeriod > TimeSpan.Zero ? cancellationToken : CancellationToken.None;
        return await command.ExecuteAsync(forceful.Token, graceful).ConfigureAwait(false);
    }

    /// <summary>A launcher killed mid-run leaves its run directory (and any cgroup leaf, recorded there) for the
    /// next run in the same state directory to remove: this removes them now, so a cancelled run leaves nothing.</summary>
    private async Task CleanUpAsync(string? stateDirectory)
    {
        using var timeout = new CancellationTokenSource(CleanupTimeout);
        string[] args = stateDirectory is null ? ["cleanup"] : ["cleanup", "--state_dir=" + stateDirectory];
        try
        {
            await Cli.Wrap(binary).WithArguments(args).WithValidation(CommandResultValidation.None)
                .ExecuteAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Bounded: the next run in that state directory removes what is left.
        }
    }
}
