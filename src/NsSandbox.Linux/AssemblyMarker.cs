namespace NsSandbox.Linux; internal static class AssemblyMarker { }
