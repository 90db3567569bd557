using System.Runtime.InteropServices;
using System.Text;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux.Cgroups;

/// <summary>Attaches a <see cref="DeviceProgram"/> to a cgroup v2 directory (native/nss_bpf.c). The cgroup keeps
/// the program after this process exits; it goes with the cgroup.</summary>
public static unsafe class DeviceFilter
{
    private const int ORdonly = 0, ODirectory = 0x10000, OCloexec = 0x80000;

    public static void Attach(string cgroupDir, byte[] program)
    {
        int fd = Libc.Open(cgroupDir, ORdonly | ODirectory | OCloexec, 0);
        if (fd < 0) throw new KernelException("open", cgroupDir, Marshal.GetLastPInvokeError());
        try
        {
            var log = new byte[16 * 1024];
            int rc;
            fixed (byte* code = program)
            fixed (byte* text = log)
                rc = Shim.AttachDeviceProgram(fd, code, (uint)(program.Length / 8), text, (uint)log.Length);
            if (rc == 0) return;
            string verifier = Encoding.UTF8.GetString(log, 0, Math.Max(0, Array.IndexOf(log, (byte)0))).Trim();
            throw new KernelException("bpf (device program)", verifier.Length > 0 ? $"{cgroupDir}: {verifier}" : cgroupDir, -rc);
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
