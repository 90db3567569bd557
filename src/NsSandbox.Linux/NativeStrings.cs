using System.Runtime.InteropServices;

namespace NsSandbox.Linux;

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
