using NsSandbox.Core.Plan;
using NsSandbox.Linux;

namespace NsSandbox.Core.Tests;

/// <summary>A host with a small made-up chroot, for plans that do not depend on the machine.</summary>
public sealed class FakeHost : IHostView
{
    public Dictionary<string, List<HostEntry>> Directories { get; } = new()
    {
        ["/"] =
        [
            new("bin", EntryKind.Symlink, "usr/bin"), new("data", EntryKind.Directory), new("dev", EntryKind.Directory),
            new("etc", EntryKind.Directory), new("proc", EntryKind.Directory), new("run.sock", EntryKind.Other),
            new("sys", EntryKind.Directory), new("tmp", EntryKind.Directory), new("usr", EntryKind.Directory),
            new("version", EntryKind.File),
        ],
    };

    public Dictionary<string, EntryKind> Kinds { get; } = new()
    {
        ["/"] = EntryKind.Directory, ["/srv/file"] = EntryKind.File, ["/srv/dir"] = EntryKind.Directory,
    };
    public Dictionary<string, string[]> Files { get; } = new();
    public Dictionary<string, string> Env { get; } = new() { ["TERM"] = "xterm", ["SECRET"] = "s" };
    public IReadOnlyList<int> CpuAffinity { get; set; } = [0, 1, 2, 3];
    public uint EffectiveUid { get; set; }
    public uint EffectiveGid { get; set; }

    /// <summary>A directory's listing; a directory known without one is empty.</summary>
    public IReadOnlyList<HostEntry> ListDirectory(string path) =>
        Directories.GetValueOrDefault(path) ?? (KindOf(path) == EntryKind.Directory ? [] : throw new IOException($"{path}: not a directory"));
    public Dictionary<string, string> Links { get; } = new();
    public string FollowLink(string path) => Links.GetValueOrDefault(path, path);
    /// <summary>Symlinks inside the chroot: path to target as written.</summary>
    public Dictionary<string, string> Symlinks { get; } = new();
    public string? ReadLink(string path) =>
        Symlinks.GetValueOrDefault(path)
        ?? Directories.GetValueOrDefault(Path.GetDirectoryName(path) ?? "")?.FirstOrDefault(e => e.Name == Path.GetFileName(path))?.LinkTarget;
    /// <summary>From <see cref="Kinds"/>, else as the parent's listing has it (a listed directory is one).</summary>
    public EntryKind? KindOf(string path) =>
        Kinds.TryGetValue(path, out var k) ? k
        : Directories.ContainsKey(path) ? EntryKind.Directory
        : Directories.GetValueOrDefault(Path.GetDirectoryName(path) ?? "")?.FirstOrDefault(e => e.Name == Path.GetFileName(path)) is { Kind: not EntryKind.Symlink } e ? e.Kind
        : null;
    /// <summary>Owners and modes of paths; 0755 root:root unless given.</summary>
    public Dictionary<string, HostOwner> Owners { get; } = new();
    public HostOwner? OwnerOf(string path) => Owners.GetValueOrDefault(path) ?? (KindOf(path) is null ? null : new HostOwner(0x1ED, 0, 0));
    public (ulong Soft, ulong Hard) GetRlimit(RlimitResource resource) => (1024, 4096);
    public string? GetEnvironmentVariable(string name) => Env.GetValueOrDefault(name);
    public IEnumerable<string>? ReadLines(string path) => Files.GetValueOrDefault(path);
    public IReadOnlyList<KeyValuePair<string, string>> Environment => Env.OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
}

/// <summary>Records every kernel call as a line of text.</summary>
public sealed class RecordingKernel : IKernel
{
    private int _nextFd = 10;
    public List<string> Calls { get; } = [];

    private void Record(string call) => Calls.Add(call);

    public void Mount(string? source, string target, string? fsType, MountFlags flags, string? data) =>
        Record($"mount {source ?? "-"} {target} {fsType ?? "-"} {flags} {data ?? "-"}");
    public void SetMountAttributes(string path, MountAttributes set, bool recursive) => Record($"setattr {path} {set} {recursive}");
    public int CloneTree(string source, bool recursive) { Record($"clone {source} {recursive} -> {_nextFd}"); return _nextFd++; }
    public void SetTreeAttributes(int tree, MountAttributes set, bool recursive) => Record($"treeattr {tree} {set} {recursive}");
    public void AttachTree(int tree, string target) => Record($"attach {tree} {target}");
    public void CloseDescriptor(int fd) => Record($"close {fd}");
    public void Unmount(string target, bool detach) => Record($"umount {target} {detach}");
    public void EnsureDirectory(string path, uint mode) => Record($"mkdir {path}");
    public void EnsureFile(string path, uint mode) => Record($"create {path}");
    public void RequireExisting(string path, bool directory) => Record($"require {path} {(directory ? "dir" : "file")}");
    public void MakeSymlink(string target, string linkPath) => Record($"symlink {linkPath} -> {target}");
    public void RemoveDirectory(string path) => Record($"rmdir {path}");
    public void PivotRoot(string newRoot, string putOld) => Record($"pivot_root {newRoot} {putOld}");
    public void ChangeDirectory(string path) => Record($"chdir {path}");
    public void SetHostname(string name) => Record($"sethostname {name}");
    public void BringUpLoopback() => Record("lo up");
    public void SetRlimit(RlimitResource resource, ulong soft, ulong hard) => Record($"setrlimit {resource} {soft} {hard}");
    public void SetPersonality(uint persona) => Record($"personality 0x{persona:x}");
    public void SetNiceness(int nice) => Record($"setpriority {nice}");
    public void SetCpuAffinity(byte[] mask) => Record($"affinity {string.Join(",", Plan.CpuAffinityPlanner.Cpus(mask))}");
    public void DisableTsc() => Record("disable tsc");
    public void RedirectToNull(string path, uint fds) => Record($"null fds {fds} {path}");
    public void NewSession() => Record("setsid");
    public void ClearSupplementaryGroups() => Record("setgroups 0");
    public void SetIds(uint uid, uint gid) => Record($"setids {uid} {gid}");
    public void DropCapabilities() => Record("drop caps");
    public void SetParentDeathSignal(int signal) => Record($"pdeathsig {signal}");
    public void AwaitStart() => Record("await start");
    public void Mark(string step) => Record($"mark {step}");
    public void OpenExecutable(string hostPath) => Record($"open executable {hostPath}");
    public void Exec(IReadOnlyList<string> candidates, IReadOnlyList<string> argv, IReadOnlyList<string> env, byte[]? seccompFilter,
        uint seccompFlags) => Record($"exec {string.Join(",", candidates)} [{string.Join(" ", argv)}] filter {seccompFilter?.Length ?? 0}");
}

/// <summary>Plans made from specs on the fake host, with a fixed run id.</summary>
public static class TestPlans
{
    public static RunPlan For(SandboxSpec spec, FakeHost? host = null) =>
        Planner.Create(spec, host ?? new FakeHost(), PlanOptions.Once with { RunId = "r" });

    public static Stage2Plan Stage2(SandboxSpec spec, FakeHost? host = null) => For(spec, host).Stage2;
}
