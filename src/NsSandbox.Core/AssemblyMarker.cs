namespace NsSandbox.Core; internal static class AssemblyMarker { }
