namespace NsSandbox.Core.Plan;

/// <summary>Turns --user/--group values into ids: a number, or a name from the chroot's /etc/passwd or /etc/group
/// (the names the sandbox itself will see).</summary>
public static class IdResolver
{
    public static uint Resolve(string value, string chroot, string database, string origin, IHostView host)
    {
        if (uint.TryParse(value, out uint id)) return id;
        string file = Path.Combine(chroot, "etc", database);
        foreach (string line in host.ReadLines(file) ?? [])
        {
            string[] fields = line.Split(':');
            if (fields.Length > 2 && fields[0] == value && uint.TryParse(fields[2], out id)) return id;
        }
        throw new SpecException(origin, $"no {(database == "passwd" ? "user" : "group")} named '{value}' in {file}");
    }
}
