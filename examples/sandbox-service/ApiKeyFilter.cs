using System.Security.Cryptography;
using System.Text;

namespace SandboxService;

/// <summary>Lets a request through only with the configured key in X-Api-Key, compared in constant time.</summary>
internal sealed class ApiKeyFilter(string apiKey) : IEndpointFilter
{
    public const string Header = "X-Api-Key";
    private readonly byte[] _key = Encoding.UTF8.GetBytes(apiKey);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        string? given = context.HttpContext.Request.Headers[Header];
        bool ok = given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _key);
        return ok ? next(context) : ValueTask.FromResult<object?>(Results.Json(new ServiceError("missing or wrong API key"),
            ServiceJson.Default.ServiceError, statusCode: StatusCodes.Status401Unauthorized));
    }
}
