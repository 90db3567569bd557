using System.Text.Json;
using System.Text.Json.Serialization;
using NsSandbox.Client;

namespace SandboxService;

/// <summary>POST /runs and POST /sessions/{id}/runs.</summary>
/// <param name="Command">argv; [0] a path or a name on the sandbox's PATH.</param>
/// <param name="Stdin">Standard input as text (UTF-8).</param>
/// <param name="TimeLimitSeconds">At most the service's maximum; its default when absent.</param>
public sealed record RunRequest(string[]? Command, string? Stdin = null, double? TimeLimitSeconds = null);

/// <summary>How a run ended, and its output up to the service's limit.</summary>
public sealed record RunResponse(
    SandboxOutcome Outcome, int? ExitCode, string? Signal, string? Message,
    string Stdout, bool StdoutTruncated, string Stderr, bool StderrTruncated,
    double WallSeconds, long PeakRssBytes, double QueueSeconds)
{
    public static RunResponse From(SandboxResult r) => new(
        r.Outcome, r.ExitCode, r.SignalName, r.Message,
        r.StandardOutput.Text, r.StandardOutput.Truncated, r.StandardError.Text, r.StandardError.Truncated,
        r.WallTime.TotalSeconds, r.PeakRssBytes, r.QueueTime.TotalSeconds);
}

/// <summary>POST /sessions/{id}/files: Content is text, or base64 when Base64 is true.</summary>
public sealed record FileUpload(string? Path, string? Content, bool Base64 = false);

/// <summary>GET /sessions/{id}/files?path=...: the file's bytes in base64.</summary>
public sealed record FileDownload(string Path, string ContentBase64, int Size);

public sealed record SessionCreated(string Id);

public sealed record ServiceError(string Error);

public sealed record ServiceHealth(int Running, int Queued, int Sessions);

/// <summary>Source-generated JSON for every body the service reads or writes: no reflection, AOT-safe.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(RunRequest))]
[JsonSerializable(typeof(RunResponse))]
[JsonSerializable(typeof(FileUpload))]
[JsonSerializable(typeof(FileDownload))]
[JsonSerializable(typeof(SessionCreated))]
[JsonSerializable(typeof(ServiceError))]
[JsonSerializable(typeof(ServiceHealth))]
internal sealed partial class ServiceJson : JsonSerializerContext;
