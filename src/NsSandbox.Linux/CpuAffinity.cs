using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>The CPUs this process may run on (sched_getaffinity), from which --max_cpus picks.</summary>
public static unsafe class CpuAffinity
{
    /// <summary>cpu_set_t's size in glibc; the kernel's mask fits unless it has more than 1024 CPUs.</summary>
    private const int MaskBytes = 128;

    public static IReadOnlyList<int> Get()
    {
        for (int size = MaskBytes; ; size *= 2)
        {
            byte[] mask = new byte[size];
            int rc;
            fixed (byte* p = mask) rc = Libc.SchedGetaffinity(0, (nuint)size, p);
            if (rc == 0) return Enumerable.Range(0, size * 8).Where(cpu => (mask[cpu / 8] & (1 << (cpu % 8))) != 0).ToList();
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno != Errno.InvalidArgument || size >= 1 << 16) throw new KernelException("sched_getaffinity", "0", errno);
        }
    }
}
