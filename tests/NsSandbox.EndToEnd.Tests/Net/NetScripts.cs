namespace NsSandbox.EndToEnd.Tests.Net;

/// <summary>Shell lines the network tests run in sandboxes; each prints one line.</summary>
public static class NetScripts
{
    /// <summary>What the server at host:port says, or the connect error (bash reports it twice; the last line is
    /// kept, without its "bash: ...:" prefix).</summary>
    public static string Get(string host, int port) =>
        $"timeout 10 bash -c 'cat < /dev/tcp/{host}/{port}' 2>&1 | tail -n 1 | sed 's/^.*: //';";

    /// <summary>The first address <paramref name="name"/> resolves to, or "unresolved"; <paramref name="environment"/>
    /// ("VAR=value") is getent's.</summary>
    public static string Lookup(string name, string environment = "") =>
        $"(env {environment} getent hosts {name} || echo unresolved) | head -n 1 | awk '{{print $1}}';";
}
