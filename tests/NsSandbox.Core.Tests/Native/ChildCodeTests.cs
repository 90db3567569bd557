using System.Runtime.InteropServices;

namespace NsSandbox.Core.Tests.Native;

/// <summary>The child of clone runs on the spawning thread's TLS: its code (nss_child.o, nss_stage2.o,
/// nss_target.o, as built for the binary) reads no %fs: and calls no libc but memset/memcpy.</summary>
public sealed class ChildCodeTests
{
    [Fact]
    public void TheChildsCodeTouchesNoThreadLocalStorage()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
            Assert.Skip("the check reads x86_64 disassembly (%fs: is the thread pointer there)");
        NativeTools.RequireTools("cc", "make", "objdump", "nm");
        using var dir = NativeTools.CreateTempDir();
        NativeTools.Make(dir.Path);
        var (code, output) = NativeTools.Run("sh", [Path.Combine(NativeTools.NativeDir, "tests", "check_child_code.sh"), dir.Path],
            TimeSpan.FromSeconds(60));
        Assert.True(code == 0, output);
    }
}
