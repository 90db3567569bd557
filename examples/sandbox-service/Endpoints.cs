using System.Text;
using NsSandbox.Client;

namespace SandboxService;

/// <summary>The HTTP API: one-shot runs, sessions, files in and out of a session, and health.</summary>
internal static class Endpoints
{
    public static void Map(WebApplication app, ServiceSettings settings)
    {
        app.MapGet("/health", (NsSandboxClient client, SessionStore sessions) =>
            new ServiceHealth(client.RunningCount, client.QueuedCount, sessions.Count));

        var api = app.MapGroup("").AddEndpointFilter(new ApiKeyFilter(settings.ApiKey!));
        api.MapPost("/runs", (RunRequest body, NsSandboxClient client, CancellationToken ct) =>
            RunAsync(body, settings, client.Options.DefaultOptions, r => client.RunAsync(r, ct)));
        api.MapPost("/sessions", async (NsSandboxClient client, SessionStore sessions, CancellationToken ct) =>
            await sessions.CreateAsync(client.Options.DefaultOptions, ct) is { } id
                ? Results.Json(new SessionCreated(id), ServiceJson.Default.SessionCreated, statusCode: StatusCodes.Status201Created)
                : Error(StatusCodes.Status503ServiceUnavailable, "too many sessions"));
        api.MapDelete("/sessions/{id}", async (string id, SessionStore sessions) =>
            await sessions.RemoveAsync(id) ? Results.NoContent() : NoSession());
        api.MapPost("/sessions/{id}/runs", (string id, RunRequest body, SessionStore sessions, CancellationToken ct) =>
            sessions.Get(id) is { } session ? RunAsync(body, settings, session.Options, r => session.RunAsync(r, ct)) : Task.FromResult(NoSession()));
        api.MapPost("/sessions/{id}/files", (string id, FileUpload body, SessionStore sessions, CancellationToken ct) =>
            sessions.Get(id) is { } session ? PutFileAsync(session, body, settings, ct) : Task.FromResult(NoSession()));
        api.MapGet("/sessions/{id}/files", (string id, string? path, SessionStore sessions, CancellationToken ct) =>
            sessions.Get(id) is { } session ? GetFileAsync(session, path, settings, ct) : Task.FromResult(NoSession()));
    }

    private static async Task<IResult> RunAsync(RunRequest body, ServiceSettings settings, SandboxOptions options,
        Func<SandboxRequest, Task<SandboxResult>> run)
    {
        if (body.Command is not { Length: > 0 } command || command.Any(string.IsNullOrEmpty))
            return Error(StatusCodes.Status400BadRequest, "command: a non-empty array of non-empty strings");
        double seconds = body.TimeLimitSeconds ?? settings.DefaultTimeLimitSeconds;
        if (!(seconds > 0 && seconds <= settings.MaxTimeLimitSeconds))
            return Error(StatusCodes.Status400BadRequest, $"timeLimitSeconds: more than 0 and at most {settings.MaxTimeLimitSeconds}");
        try
        {
            var result = await run(new SandboxRequest
            {
                Command = command,
                Options = options with { TimeLimit = TimeSpan.FromSeconds(seconds) },
                StandardInput = body.Stdin is null ? null : new MemoryStream(Encoding.UTF8.GetBytes(body.Stdin)),
            });
            return Results.Json(RunResponse.From(result), ServiceJson.Default.RunResponse);
        }
        catch (SandboxQueueFullException e)
        {
            return Error(StatusCodes.Status503ServiceUnavailable, e.Message);
        }
    }

    private static async Task<IResult> PutFileAsync(SandboxSession session, FileUpload body, ServiceSettings settings, CancellationToken ct)
    {
        byte[] content;
        try
        {
            content = body.Base64 ? Convert.FromBase64String(body.Content ?? "") : Encoding.UTF8.GetBytes(body.Content ?? "");
        }
        catch (FormatException)
        {
            return Error(StatusCodes.Status400BadRequest, "content: not base64");
        }
        if (content.Length > settings.MaxFileBytes)
            return Error(StatusCodes.Status413PayloadTooLarge, $"content: more than {settings.MaxFileBytes} bytes");
        try
        {
            await session.WriteFileAsync(body.Path ?? "", content, ct);
            return Results.NoContent();
        }
        catch (Exception e) when (e is ArgumentException or SandboxSessionException)
        {
            return Error(StatusCodes.Status400BadRequest, e.Message);
        }
    }

    private static async Task<IResult> GetFileAsync(SandboxSession session, string? path, ServiceSettings settings, CancellationToken ct)
    {
        try
        {
            byte[] content = await session.ReadFileAsync(path ?? "", settings.MaxFileBytes, ct);
            return Results.Json(new FileDownload(path!, Convert.ToBase64String(content), content.Length), ServiceJson.Default.FileDownload);
        }
        catch (ArgumentException e)
        {
            return Error(StatusCodes.Status400BadRequest, e.Message);
        }
        catch (SandboxSessionException e)
        {
            return Error(StatusCodes.Status404NotFound, e.Message);
        }
    }

    private static IResult NoSession() => Error(StatusCodes.Status404NotFound, "no such session");

    private static IResult Error(int status, string message) =>
        Results.Json(new ServiceError(message), ServiceJson.Default.ServiceError, statusCode: status);
}
