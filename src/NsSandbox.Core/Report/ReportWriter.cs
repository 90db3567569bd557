namespace NsSandbox.Core.Report;

/// <summary>Writes the report as one JSON object: to stderr for "-", else to a file (<see cref="Linux.OutputFile"/>).</summary>
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
        Linux.OutputFile.Write(destination, json);
    }
}
