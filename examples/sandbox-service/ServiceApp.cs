using NsSandbox.Client;

namespace SandboxService;

/// <summary>Builds the service: settings, one <see cref="NsSandboxClient"/> for all requests (its concurrency
/// limit is the service's), the session store, the endpoints, and loopback unless an address is configured.</summary>
public static class ServiceApp
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var settings = builder.Configuration.GetSection("SandboxService").Get<ServiceSettings>() ?? new ServiceSettings();
        if (string.IsNullOrEmpty(settings.ApiKey))
            throw new InvalidOperationException("set an API key: SandboxService:ApiKey (or the SandboxService__ApiKey variable)");
        // Nothing listens beyond this machine unless the operator says where (--urls, ASPNETCORE_URLS, Kestrel).
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
            builder.WebHost.UseUrls(DefaultUrl);

        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ServiceJson.Default));
        builder.Services.AddSingleton(settings);
        // Factories, so the container disposes them (the store first: it was made after the client).
        builder.Services.AddSingleton(_ => new NsSandboxClient(new NsSandboxClientOptions
        {
            BinaryPath = settings.BinaryPath,
            MaxConcurrentRuns = settings.MaxConcurrentRuns,
            MaxQueuedRuns = settings.MaxQueuedRuns,
            OutputLimitBytes = settings.OutputLimitBytes,
            DefaultOptions = new SandboxOptions
            {
                Profile = settings.Profile is { Length: > 0 } p ? SandboxProfile.FromFile(p) : null,
                StateDirectory = settings.StateDirectory,
                TimeLimit = TimeSpan.FromSeconds(settings.DefaultTimeLimitSeconds),
            },
        }));
        builder.Services.AddSingleton(sp => new SessionStore(sp.GetRequiredService<NsSandboxClient>(), settings));

        var app = builder.Build();
        app.Services.GetRequiredService<SessionStore>().StartReaper();
        Endpoints.Map(app, settings);
        return app;
    }
}
