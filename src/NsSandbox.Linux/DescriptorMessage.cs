using System.Runtime.InteropServices;
using NsSandbox.Linux.Interop;

namespace NsSandbox.Linux;

/// <summary>sendmsg of one payload with one descriptor (SCM_RIGHTS): a pty's master to a console socket, a mount
/// tree to a container's stage 2.</summary>
public static unsafe class DescriptorMessage
{
    private const int SolSocket = 1, ScmRights = 1, MsgNoSignal = 0x4000;

    public static void Send(int socket, ReadOnlySpan<byte> payload, int descriptor, string subject)
    {
        byte* control = stackalloc byte[24];
        new Span<byte>(control, 24).Clear();
        *(ulong*)control = 20; // CMSG_LEN(sizeof(int))
        *(int*)(control + 8) = SolSocket;
        *(int*)(control + 12) = ScmRights;
        *(int*)(control + 16) = descriptor;
        fixed (byte* p = payload)
        {
            var iov = new IoVec { Base = p, Length = (nuint)payload.Length };
            var message = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = 24 };
            if (Libc.Sendmsg(socket, &message, MsgNoSignal) < 0) throw new KernelException("sendmsg", subject, Marshal.GetLastPInvokeError());
        }
    }
}
