using System.Runtime.InteropServices;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>Replaces this process with a program, argv[0] chosen by the caller (System.Diagnostics.Process cannot).</summary>
public static unsafe class ProcessImage
{
    /// <summary>Returns only on failure, with the errno.</summary>
    public static int Replace(string path, IReadOnlyList<string> argv)
    {
        var owned = new List<nint>();
        try
        {
            var env = Environment.GetEnvironmentVariables();
            var entries = new List<string>(env.Count);
            foreach (System.Collections.DictionaryEntry e in env) entries.Add($"{e.Key}={e.Value}");
            byte** args = NativeStrings.Array(argv, owned);
            byte** envp = NativeStrings.Array(entries, owned);
            byte** p = NativeStrings.Array([path], owned);
            Libc.Execve(p[0], args, envp);
            return Marshal.GetLastPInvokeError();
        }
        finally
        {
            NativeStrings.Free(owned);
        }
    }
}
