namespace NsSandbox.Policy; internal static class AssemblyMarker { }
