using System.Runtime.InteropServices;

namespace NsSandbox.Linux.Interop;

/// <summary>The C shim in native/ (nss_shim.h), linked statically into the binary.</summary>
internal static unsafe partial class Shim
{
    private const string Lib = "nssshim";

    /// <summary>struct nss_spawn_req.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SpawnRequest
    {
        public ulong CloneFlags;
        public int SyncFd;
        public int CgroupFd;
        public void* Program;
        public uint ProgramLength;
        public int StdinFd, StdoutFd, StderrFd; // stdio_fds[3]
        public int DieWithParent;
        public int Reserved;
    }

    /// <summary>struct nss_child: the child and the memory it runs in until its execve or exit.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct ChildHandle
    {
        public int Pid;
        public int PidFd;
        public void* Region;
        public ulong RegionSize;
        public int Dumpable;
        public int Reserved;
    }

    [LibraryImport(Lib, EntryPoint = "nss_spawn")]
    internal static partial int Spawn(SpawnRequest* request, ChildHandle* child);

    [LibraryImport(Lib, EntryPoint = "nss_child_release")]
    internal static partial void ReleaseChild(ChildHandle* child);

    [LibraryImport(Lib, EntryPoint = "nss_bpf_attach_device_program")]
    internal static partial int AttachDeviceProgram(int cgroupFd, byte* instructions, uint count, byte* log, uint logSize);

    [LibraryImport(Lib, EntryPoint = "nss_start_time_ns")]
    internal static partial long StartTimeNs();
}
