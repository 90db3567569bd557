using System.Runtime.InteropServices;

namespace NsSandbox.Linux.Interop;

/// <summary>The C shim in native/ (nss_shim.h), linked statically into the binary.</summary>
internal static unsafe partial class Shim
{
    private const string Lib = "nssshim";

    /// <summary>Stage 2 finds its channel to the parent at this descriptor.</summary>
    internal const int SyncFd = 3;
    internal const int ShimExitCode = 127;
    internal const int MsgShimFailed = 0x5348494d;

    [StructLayout(LayoutKind.Sequential)]
    internal struct SpawnRequest
    {
        public ulong CloneFlags;
        public int SyncFd;
        public int CgroupFd;
        public byte* Exe;
        public byte** Argv;
        public byte** Envp;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct ExecRequest
    {
        public byte** Candidates;
        public int CandidateCount;
        public uint SeccompFlags;
        public void* Filter;
        public int FilterLength;
        public byte** Argv;
        public byte** Envp;
    }

    [LibraryImport(Lib, EntryPoint = "nss_spawn")]
    internal static partial int Spawn(SpawnRequest* request, int* pidFd);

    [LibraryImport(Lib, EntryPoint = "nss_exec_target")]
    internal static partial int ExecTarget(ExecRequest* request);

    [LibraryImport(Lib, EntryPoint = "nss_pivot_root", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int PivotRoot(string newRoot, string putOld);

    [LibraryImport(Lib, EntryPoint = "nss_loopback_up")]
    internal static partial int LoopbackUp();

    [LibraryImport(Lib, EntryPoint = "nss_drop_capabilities")]
    internal static partial int DropCapabilities();

    [LibraryImport(Lib, EntryPoint = "nss_start_time_ns")]
    internal static partial long StartTimeNs();
}
