using System.Text.Json.Nodes;
using NsSandbox.EndToEnd.Tests.Linux;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>Containers with a user namespace: the one --hardened adds (container root is host uid 0x6fff0000, the
/// rootfs id-mapped into it, exec joining it) and config.json's own with several ranges.</summary>
public sealed partial class OciRuntimeTests
{
    private const uint HardenedRoot = 0x6fff0000;

    [Fact]
    public void HardenedContainerRootIsAnUnprivilegedHostIdOnAnIdMappedRootfs()
    {
        Require.Root();
        var bundle = new OciBundle(_nss, "/bin/sh", "-c",
            "id -u; tr -s ' ' < /proc/self/uid_map; stat -c %u:%g /etc; echo x > /tmp/f && stat -c %u:%g /tmp/f; " +
            "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status");
        bundle.Config["root"]!["readonly"] = false;
        bundle.Save();
        var (code, output, err) = Oci("--hardened", "run", "--bundle", bundle.Dir, NewId());
        Assert.True(code == 0, $"exit {code}: {err}");
        Assert.Equal($"0\n 0 {HardenedRoot} 65536\n0:0\n0:0\nNoNewPrivs:\t1\nSeccomp:\t2\n", output);
        // Written by container root through the id-mapped rootfs, the file is root's on disk, as an ordinary
        // container's would be (without the mapping, container root could not write the host root's directory).
        Assert.Equal((0u, 0u), FileOwner(Path.Combine(bundle.RootFs, "tmp", "f")));
    }

    [Fact]
    public void UsernsRemapTakesTheNamedUsersRangesFromSubuidAndSubgid()
    {
        Require.Root();
        // /etc/subuid and /etc/subgid of the test, bound over the host's in a mount namespace of the runtime's own.
        string sub = Path.Combine(_nss.TempDir, "subids");
        File.WriteAllText(sub, "other:100000:65536\nnss-remap-test:500000:65536\n");
        var bundle = new OciBundle(_nss, "/bin/sh", "-c", "id -u; tr -s ' ' < /proc/self/uid_map; tr -s ' ' < /proc/self/gid_map");
        bundle.Save();
        string outFile = Path.Combine(_nss.TempDir, "remap-out"), errFile = Path.Combine(_nss.TempDir, "remap-err");
        var r = _nss.RunRaw(["oci", "--root", _root, "--userns-remap", "nss-remap-test", "run", "--bundle", bundle.Dir, NewId()],
            bashPrefix: $"exec >'{outFile}' 2>'{errFile}'; exec unshare --mount --propagation private /bin/sh -c " +
                $"'mount --bind {sub} /etc/subuid && mount --bind {sub} /etc/subgid && exec \"$0\" \"$@\"' \"$0\" \"$@\";");
        string err = File.ReadAllText(errFile);
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {err}");
        Assert.Equal("0\n 0 500000 65536\n 0 500000 65536\n", File.ReadAllText(outFile));
    }

    [Fact]
    public void ExecJoinsTheHardenedContainersUserNamespace()
    {
        Require.Root();
        var bundle = new OciBundle(_nss, "/bin/sleep", "600");
        string id = NewId();
        string pidFile = Path.Combine(_nss.TempDir, "pid");
        var created = Oci("--hardened", "create", "--bundle", bundle.Dir, "--pid-file", pidFile, id);
        Assert.True(created.Code == 0, created.Err);
        int pid = int.Parse(File.ReadAllText(pidFile));
        try
        {
            Assert.Equal(0, Oci("--hardened", "start", id).Code);
            Assert.Contains($"Uid:\t{HardenedRoot}\t", File.ReadAllText($"/proc/{pid}/status"));
            var (code, output, err) = Oci("--hardened", "exec", id, "/bin/sh", "-c", "id -u; tr -s ' ' < /proc/self/uid_map; grep Uid: /proc/self/status");
            Assert.True(code == 0, $"exit {code}: {err}");
            Assert.Equal($"0\n 0 {HardenedRoot} 65536\nUid:\t0\t0\t0\t0\n", output);
        }
        finally
        {
            Oci("delete", "--force", id);
            Reaper.ReapWithin(pid, Bound);
        }
    }

    [Fact]
    public void UidMappingsTakeSeveralRangesAndTheProcessMustBeMapped()
    {
        Require.Root();
        var bundle = new OciBundle(_nss, "/bin/sh", "-c", "tr -s ' ' < /proc/self/uid_map; tr -s ' ' < /proc/self/gid_map; id -u; id -g");
        bundle.Linux["namespaces"]!.AsArray().Add((JsonNode)new JsonObject { ["type"] = "user" });
        bundle.Linux["uidMappings"] = new JsonArray(
            new JsonObject { ["containerID"] = 0, ["hostID"] = 300000, ["size"] = 10 },
            new JsonObject { ["containerID"] = 1000, ["hostID"] = 301000, ["size"] = 10 });
        bundle.Linux["gidMappings"] = new JsonArray(
            new JsonObject { ["containerID"] = 0, ["hostID"] = 300000, ["size"] = 10 },
            new JsonObject { ["containerID"] = 1000, ["hostID"] = 301000, ["size"] = 10 });
        // gid 5 too: config.json's devpts is mounted with gid=5, which must exist in the namespace.
        bundle.Process["user"] = new JsonObject { ["uid"] = 1005, ["gid"] = 1005 };
        bundle.Save();
        var (code, output, err) = Oci("run", "--bundle", bundle.Dir, NewId());
        Assert.True(code == 0, $"exit {code}: {err}");
        Assert.Equal(" 0 300000 10\n 1000 301000 10\n 0 300000 10\n 1000 301000 10\n1005\n1005\n", output);

        bundle.Process["user"] = new JsonObject { ["uid"] = 2000, ["gid"] = 0 };
        bundle.Save();
        var refused = Oci("run", "--bundle", bundle.Dir, NewId());
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("process.user.uid: 2000 is not mapped in the container's user namespace", refused.Err);
    }

    private static (uint Uid, uint Gid) FileOwner(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%u %g", path]) { RedirectStandardOutput = true })!;
        string text = stat.StandardOutput.ReadToEnd();
        Assert.True(stat.WaitForExit(Bound), "stat did not finish");
        var f = text.Split(' ', StringSplitOptions.TrimEntries);
        return (uint.Parse(f[0]), uint.Parse(f[1]));
    }
}
