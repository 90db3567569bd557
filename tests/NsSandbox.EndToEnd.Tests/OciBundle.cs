using System.Text.Json;
using System.Text.Json.Nodes;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>An OCI bundle for the tests: a rootfs of its own (/usr bound read-only from the host, the merged-/usr
/// links, empty /etc, /proc, /dev, /sys, /tmp) and a config.json from `nssandbox oci spec`, edited by the test.</summary>
public sealed class OciBundle
{
    public string Dir { get; }
    public string RootFs => Path.Combine(Dir, "rootfs");
    public JsonObject Config { get; }

    public OciBundle(Launcher nss, params string[] command)
    {
        Dir = Path.Combine(nss.TempDir, "bundle-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(RootFs);
        foreach (string d in new[] { "usr", "etc", "proc", "dev", "sys", "tmp" }) Directory.CreateDirectory(Path.Combine(RootFs, d));
        foreach (string l in new[] { "bin", "lib", "lib64", "sbin" }) File.CreateSymbolicLink(Path.Combine(RootFs, l), "usr/" + l);
        var spec = nss.RunRaw(["oci", "spec", "--bundle", Dir]);
        Assert.True(spec.ExitCode == 0, spec.Stderr);
        Config = JsonNode.Parse(File.ReadAllText(Path.Combine(Dir, "config.json")))!.AsObject();
        Process["args"] = new JsonArray([.. command.Select(a => JsonValue.Create(a))]);
        Mounts.Add(Mount("/usr", "bind", "/usr", "rbind", "ro"));
        Save();
    }

    public JsonObject Process => Config["process"]!.AsObject();
    public JsonObject Linux => Config["linux"]!.AsObject();
    public JsonArray Mounts => Config["mounts"]!.AsArray();

    public static JsonNode Mount(string destination, string type, string source, params string[] options) => new JsonObject
    {
        ["destination"] = destination, ["type"] = type, ["source"] = source,
        ["options"] = new JsonArray([.. options.Select(o => JsonValue.Create(o))]),
    };

    public void Save() => File.WriteAllText(Path.Combine(Dir, "config.json"), Config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}
