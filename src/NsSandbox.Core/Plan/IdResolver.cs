namespace NsSandbox.Core.Plan;

/// <summary>Turns user and group values into ids as nsjail does: a number, a name, or "" for the launcher's own
/// id. Inside ids are named in the sandbox root's /etc/passwd or /etc/group (the names the sandbox itself will
/// see), outside ids in the host's.</summary>
public static class IdResolver
{
    public static uint Resolve(string value, string root, string database, string origin, IHostView host)
    {
        if (value.Length == 0) return database == "passwd" ? host.EffectiveUid : host.EffectiveGid;
        if (uint.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out uint id))
        {
            if (id == uint.MaxValue) throw new SpecException(origin, $"{value} is not a valid id (it is -1)");
            return id;
        }
        string file = Path.Combine(root, "etc", database);
        foreach (string line in host.ReadLines(file) ?? [])
        {
            string[] fields = line.Split(':');
            if (fields.Length > 2 && fields[0] == value && uint.TryParse(fields[2], out id)) return id;
        }
        throw new SpecException(origin, $"no {(database == "passwd" ? "user" : "group")} named '{value}' in {file}");
    }
}
