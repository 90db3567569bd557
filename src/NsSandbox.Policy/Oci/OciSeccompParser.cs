using System.Text.Json;

namespace NsSandbox.Policy.Oci;

/// <summary>Reads a seccomp profile: runtime-spec's <c>linux.seccomp</c> object (alone, or inside a whole
/// config.json), or Docker's profile format. Strict where Go's decoder (runc, dockerd) is lenient: a field this
/// reader does not know, a name in another case, a name given twice, a value of the wrong type or range, all are
/// errors naming the JSON path at file:line:column. Nothing is checked against a syscall table here.</summary>
public static class OciSeccompParser
{
    private static readonly string[] ProfileFields =
        ["defaultAction", "defaultErrnoRet", "architectures", "flags", "listenerPath", "listenerMetadata", "syscalls"];
    private static readonly string[] DockerProfileFields = ["archMap"];
    private static readonly string[] RuleFields = ["names", "action", "errnoRet", "args"];
    private static readonly string[] DockerRuleFields = ["name", "comment", "includes", "excludes"];
    private static readonly string[] ArgFields = ["index", "value", "valueTwo", "op"];
    private static readonly string[] FilterFields = ["caps", "arches", "minKernel"];
    private static readonly string[] ArchMapFields = ["architecture", "subArchitectures"];

    /// <summary>Parses a profile, or the <c>linux.seccomp</c> of a runtime config (a document with a "linux" field
    /// and no "defaultAction"); <paramref name="name"/> names the text in messages.</summary>
    public static OciSeccomp Parse(byte[] utf8, string name)
    {
        var input = new JsonInput(utf8, name);
        var reader = input.NewReader();
        input.Read(ref reader);
        var profile = IsRuntimeConfig(input) ? ReadConfig(input, ref reader) : ReadProfile(input, ref reader);
        input.End(ref reader);
        return profile;
    }

    /// <summary>Whether the top object is a runtime config rather than a profile.</summary>
    private static bool IsRuntimeConfig(JsonInput input)
    {
        var reader = input.NewReader();
        input.Read(ref reader);
        if (reader.TokenType != JsonTokenType.StartObject) return false;
        bool linux = false;
        while (true)
        {
            input.Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject) return linux;
            string field = input.Text(reader);
            if (field == "defaultAction") return false;
            linux |= field == "linux";
            input.Read(ref reader);
            input.Skip(ref reader);
        }
    }

    /// <summary>config.json: only linux.seccomp is read; the runtime validates the rest.</summary>
    private static OciSeccomp ReadConfig(JsonInput input, ref Utf8JsonReader reader)
    {
        OciSeccomp? profile = null;
        var top = input.At(reader);
        input.ReadObject(ref reader, "a runtime config object", (ref Utf8JsonReader r, string field, SourceLocation _) =>
        {
            if (field != "linux")
            {
                input.Skip(ref r);
                return;
            }
            input.ReadObject(ref r, "an object", (ref Utf8JsonReader l, string inner, SourceLocation _) =>
            {
                if (inner == "seccomp" && l.TokenType != JsonTokenType.Null) profile = ReadProfile(input, ref l);
                else input.Skip(ref l);
            });
        });
        return profile is null ? throw new PolicyException(top, "the runtime config has no linux.seccomp") : profile with { InRuntimeConfig = true };
    }

    private static OciSeccomp ReadProfile(JsonInput input, ref Utf8JsonReader reader)
    {
        var at = input.At(reader);
        string? defaultAction = null;
        SourceLocation defaultAt = at;
        Located<ulong>? defaultErrno = null;
        List<Located<string>> architectures = [], flags = [];
        Located<string>? listenerPath = null, listenerMetadata = null, dockerField = null;
        List<OciSyscallRule> syscalls = [];
        List<DockerArchitecture>? archMap = null;
        input.ReadObject(ref reader, "a seccomp object", (ref Utf8JsonReader r, string field, SourceLocation fieldAt) =>
        {
            if (DockerProfileFields.Contains(field)) dockerField ??= new(field, fieldAt);
            switch (field)
            {
                case "defaultAction":
                    defaultAction = input.OptionalString(ref r);
                    defaultAt = input.At(r);
                    break;
                case "defaultErrnoRet":
                    if (r.TokenType != JsonTokenType.Null) defaultErrno = new(input.Unsigned(ref r, ushort.MaxValue), input.At(r));
                    break;
                case "architectures":
                    architectures = input.Strings(ref r);
                    break;
                case "flags":
                    flags = input.Strings(ref r);
                    break;
                case "listenerPath":
                    listenerPath = Optional(input, ref r);
                    break;
                case "listenerMetadata":
                    listenerMetadata = Optional(input, ref r);
                    break;
                case "syscalls":
                    input.ReadArray(ref r, "an array of syscall rules", (ref Utf8JsonReader s, int i) =>
                    {
                        var (rule, docker) = ReadRule(input, ref s, i);
                        syscalls.Add(rule);
                        dockerField ??= docker;
                    });
                    break;
                case "archMap":
                    archMap = [];
                    input.ReadArray(ref r, "an array of architectures", (ref Utf8JsonReader a, int _) => archMap.Add(ReadArchMap(input, ref a)));
                    break;
                default:
                    throw Unknown(input, field, fieldAt, ProfileFields, DockerProfileFields);
            }
        });
        if (defaultAction is null) throw input.Error(at, "'defaultAction' is missing");
        return new OciSeccomp
        {
            DefaultAction = Action(input, defaultAction, defaultAt, defaultErrno, "defaultErrnoRet"),
            Architectures = architectures,
            Flags = flags,
            ListenerPath = listenerPath,
            ListenerMetadata = listenerMetadata,
            Syscalls = syscalls,
            At = at,
            ArchMap = archMap,
            DockerField = dockerField,
        };
    }

    private static (OciSyscallRule Rule, Located<string>? DockerField) ReadRule(JsonInput input, ref Utf8JsonReader reader, int position)
    {
        var at = input.At(reader);
        List<Located<string>>? names = null;
        Located<string>? single = null, dockerField = null;
        string? action = null;
        SourceLocation actionAt = at;
        Located<ulong>? errno = null;
        List<OciArgument> args = [];
        DockerFilter? includes = null, excludes = null;
        input.ReadObject(ref reader, "a syscall rule object", (ref Utf8JsonReader r, string field, SourceLocation fieldAt) =>
        {
            if (DockerRuleFields.Contains(field)) dockerField ??= new(field, fieldAt);
            switch (field)
            {
                case "names":
                    if (r.TokenType != JsonTokenType.Null) names = input.Strings(ref r);
                    break;
                case "name":
                    // As dockerd reads it, an empty name is no name.
                    single = Optional(input, ref r) is { Value.Length: > 0 } given ? given : null;
                    break;
                case "action":
                    action = input.OptionalString(ref r);
                    actionAt = input.At(r);
                    break;
                case "errnoRet":
                    if (r.TokenType != JsonTokenType.Null) errno = new(input.Unsigned(ref r, ushort.MaxValue), input.At(r));
                    break;
                case "args":
                    input.ReadArray(ref r, "an array of argument comparisons", (ref Utf8JsonReader a, int _) => args.Add(ReadArg(input, ref a)));
                    break;
                case "comment":
                    if (r.TokenType != JsonTokenType.Null) input.String(ref r);
                    break;
                case "includes":
                    includes = ReadFilter(input, ref r);
                    break;
                case "excludes":
                    excludes = ReadFilter(input, ref r);
                    break;
                default:
                    throw Unknown(input, field, fieldAt, RuleFields, DockerRuleFields);
            }
        });
        if (action is null) throw input.Error(at, "'action' is missing");
        // Docker's format still takes the old single "name"; dockerd refuses both together.
        if (single is { } one && names is not null)
            throw input.Error(one.At, "'name' and 'names' are both given (Docker's profile format takes either)");
        var all = names ?? (single is { } s ? [s] : null);
        if (all is null || all.Count == 0)
            throw input.Error(at, "'names' must list at least one syscall");
        if (all.Any(n => n.Value.Length == 0))
            throw input.Error(all.First(n => n.Value.Length == 0).At, "a syscall name is empty");
        var rule = new OciSyscallRule(position, all, Action(input, action, actionAt, errno, "errnoRet"), args, at)
        {
            Includes = includes,
            Excludes = excludes,
        };
        CheckArguments(input, rule);
        return (rule, dockerField);
    }

    /// <summary>libseccomp refuses a rule that compares one argument twice (EINVAL), and runc instead makes each such
    /// comparison a rule of its own (so they OR): the two disagree, so it is refused here.</summary>
    private static void CheckArguments(JsonInput input, OciSyscallRule rule)
    {
        for (int i = 0; i < rule.Args.Count; i++)
            for (int j = 0; j < i; j++)
                if (rule.Args[i].Index == rule.Args[j].Index)
                            throw input.Error(rule.Args[i].At,
                        $"args[{i}] compares argument {rule.Args[i].Index} again (args[{j}] does): libseccomp refuses such a rule and " +
                        "runc turns each comparison into a rule of its own (they OR); write one syscalls entry per comparison for OR");
    }

    private static OciArgument ReadArg(JsonInput input, ref Utf8JsonReader reader)
    {
        var at = input.At(reader);
        ulong? index = null, value = null, valueTwo = null;
        string? op = null;
        SourceLocation opAt = at, valueTwoAt = at;
        input.ReadObject(ref reader, "an argument comparison object", (ref Utf8JsonReader r, string field, SourceLocation fieldAt) =>
        {
            switch (field)
            {
                case "index":
                    index = input.Unsigned(ref r, 5);
                    break;
                case "value":
                    value = input.Unsigned(ref r);
                    break;
                case "valueTwo":
                    valueTwo = input.Unsigned(ref r);
                    valueTwoAt = input.At(r);
                    break;
                case "op":
                    op = input.String(ref r);
                    opAt = input.At(r);
                    break;
                default:
                    throw Unknown(input, field, fieldAt, ArgFields, []);
            }
        });
        if (index is null) throw input.Error(at, "'index' is missing");
        if (value is null) throw input.Error(at, "'value' is missing");
        if (op is null) throw input.Error(at, "'op' is missing");
        if (!ScmpNames.Operators.TryGetValue(op, out var compare))
            throw input.Error(opAt, $"op: unknown operator \"{op}\" (expected {ScmpNames.List(ScmpNames.Operators.Keys)})");
        // libseccomp reads the second value only for MASKED_EQ; elsewhere a non-zero one would be silently unused.
        if (compare != ScmpOperator.MaskedEqual && valueTwo is > 0)
            throw input.Error(valueTwoAt,
                $"valueTwo: only SCMP_CMP_MASKED_EQ uses a second value; {op} compares with 'value' alone (libseccomp would ignore {valueTwo})");
        return new OciArgument((uint)index, value.Value, valueTwo ?? 0, compare, at);
    }

    private static DockerFilter? ReadFilter(JsonInput input, ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        List<Located<string>> caps = [], arches = [];
        Located<string>? minKernel = null;
        input.ReadObject(ref reader, "a filter object", (ref Utf8JsonReader r, string field, SourceLocation fieldAt) =>
        {
            switch (field)
            {
                case "caps":
                    caps = input.Strings(ref r);
                    break;
                case "arches":
                    arches = input.Strings(ref r);
                    break;
                case "minKernel":
                    minKernel = Optional(input, ref r);
                    break;
                default:
                    throw Unknown(input, field, fieldAt, FilterFields, []);
            }
        });
        return new DockerFilter(caps, arches, minKernel);
    }

    private static DockerArchitecture ReadArchMap(JsonInput input, ref Utf8JsonReader reader)
    {
        var at = input.At(reader);
        Located<string>? architecture = null;
        List<Located<string>> subArchitectures = [];
        input.ReadObject(ref reader, "an architecture object", (ref Utf8JsonReader r, string field, SourceLocation fieldAt) =>
        {
            switch (field)
            {
                case "architecture":
                    architecture = Optional(input, ref r);
                    break;
                case "subArchitectures":
                    subArchitectures = input.Strings(ref r);
                    break;
                default:
                    throw Unknown(input, field, fieldAt, ArchMapFields, []);
            }
        });
        return new DockerArchitecture(architecture ?? throw input.Error(at, "'architecture' is missing"), subArchitectures);
    }

    private static Located<string>? Optional(JsonInput input, ref Utf8JsonReader reader) =>
        input.OptionalString(ref reader) is { } value ? new(value, input.At(reader)) : null;

    /// <summary>An action name and its errno; runtime-spec: an errno for an action that takes none must fail.</summary>
    private static OciAction Action(JsonInput input, string name, SourceLocation at, Located<ulong>? errno, string errnoField)
    {
        if (!ScmpNames.Actions.TryGetValue(name, out var kind))
            throw input.Error(at, $"unknown action \"{name}\" (expected {ScmpNames.List(ScmpNames.Actions.Keys)})");
        if (errno is { } e && kind is not (ScmpAction.Errno or ScmpAction.Trace))
            throw input.Error(e.At, $"{errnoField} is given for {name}, which returns no errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one)");
        if (errno is { Value: > OciAction.MaxErrno } big && kind == ScmpAction.Errno)
            throw input.Error(big.At, $"{errnoField} {big.Value} is out of range for SCMP_ACT_ERRNO: 0..{OciAction.MaxErrno} " +
                "(libseccomp refuses more, so runc cannot load it; the kernel returns errno values up to 4095)");
        return new OciAction(kind, errno is { } v ? (ushort)v.Value : null, at);
    }

    private static PolicyException Unknown(JsonInput input, string field, SourceLocation at, string[] known, string[] docker)
    {
        var all = known.Concat(docker).ToList();
        string hint = all.FirstOrDefault(k => string.Equals(k, field, StringComparison.OrdinalIgnoreCase)) is { } near
            ? $"; the name is '{near}' (Go's decoder in runc matches names in any case, this reader only as written)"
            : "";
        input.Pop();
        try
        {
            return input.Error(at, $"unknown field '{field}' (expected {ScmpNames.List(all)}){hint}");
        }
        finally
        {
            input.Push(field);
        }
    }

}
