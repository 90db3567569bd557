using NsSandbox.Core.Plan;

namespace NsSandbox.Core.Supervision;

/// <summary>Writes a content mount's file in the run directory, read-only for everyone: the sandbox reads it
/// through a read-only bind, and the run directory's removal takes it away.</summary>
public static class ContentFiles
{
    public static void Write(ContentFile file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file.Path)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(file.Path, file.Content);
        File.SetUnixFileMode(file.Path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }
}
