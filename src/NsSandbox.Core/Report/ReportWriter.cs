namespace NsSandbox.Core.Report;

/// <summary>Writes the report as one JSON object: to stderr for "-", else atomically to a file. A file that cannot
/// be written (a full disk) is an <see cref="IOException"/> saying so, with no temporary file left.</summary>
public static class ReportWriter
{
    public static string ToJson(RunReport report) => ReportJson.Serialize(report);

    public static void Write(RunReport report, string destination)
    {
        string json = ToJson(report) + "\n";
        if (destination == "-")
        {
            Console.Error.Write(json);
            return;
        }
        string full = Path.GetFullPath(destination);
        string temp = full + ".tmp-" + Environment.ProcessId;
        try
        {
            File.WriteAllText(temp, json);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temp);
            }
            catch (Exception d) when (d is IOException or UnauthorizedAccessException)
            {
                // Nothing more can be done; the message below names the destination.
            }
            throw new IOException($"cannot write the report to {full}: {e.Message}", e);
        }
    }
}
