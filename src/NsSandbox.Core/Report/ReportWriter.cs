namespace NsSandbox.Core.Report;

/// <summary>Writes the report as one JSON object: to stderr for "-", else to a file (<see cref="Linux.OutputFile"/>).
/// A file that cannot be written (a full disk) is an <see cref="IOException"/> that names it.</summary>
public static class ReportWriter
{
    public static string ToJson(RunReport report) => ReportJson.Serialize(report);

    /// <summary>Writes the report to DIR/RUN_ID.json (--report_dir).</summary>
    public static void WriteInto(RunReport report, string directory) =>
        Write(report, Path.Combine(directory, report.RunId + ".json"));

    public static void Write(RunReport report, string destination)
    {
        string json = ToJson(report) + "\n";
        if (destination == "-")
        {
            Console.Error.Write(json);
            return;
        }
        try
        {
            Linux.OutputFile.Write(destination, json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write the report to {Path.GetFullPath(destination)}: {e.Message}", e);
        }
    }
}
