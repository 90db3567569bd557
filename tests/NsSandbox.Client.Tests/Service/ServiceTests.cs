using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using SandboxService;

namespace NsSandbox.Client.Tests;

/// <summary>The example service on a loopback port of its own, through real HTTP requests.</summary>
public sealed class ServiceTests : IAsyncLifetime
{
    private const string Key = "test-key-4f9a";
    private TestSandbox? _t;
    private WebApplication? _app;
    private HttpClient _http = new();

    public async ValueTask InitializeAsync()
    {
        _t = new TestSandbox();
        _app = ServiceApp.Build([
            "--urls=http://127.0.0.1:0",
            $"--SandboxService:ApiKey={Key}",
            $"--SandboxService:BinaryPath={Machine.BinaryPath}",
            $"--SandboxService:StateDirectory={_t.StateDirectory}",
            "--SandboxService:MaxTimeLimitSeconds=30",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await _app.StartAsync(Ct);
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.Single()), Timeout = TimeSpan.FromMinutes(1) };
        _http.DefaultRequestHeaders.Add("X-Api-Key", Key);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync(); // removes the sessions left open
        }
        _t?.Dispose(); // no run directory, no workspace left
    }

    [Fact]
    public void ItListensOnLoopbackOnly() =>
        Assert.StartsWith("http://127.0.0.1:", _app!.Urls.Single());

    [Fact]
    public async Task WithoutAnAddressItWouldTakeLoopbackAndWithoutAKeyItWillNotStart()
    {
        await using var app = ServiceApp.Build(["--SandboxService:ApiKey=k", $"--SandboxService:BinaryPath={Machine.BinaryPath}"]);
        Assert.Equal(ServiceApp.DefaultUrl, app.Configuration["urls"]);
        var e = Assert.Throws<InvalidOperationException>(() => ServiceApp.Build([$"--SandboxService:BinaryPath={Machine.BinaryPath}"]));
        Assert.Contains("ApiKey", e.Message);
    }

    [Fact]
    public async Task RequestsWithoutTheKeyAreRefused()
    {
        using var anonymous = new HttpClient { BaseAddress = _http.BaseAddress };
        var run = Json(new JsonObject { ["command"] = new JsonArray("/bin/true") });
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/runs", run, Ct)).StatusCode);
        anonymous.DefaultRequestHeaders.Add("X-Api-Key", "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/sessions", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health", Ct)).StatusCode);
    }

    [Fact]
    public async Task ASessionKeepsItsFilesAcrossRunsUntilDeleted()
    {
        var created = await _http.PostAsync("/sessions", null, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        string id = (await Body(created)).GetProperty("id").GetString()!;
        await Ok(await _http.PostAsync($"/sessions/{id}/files", Json(new JsonObject { ["path"] = "src/main.sh", ["content"] = "cat in.txt > out.txt; echo done" }), Ct));
        await Ok(await _http.PostAsync($"/sessions/{id}/files", Json(new JsonObject { ["path"] = "in.txt", ["content"] = Convert.ToBase64String("héllo ✓"u8), ["base64"] = true }), Ct));

        var run = await Body(await _http.PostAsync($"/sessions/{id}/runs", Json(new JsonObject { ["command"] = new JsonArray("/bin/sh", "src/main.sh") }), Ct));
        Assert.Equal(("Exited", 0, "done\n"), (run.GetProperty("outcome").GetString(), run.GetProperty("exitCode").GetInt32(), run.GetProperty("stdout").GetString()));
        var file = await Body(await _http.GetAsync($"/sessions/{id}/files?path=out.txt", Ct));
        Assert.Equal("héllo ✓", Encoding.UTF8.GetString(Convert.FromBase64String(file.GetProperty("contentBase64").GetString()!)));

        Assert.Equal(HttpStatusCode.NoContent, (await _http.DeleteAsync($"/sessions/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.PostAsync($"/sessions/{id}/runs", Json(new JsonObject { ["command"] = new JsonArray("/bin/true") }), Ct)).StatusCode);
    }

    [Fact]
    public async Task OneShotRunsTakeInputAndATimeLimit()
    {
        var echoed = await Body(await _http.PostAsync("/runs", Json(new JsonObject { ["command"] = new JsonArray("/bin/cat"), ["stdin"] = "ïnput" }), Ct));
        Assert.Equal("ïnput", echoed.GetProperty("stdout").GetString());
        var slow = await Body(await _http.PostAsync("/runs", Json(new JsonObject { ["command"] = new JsonArray("/bin/sleep", "20"), ["timeLimitSeconds"] = 0.5 }), Ct));
        Assert.Equal("TimedOut", slow.GetProperty("outcome").GetString());
        Assert.Contains("time limit", slow.GetProperty("message").GetString());
    }

    [Fact]
    public async Task ACallerThatHangsUpEndsItsRun()
    {
        using var hangUp = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var call = _http.PostAsync("/runs", Json(new JsonObject { ["command"] = new JsonArray("/bin/sleep", "20"), ["timeLimitSeconds"] = 30 }), hangUp.Token);
        Assert.True(await HealthWithin(h => h.GetProperty("running").GetInt32() == 1), "the run did not start");
        hangUp.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.True(await HealthWithin(h => h.GetProperty("running").GetInt32() == 0), "the run outlived its caller");
        Assert.Empty(_t!.RunDirectories());
    }

    /// <summary>Polls /health until it satisfies <paramref name="condition"/>, for at most 10 s.</summary>
    private async Task<bool> HealthWithin(Func<JsonElement, bool> condition)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline; await Task.Delay(20, Ct))
            if (condition(await Body(await _http.GetAsync("/health", Ct)))) return true;
        return false;
    }

    [Fact]
    public async Task BadRequestsAreRefusedWithTheReason()
    {
        await Refused(HttpStatusCode.BadRequest, "command", await _http.PostAsync("/runs", Json(new JsonObject { ["command"] = new JsonArray() }), Ct));
        await Refused(HttpStatusCode.BadRequest, "timeLimitSeconds", await _http.PostAsync("/runs", Json(new JsonObject { ["command"] = new JsonArray("/bin/true"), ["timeLimitSeconds"] = 1000 }), Ct));
        string id = (await Body(await _http.PostAsync("/sessions", null, Ct))).GetProperty("id").GetString()!;
        await Refused(HttpStatusCode.BadRequest, "base64", await _http.PostAsync($"/sessions/{id}/files", Json(new JsonObject { ["path"] = "x", ["content"] = "!!", ["base64"] = true }), Ct));
        await Refused(HttpStatusCode.BadRequest, "workspace", await _http.PostAsync($"/sessions/{id}/files", Json(new JsonObject { ["path"] = "../x", ["content"] = "" }), Ct));
        await Refused(HttpStatusCode.NotFound, "No such file", await _http.GetAsync($"/sessions/{id}/files?path=missing", Ct));
        await Refused(HttpStatusCode.NotFound, "no such session", await _http.GetAsync("/sessions/nope/files?path=x", Ct));
    }

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private static async Task<JsonElement> Body(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task Ok(HttpResponseMessage response) =>
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");

    private static async Task Refused(HttpStatusCode status, string reason, HttpResponseMessage response)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Contains(reason, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetString());
    }
}
