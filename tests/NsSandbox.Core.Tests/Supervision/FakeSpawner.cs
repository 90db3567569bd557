using System.Buffers.Binary;
using NsSandbox.Core.Plan;
using NsSandbox.Core.Supervision;
using NsSandbox.Linux;
using NsSandbox.Linux.Cgroups;
using NsSandbox.Linux.Stage2Code;

namespace NsSandbox.Core.Tests.Supervision;

/// <summary>How the fake stage 2 behaves once it has the go-ahead.</summary>
public enum FakeStage2
{
    /// <summary>Execs the target (closes the channel), which exits with the given code.</summary>
    ExecAndExit,
    /// <summary>Reports a setup failure of its first operation and exits 126.</summary>
    FailSetup,
    /// <summary>Execs a target that runs until it is killed.</summary>
    ExecAndHang,
    /// <summary>Never execs nor answers: only a kill ends it.</summary>
    Hang,
}

/// <summary>An <see cref="ISpawner"/> without clone: a thread plays stage 2 on the real channel, and the "pidfd"
/// is a socket that reads as end of file once the fake process has exited. It records what the supervisor did
/// to the process, and a reap of a process that has not exited fails at once (the real one would block forever).</summary>
public sealed class FakeSpawner(FakeStage2 behaviour, int exitCode = 0) : ISpawner
{
    public List<string> Calls { get; } = [];
    public Exception? MapsFailure { get; init; }
    public FakeProcess? Process { get; private set; }
    /// <summary>Every process spawned, in order (a listener spawns one per connection).</summary>
    public List<FakeProcess> Processes { get; } = [];

    /// <summary>The descriptors the last spawn was asked to give the sandbox as its stdio.</summary>
    public StdioFds Stdio { get; private set; }

    public ISandboxProcess Spawn(Stage2Plan stage2, SeqPacketSocket childEnd, IRunCgroup? cgroup, ReadOnlySpan<byte> program, StdioFds stdio)
    {
        lock (Calls) Calls.Add("spawn");
        Stdio = stdio;
        var process = new FakeProcess(this, childEnd.Duplicate(), behaviour, exitCode);
        lock (Calls)
        {
            Process = process;
            Processes.Add(process);
        }
        return process;
    }

    internal void Record(string call)
    {
        lock (Calls) Calls.Add(call);
    }

    public sealed class FakeProcess : ISandboxProcess
    {
        private readonly FakeSpawner _owner;
        private readonly SeqPacketSocket _stage2;
        private readonly SeqPacketSocket _exitWatch, _exitSignal;
        private readonly Lock _gate = new();
        private int? _exitCode, _signal;

        internal FakeProcess(FakeSpawner owner, SeqPacketSocket stage2, FakeStage2 behaviour, int exitCode)
        {
            _owner = owner;
            _stage2 = stage2;
            (_exitWatch, _exitSignal) = SeqPacketSocket.CreatePair();
            var thread = new Thread(() => Play(behaviour, exitCode)) { IsBackground = true };
            thread.Start();
        }

        public int Pid => 424242;
        public int ExitFd => _exitWatch.Fd;
        public bool Exited { get { lock (_gate) return _exitCode is not null || _signal is not null; } }

        private void Play(FakeStage2 behaviour, int exitCode)
        {
            byte[]? go;
            try
            {
                go = _stage2.Receive();
            }
            catch (KernelException)
            {
                return; // the channel was closed under us: the process was killed
            }
            if (go is null || BinaryPrimitives.ReadInt32LittleEndian(go) != ProgramFormat.MsgGo) return;
            _owner.Record("go received");
            switch (behaviour)
            {
                case FakeStage2.ExecAndExit:
                    _stage2.Dispose();
                    Exit(exitCode, null);
                    break;
                case FakeStage2.FailSetup:
                    var failed = new byte[12];
                    BinaryPrimitives.WriteInt32LittleEndian(failed, ProgramFormat.MsgStage2Failed);
                    BinaryPrimitives.WriteInt32LittleEndian(failed.AsSpan(8), Errno.NoEntry);
                    _stage2.Send(failed);
                    _stage2.Dispose();
                    Exit(126, null);
                    break;
                case FakeStage2.ExecAndHang:
                    _stage2.Dispose();
                    break;
                case FakeStage2.Hang:
                    break;
            }
        }

        private void Exit(int? code, int? signal)
        {
            lock (_gate)
            {
                if (Exited) return;
                (_exitCode, _signal) = (code, signal);
                _exitSignal.Dispose();
            }
        }

        public void WriteIdMaps(UserMapping users)
        {
            _owner.Record("id maps");
            if (_owner.MapsFailure is { } failure) throw failure;
        }

        public void Signal(int signal)
        {
            _owner.Record($"signal {signal}");
            if (signal == ChildProcess.SigKill) Exit(null, signal);
        }

        public int? PeekKillSignal()
        {
            lock (_gate) return _signal;
        }

        public void DetachIfTraced() { }

        public ChildExit Reap()
        {
            _owner.Record("reap");
            lock (_gate)
            {
                if (!Exited) throw new InvalidOperationException("reaped a process that has not exited: a real wait4 would block");
                return new ChildExit(_exitCode, _signal, TimeSpan.Zero, TimeSpan.Zero, 0);
            }
        }

        public void Release()
        {
            _owner.Record("release");
            _stage2.Dispose();
            _exitWatch.Dispose();
        }
    }
}
