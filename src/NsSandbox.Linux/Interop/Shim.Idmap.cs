using System.Runtime.InteropServices;

namespace NsSandbox.Linux.Interop;

/// <summary>native/nss_idmap.h: id-mapped mount trees for a container with its own user namespace.</summary>
internal static unsafe partial class Shim
{
    /// <summary>struct nss_overlay_req.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct OverlayRequest
    {
        public int UsernsFd;
        public uint RootUid, RootGid;
        public uint LowerCount;
        public byte** Lowers;
        public byte* UpperParent;
        public byte* Upper, Work;
        public uint OptionCount, Reserved;
        public byte** OptionKeys;
        public byte** OptionValues;
    }

    internal const int OverlayStepStride = 16, OverlayMaxLowers = 500;

    [LibraryImport(Lib, EntryPoint = "nss_idmapped_tree", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int IdMappedTree(string path, int usernsFd, int recursive);

    [LibraryImport(Lib, EntryPoint = "nss_idmapped_overlay")]
    internal static partial int IdMappedOverlay(OverlayRequest* request, int* failedStep);
}
