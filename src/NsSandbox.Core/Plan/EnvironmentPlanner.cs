
namespace NsSandbox.Core.Plan;

/// <summary>The target's environment and where its argv[0] is looked up.</summary>
public static class EnvironmentPlanner
{
    public static IReadOnlyList<string> Build(EnvSpec env, IHostView host)
    {
        var vars = new List<KeyValuePair<string, string>>();
        if (env.KeepAll) vars.AddRange(host.Environment);
        else
        {
            vars.Add(new("PATH", Defaults.Path));
            vars.Add(new("HOME", "/data"));
        }
        foreach (var entry in env.Entries)
        {
            string? value = entry.Value ?? host.GetEnvironmentVariable(entry.Name);
            if (value is null) continue; // a pass-through of a variable the host does not have
            vars.RemoveAll(v => v.Key == entry.Name);
            vars.Add(new(entry.Name, value));
        }
        return vars.Select(v => $"{v.Key}={v.Value}").ToList();
    }

    /// <summary>Like execvp: a name with a slash is used as is, otherwise each PATH directory in turn.</summary>
    public static IReadOnlyList<string> ExecCandidates(string argv0, IReadOnlyList<string> env)
    {
        if (argv0.Contains('/')) return [argv0];
        string path = env.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? Defaults.Path;
        return path.Split(':').Where(d => d.StartsWith('/')).Select(d => d.TrimEnd('/') + "/" + argv0).ToList();
    }
}
