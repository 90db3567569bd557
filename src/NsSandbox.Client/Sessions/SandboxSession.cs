using System.Runtime.CompilerServices;

namespace NsSandbox.Client;

/// <summary>A workspace that keeps one /data across runs: files put in, commands run on them, files taken out.
/// The directory is the launcher's own (a run's /data kept with --keep_data, so it belongs to the sandbox's
/// user); every run of the session mounts it with --data. Files move through the sandbox (cat inside it), never
/// through the host's view of the directory, so a symlink the sandboxed code leaves there cannot point the
/// client at a host file. Disposing cancels the session's runs and removes the directory.</summary>
public sealed class SandboxSession : IAsyncDisposable
{
    private const string PutScript = "mkdir -p -- \"$(dirname -- \"$1\")\" && cat > \"$1\"";
    private readonly NsSandboxClient _client;
    private readonly CancellationTokenSource _disposing = new();
    private readonly object _lock = new();
    private readonly List<Task> _running = [];
    private bool _disposed;

    private SandboxSession(NsSandboxClient client, SandboxOptions options, string dataDirectory)
    {
        _client = client;
        DataDirectory = dataDirectory;
        Options = options with { DataDirectory = dataDirectory, KeepData = false };
    }

    /// <summary>The workspace on the host. Its content is the sandboxed code's: do not follow its links.</summary>
    public string DataDirectory { get; }

    /// <summary>The options of the session's runs (those it was created with, /data set to the workspace).</summary>
    public SandboxOptions Options { get; }

    internal static async Task<SandboxSession> CreateAsync(NsSandboxClient client, SandboxOptions options, CancellationToken cancellationToken)
    {
        if (options.DataDirectory is not null || options.KeepData)
            throw new ArgumentException("a session makes its own /data: leave DataDirectory and KeepData unset", nameof(options));
        var result = await client.RunAsync(new SandboxRequest
        {
            Command = ["/bin/true"],
            Options = options with { KeepData = true, TimeLimit = client.Options.FileTransferTimeLimit },
        }, cancellationToken).ConfigureAwait(false);
        string? dir = result.Report?.Sandbox.DataDir;
        if (!result.Succeeded || dir is null)
        {
            // The launcher keeps /data whatever the outcome: a failed start must not leave it behind.
            if (dir is not null) WorkspaceRemoval.Remove(dir);
            throw new SandboxSessionException($"could not create the workspace: {Describe(result)}", result);
        }
        return new SandboxSession(client, options, dir);
    }

    /// <summary>Runs <paramref name="command"/> in the workspace under the session's options.</summary>
    public Task<SandboxResult> RunAsync(IReadOnlyList<string> command, CancellationToken cancellationToken = default) =>
        RunAsync(new SandboxRequest { Command = command }, cancellationToken);

    /// <summary>Runs a request in the workspace: its options (the session's when null) with /data set to it.</summary>
    public Task<SandboxResult> RunAsync(SandboxRequest request, CancellationToken cancellationToken = default) =>
        Track(token => _client.RunAsync(InWorkspace(request), token), cancellationToken);

    /// <summary>Yields a run's output as it comes, then its result (see <see cref="NsSandboxClient.StreamAsync"/>).</summary>
    public async IAsyncEnumerable<SandboxEvent> StreamAsync(SandboxRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _running.Add(done.Task);
        }
        try
        {
            await foreach (var e in _client.StreamAsync(InWorkspace(request), linked.Token).ConfigureAwait(false))
                yield return e;
        }
        finally
        {
            lock (_lock) _running.Remove(done.Task);
            done.SetResult();
        }
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> (relative to /data), making its
    /// directories, as the sandbox's user.</summary>
    /// <exception cref="SandboxSessionException">The sandbox could not write it (the reason is the command's).</exception>
    public async Task WriteFileAsync(string path, Stream content, CancellationToken cancellationToken = default)
    {
        var result = await Transfer(["/bin/sh", "-c", PutScript, "put", WorkspacePath.Inside(path)], content, null, cancellationToken)
            .ConfigureAwait(false);
        if (!result.Succeeded) throw new SandboxSessionException($"could not write {path}: {Describe(result)}", result);
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> (relative to /data).</summary>
    public Task WriteFileAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        WriteFileAsync(path, new MemoryStream(content.ToArray(), writable: false), cancellationToken);

    /// <summary>Copies the file <paramref name="path"/> (relative to /data) to <paramref name="destination"/>,
    /// read as the sandbox's user.</summary>
    /// <exception cref="SandboxSessionException">No such file, or it could not be read (the reason is cat's).</exception>
    public async Task ReadFileAsync(string path, Stream destination, CancellationToken cancellationToken = default)
    {
        var result = await Transfer(["/bin/cat", "--", WorkspacePath.Inside(path)], null,
            (chunk, token) => destination.WriteAsync(chunk, token), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded) throw new SandboxSessionException($"could not read {path}: {Describe(result)}", result);
    }

    /// <summary>The file <paramref name="path"/> (relative to /data), at most <paramref name="maxBytes"/> long.</summary>
    /// <exception cref="SandboxSessionException">No such file, or it is longer than <paramref name="maxBytes"/>.</exception>
    public async Task<byte[]> ReadFileAsync(string path, int maxBytes = 16 * 1024 * 1024, CancellationToken cancellationToken = default)
    {
        var result = await Transfer(["/bin/cat", "--", WorkspacePath.Inside(path)], null, null, cancellationToken, maxBytes)
            .ConfigureAwait(false);
        if (!result.Succeeded) throw new SandboxSessionException($"could not read {path}: {Describe(result)}", result);
        if (result.StandardOutput.Truncated)
            throw new SandboxSessionException($"{path} is {result.StandardOutput.TotalBytes} bytes, more than {maxBytes}", result);
        return result.StandardOutput.Bytes.ToArray();
    }

    private Task<SandboxResult> Transfer(IReadOnlyList<string> command, Stream? input,
        Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask>? output, CancellationToken cancellationToken, int outputLimit = 0) =>
        RunAsync(new SandboxRequest
        {
            Command = command,
            Options = Options with { TimeLimit = _client.Options.FileTransferTimeLimit },
            StandardInput = input,
            OnStandardOutput = output,
            OutputLimitBytes = outputLimit,
        }, cancellationToken);

    private SandboxRequest InWorkspace(SandboxRequest request) =>
        request with { Options = (request.Options ?? Options) with { DataDirectory = DataDirectory, KeepData = false } };

    /// <summary>Runs an operation that disposal waits for, and cancels.</summary>
    private async Task<T> Track<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        Task<T> task;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            task = operation(linked.Token);
            _running.Add(task);
        }
        try
        {
            return await task.ConfigureAwait(false);
        }
        finally
        {
            lock (_lock) _running.Remove(task);
        }
    }

    private static string Describe(SandboxResult r) =>
        r.Message ?? (r.StandardError.Text.Trim() is { Length: > 0 } err ? err : $"{r.Outcome}, exit code {r.ExitCode}");

    /// <summary>Cancels the session's runs, waits for them to end, and removes the workspace.</summary>
    public async ValueTask DisposeAsync()
    {
        Task[] running;
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            running = [.. _running];
        }
        _disposing.Cancel();
        try
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Their callers see how they ended; here only their end matters.
        }
        WorkspaceRemoval.Remove(DataDirectory);
        _disposing.Dispose();
    }
}
