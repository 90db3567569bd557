using System.Runtime.InteropServices;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>The last step of stage 2: no_new_privs, clean signals and descriptors, seccomp, execve (in the
/// shim, so no managed code runs under the filter). Returns only on failure, with the errno.</summary>
public static unsafe class TargetExec
{
    public static int Exec(IReadOnlyList<string> candidates, IReadOnlyList<string> argv, IReadOnlyList<string> env,
        byte[]? seccompFilter, uint seccompFlags)
    {
        var owned = new List<nint>();
        try
        {
            byte** cands = NativeStrings.Array(candidates, owned);
            byte** args = NativeStrings.Array(argv, owned);
            byte** envp = NativeStrings.Array(env, owned);
            fixed (byte* filter = seccompFilter)
            {
                var req = new Shim.ExecRequest
                {
                    Candidates = cands,
                    CandidateCount = candidates.Count,
                    SeccompFlags = seccompFlags,
                    Filter = filter,
                    FilterLength = seccompFilter is null ? 0 : seccompFilter.Length / 8,
                    Argv = args,
                    Envp = envp,
                };
                return -Shim.ExecTarget(&req);
            }
        }
        finally
        {
            NativeStrings.Free(owned);
        }
    }
}

/// <summary>NULL-terminated arrays of UTF-8 C strings for execve-style calls.</summary>
internal static unsafe class NativeStrings
{
    public static byte** Array(IReadOnlyList<string> items, List<nint> owned)
    {
        var array = (byte**)Marshal.AllocCoTaskMem((items.Count + 1) * sizeof(byte*));
        owned.Add((nint)array);
        for (int i = 0; i < items.Count; i++)
        {
            nint s = Marshal.StringToCoTaskMemUTF8(items[i]);
            owned.Add(s);
            array[i] = (byte*)s;
        }
        array[items.Count] = null;
        return array;
    }

    public static void Free(List<nint> owned)
    {
        foreach (nint p in owned) Marshal.FreeCoTaskMem(p);
    }
}
