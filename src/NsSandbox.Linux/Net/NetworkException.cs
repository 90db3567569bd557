namespace NsSandbox.Linux.Net;

/// <summary>The network of a run could not be set up; the message names the helper and what it said.</summary>
public sealed class NetworkException(string message) : Exception(message);
