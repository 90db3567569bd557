using System.Text.Json;

namespace NsSandbox.Client;

/// <summary>Reads the report the launcher wrote (atomically, so it is whole or absent) with the contract's
/// source-generated JSON: no reflection, safe to trim and compile ahead of time.</summary>
internal static class ReportReader
{
    public static RunReport? Read(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        try
        {
            return ReportJson.Deserialize(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the launcher's report {path} is not a report: {e.Message}", e);
        }
    }
}
