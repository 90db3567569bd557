using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using CliWrap;

namespace NsSandbox.Client;

/// <summary>Runs commands in nssandbox sandboxes. One client serves a whole service: it is thread-safe, holds
/// the concurrency limit and its queue, and owns a private directory for the launcher's reports (removed by
/// <see cref="Dispose"/>).</summary>
public sealed class NsSandboxClient : IDisposable
{
    private readonly NsSandboxClientOptions _options;
    private readonly RunGate _gate;
    private readonly LaunchRunner _runner;
    private readonly string _reportDirectory;

    /// <summary>A client with the default options (the binary from NSSANDBOX_BIN or the PATH).</summary>
    public NsSandboxClient() : this(new NsSandboxClientOptions())
    {
    }

    /// <summary>A client with these options.</summary>
    /// <exception cref="NsSandboxNotFoundException">The binary is not where the options, NSSANDBOX_BIN or the PATH say.</exception>
    public NsSandboxClient(NsSandboxClientOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentRuns, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxQueuedRuns);
        ArgumentOutOfRangeException.ThrowIfNegative(options.OutputLimitBytes);
        _options = options;
        BinaryPath = BinaryLocator.Find(options.BinaryPath, Environment.GetEnvironmentVariable);
        _gate = new RunGate(options.MaxConcurrentRuns, options.MaxQueuedRuns);
        // Mode 0700: the sandbox (with --chroot / it sees the host's files as nobody) cannot read the reports.
        _reportDirectory = Directory.CreateTempSubdirectory("nssandbox-client-").FullName;
        _runner = new LaunchRunner(BinaryPath, _reportDirectory, options.CancellationGracePeriod);
    }

    /// <summary>The launcher this client runs.</summary>
    public string BinaryPath { get; }

    /// <summary>The client's options.</summary>
    public NsSandboxClientOptions Options => _options;

    /// <summary>Runs going on now.</summary>
    public int RunningCount => _gate.Running;

    /// <summary>Runs waiting for a place under <see cref="NsSandboxClientOptions.MaxConcurrentRuns"/>.</summary>
    public int QueuedCount => _gate.Queued;

    /// <summary>Runs <paramref name="command"/> and returns how it ended.</summary>
    public Task<SandboxResult> RunAsync(IReadOnlyList<string> command, SandboxOptions? options = null,
        CancellationToken cancellationToken = default) =>
        RunAsync(new SandboxRequest { Command = command, Options = options }, cancellationToken);

    /// <summary>Runs a request and returns how it ended. Cancelling ends the sandbox and throws
    /// <see cref="OperationCanceledException"/> once nothing of the run is left.</summary>
    /// <exception cref="SandboxQueueFullException">Too many runs wait already.</exception>
    public Task<SandboxResult> RunAsync(SandboxRequest request, CancellationToken cancellationToken = default) =>
        RunCoreAsync(request, Sink(request.OnStandardOutput), Sink(request.OnStandardError), cancellationToken);

    /// <summary>Runs a request, yielding its output line by line as it comes, then a <see cref="SandboxCompleted"/>
    /// with the result. Ending the enumeration early cancels the run. Output is yielded whole, whatever the
    /// capture limit; a consumer that reads slowly slows the command down rather than filling memory.</summary>
    public async IAsyncEnumerable<SandboxEvent> StreamAsync(SandboxRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (request.OnStandardOutput is not null || request.OnStandardError is not null)
            throw new ArgumentException("StreamAsync yields the output itself; leave OnStandardOutput and OnStandardError unset", nameof(request));
        var events = Channel.CreateBounded<SandboxEvent>(new BoundedChannelOptions(256) { SingleReader = true });
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Func<SandboxOutputLine, CancellationToken, ValueTask> emit = events.Writer.WriteAsync;
        var task = Task.Run(async () =>
        {
            try
            {
                var result = await RunCoreAsync(request, new LineSink(SandboxStream.Output, emit),
                    new LineSink(SandboxStream.Error, emit), run.Token).ConfigureAwait(false);
                await events.Writer.WriteAsync(new SandboxCompleted(result), run.Token).ConfigureAwait(false);
                events.Writer.Complete();
            }
            catch (Exception e)
            {
                events.Writer.Complete(e);
            }
        }, CancellationToken.None);
        try
        {
            await foreach (var e in events.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                yield return e;
        }
        finally
        {
            run.Cancel(); // the consumer stopped early: end the run (the task itself never throws)
            await task.ConfigureAwait(false);
        }
    }

    /// <summary>A workspace that keeps one /data across runs; dispose it to remove it. The workspace is made by a
    /// short run under <paramref name="options"/> (so its owner is the sandbox's user), and moving files in and
    /// out runs /bin/sh and cat inside the sandbox: the chroot must have them.</summary>
    public Task<SandboxSession> CreateSessionAsync(SandboxOptions? options = null, CancellationToken cancellationToken = default) =>
        SandboxSession.CreateAsync(this, options ?? _options.DefaultOptions, cancellationToken);

    /// <summary>Validates a profile as a run would (<c>nssandbox config check</c>), host checks included; null when
    /// it is good, else the launcher's message (file:line:column: key: what is wrong).</summary>
    public async Task<string?> CheckProfileAsync(SandboxProfile profile, CancellationToken cancellationToken = default)
    {
        var stderr = new OutputCapture(64 * 1024, null);
        var result = await Cli.Wrap(BinaryPath).WithArguments(["config", "check", profile.Path])
            .WithValidation(CommandResultValidation.None).WithStandardErrorPipe(stderr)
            .ExecuteAsync(cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == 0) return null;
        string text = stderr.Result.Text.Trim();
        return text.StartsWith("nssandbox: ", StringComparison.Ordinal) ? text["nssandbox: ".Length..] : text;
    }

    internal async Task<SandboxResult> RunCoreAsync(SandboxRequest request, IOutputSink? stdout, IOutputSink? stderr,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request.Command);
        var options = request.Options ?? _options.DefaultOptions;
        int limit = request.OutputLimitBytes ?? _options.OutputLimitBytes;
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        long waitStart = Stopwatch.GetTimestamp();
        using var place = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
        var queued = Stopwatch.GetElapsedTime(waitStart);
        return await _runner.RunAsync(request, options, limit, stdout, stderr, queued, cancellationToken).ConfigureAwait(false);
    }

    private static CallbackSink? Sink(Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask>? callback) =>
        callback is null ? null : new CallbackSink(callback);

    /// <summary>Removes the client's report directory. Runs still going fail to find their report.</summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(_reportDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
