using NsSandbox.Contract.Oci;
using NsSandbox.Core.Oci;

namespace NsSandbox.Commands;

/// <summary>`update [options] ID`, as runc parses it: `-r FILE` (or `-r -`, standard input: what containerd's shim
/// sends) with a resources JSON, or flags (--memory, --memory-swap, --memory-reservation, --cpu-share,
/// --cpu-quota, --cpu-period, --cpuset-cpus, --cpuset-mems, --pids-limit). runc ignores the flags when -r is
/// given; here both together are refused.</summary>
public static class OciUpdateCommand
{
    private static readonly HashSet<string> Flags =
    [
        "--memory", "--memory-swap", "--memory-reservation", "--cpu-share", "--cpu-shares", "--cpu-period", "--cpu-quota",
        "--cpuset-cpus", "--cpuset-mems", "--pids-limit", "--blkio-weight", "--cpu-rt-period", "--cpu-rt-runtime",
        "--l3-cache-schema", "--mem-bw-schema",
    ];

    public static int Run(OciRuntime runtime, List<string> args, Func<Stream> stdin)
    {
        string? resources = null;
        var flags = new List<(string, string)>();
        int i = 0;
        for (; i < args.Count && args[i].StartsWith('-') && args[i] != "-"; i++)
        {
            string flag = OciCommand.Name(args[i], out string? inline);
            string Value() => inline ?? (++i < args.Count ? args[i] : throw new OciUsage($"update {flag}: needs a value"));
            if (flag is "--resources" or "-r") resources = OciCommand.NonEmpty($"update {flag}", Value());
            else if (Flags.Contains(flag)) flags.Add((flag, Value()));
            else throw new OciUsage($"update {flag}: unknown option");
        }
        if (i >= args.Count) throw new OciUsage("update: a container id is required");
        if (i + 1 < args.Count) throw new OciUsage($"update: unexpected '{args[i + 1]}'");
        string id = args[i];
        if (resources is not null && flags.Count > 0)
            throw new OciUsage($"update: --resources and {flags[0].Item1} both given (runc would ignore the options)");
        ResourceUpdate update;
        if (resources is null)
        {
            update = ResourceUpdate.FromFlags(flags);
        }
        else
        {
            string origin = resources == "-" ? "stdin" : resources;
            var r = OciConfigReader.ParseResources(Read(resources, stdin), origin);
            update = ResourceUpdate.FromJson(r, origin, runtime.ConfigDeviceRules(id));
        }
        runtime.Update(id, update);
        return 0;
    }

    private static byte[] Read(string path, Func<Stream> stdin)
    {
        try
        {
            if (path != "-") return File.ReadAllBytes(path);
            using var input = stdin();
            using var buffer = new MemoryStream();
            input.CopyTo(buffer);
            return buffer.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SpecException(path, e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message);
        }
    }
}
