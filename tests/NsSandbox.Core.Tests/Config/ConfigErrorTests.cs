using static NsSandbox.Core.Tests.Config.ConfigFixture;

namespace NsSandbox.Core.Tests.Config;

/// <summary>Every class of configuration error, with its exact message: where (file:line:column), which key,
/// and what is wrong.</summary>
public sealed class ConfigErrorTests
{
    [Theory]
    // TOML itself (Tomlyn's messages)
    [InlineData("[fs]\nchroot = \n", "t.toml:2:10: Unexpected token end-of-line found while expecting a value")]
    [InlineData("[fs]\nchroot = \"/\"\nchroot = \"/usr\"\n",
        "t.toml:3:1: The key `fs.chroot` is already defined at (2,1) with `chroot = \"/\"` and cannot be redefined")]
    [InlineData("[limits]\nrlimit-nofile = 99999999999999999999\n", "t.toml:2:17: Unable to parse integer `99999999999999999999`")]
    // unknown keys and sections, with the nearest valid one
    [InlineData("[fs]\nchrot = \"/\"\n", "t.toml:2:1: fs.chrot: unknown key; did you mean fs.chroot?")]
    [InlineData("[fs]\nhostname = \"x\"\n", "t.toml:2:1: fs.hostname: unknown key; did you mean exec.hostname?")]
    [InlineData("[limit]\nrlimit-as = 3\n", "t.toml:1:1: limit: unknown section; did you mean limits?")]
    [InlineData("limits.rlimit_as = 3\n", "t.toml:1:1: limits.rlimit_as: unknown key; did you mean limits.rlimit-as?")]
    [InlineData("chroot = \"/\"\n", "t.toml:1:1: chroot: unknown key; did you mean fs.chroot?")]
    [InlineData("[[fs.mounts]]\ndst = \"/x\"\n", "t.toml:1:1: fs.mounts: unknown key; did you mean fs.mount? ([[fs.mount]] is the only array of tables)")]
    [InlineData("[[fs.mount]]\nsource = \"/etc\"\n", "t.toml:2:1: fs.mount[0].source: unknown key; did you mean fs.mount[0].src?")]
    // wrong types
    [InlineData("[fs]\nrw = \"yes\"\n", "t.toml:2:6: fs.rw: expected a boolean (true or false), found a string")]
    [InlineData("[fs]\nchroot = 5\n", "t.toml:2:10: fs.chroot: expected a string, found an integer")]
    [InlineData("[limits]\nrlimit-as = true\n", "t.toml:2:13: limits.rlimit-as: expected a whole number or a string, found a boolean")]
    [InlineData("[limits]\ntime-limit = [1]\n", "t.toml:2:14: limits.time-limit: expected a number of seconds or a string such as \"30s\", found an array")]
    [InlineData("[env]\nenv = \"A=1\"\n", "t.toml:2:7: env.env: expected an array of strings, found a string")]
    [InlineData("[env]\nenv = [\"A=1\", 2]\n", "t.toml:2:7: env.env: expected an array of strings, found an integer")]
    [InlineData("[exec]\npath = [\"/bin/echo\"]\n", "t.toml:2:8: exec.path: expected a string, found an array")]
    [InlineData("[[fs.mount]]\nsrc = \"/etc\"\nrw = 1\n", "t.toml:3:6: fs.mount[0].rw: expected a boolean (true or false), found an integer")]
    [InlineData("[fs]\nmount = \"/x\"\n", "t.toml:2:9: fs.mount: expected [[fs.mount]] tables or an array of inline tables")]
    [InlineData("[fs.mount]\ndst = \"/x\"\n", "t.toml:1:1: fs.mount: expected [[fs.mount]] (an array of tables), found [fs.mount]")]
    // out of range
    [InlineData("[user]\nuser = -3\n", "t.toml:2:8: user.user: -3 is out of range (0 to 4294967294)")]
    [InlineData("[user]\ngroup = 4294967295\n", "t.toml:2:9: user.group: 4294967295 is out of range (0 to 4294967294)")]
    [InlineData("[limits]\nrlimit-nofile = -1\n", "t.toml:2:17: limits.rlimit-nofile: -1 is out of range (0 or more)")]
    [InlineData("[limits]\ntime-limit = -0.5\n", "t.toml:2:14: limits.time-limit: -0.5 is out of range (0 or more)")]
    [InlineData("[limits]\ntime-limit = inf\n", "t.toml:2:14: limits.time-limit: inf is out of range (0 or more)")]
    // values the flag's own parser rejects
    [InlineData("[fs]\ntmp-size = \"12Q\"\n", "t.toml:2:12: fs.tmp-size: '12Q' is not a size (a number of bytes, or with K, M, G or T)")]
    [InlineData("[limits]\ntime-limit = \"soon\"\n", "t.toml:2:14: limits.time-limit: 'soon' is not a duration (seconds, or with ms, s, m or h)")]
    [InlineData("[exec]\nmode = \"x\"\n", "t.toml:2:8: exec.mode: unknown mode 'x'; use o (once), e (execve), l (listen) or r (rerun)")]
    [InlineData("[env]\nenv = [\"A=1\",\n  \"=2\"]\n", "t.toml:3:3: env.env: '=2' has no variable name")]
    // the spec's validation, pointing at the key that caused it
    [InlineData("[fs]\nchroot = \"/does/not/exist\"\n", "t.toml:2:10: fs.chroot: /does/not/exist is not a directory")]
    [InlineData("[exec]\nmode = \"execve\"\n", "t.toml:2:8: exec.mode: mode execve cannot mount a fresh /proc (the launcher is not inside the new pid namespace); add --disable_proc")]
    [InlineData("[fs]\nbindmount = [\"/tmp:relative\"]\n", "t.toml:2:14: fs.bindmount: mount target relative is not an absolute path")]
    [InlineData("[[fs.mount]]\ntype = \"tmpfs\"\ndst = \"/proc\"\n", "t.toml:1:1: fs.mount[0]: cannot mount over /proc: the sandbox provides it")]
    [InlineData("[[fs.mount]]\ntype = \"file\"\ncontent = \"x\"\ndst = \"/dev\"\n", "t.toml:1:1: fs.mount[0]: only a bind or a tmpfs can replace /dev; otherwise the sandbox provides it")]
    [InlineData("[user]\nuser = \"no-such-user-here\"\n", "t.toml:2:8: user.user: no user named 'no-such-user-here' in /etc/passwd")]
    // the command and mount tables
    [InlineData("[exec]\nmode = \"once\"\n[listen]\nmax-conns = 3\n", "t.toml:4:13: listen.max-conns: applies to mode listen (-Ml); the mode is once")]
    [InlineData("[exec]\nmode = \"listen\"\n[listen]\nbindhost = \"localhost\"\n", "t.toml:4:12: listen.bindhost: 'localhost' is not an IP address (such as ::, 0.0.0.0 or 127.0.0.1; as nsjail, no host names)")]
    [InlineData("[exec]\nmode = \"listen\"\n[report]\nreport = \"r.json\"\n", "t.toml:4:10: report.report: mode listen writes a report per connection: give a directory with --report_dir")]
    [InlineData("[exec]\nargs = [\"x\"]\n", "t.toml:2:1: exec.args: needs exec.path (the program the arguments are for)")]
    [InlineData("[[fs.mount]]\ndst = \"/x\"\n", "t.toml:1:1: fs.mount[0]: a bind mount needs src")]
    [InlineData("[[fs.mount]]\ntype = \"tmpfs\"\nsrc = \"/a\"\ndst = \"/x\"\n", "t.toml:3:7: fs.mount[0].src: a tmpfs mount takes no src (only bind, symlink mounts do)")]
    [InlineData("[[fs.mount]]\ntype = \"tmpfs\"\n", "t.toml:1:1: fs.mount[0]: a tmpfs needs dst")]
    [InlineData("[[fs.mount]]\ntype = \"symlink\"\ndst = \"/x\"\n", "t.toml:1:1: fs.mount[0]: a symlink needs src (its text) and dst (where it is made)")]
    [InlineData("[[fs.mount]]\ntype = \"tmpfs\"\ndst = \"/x\"\nmode = \"999\"\n", "t.toml:4:8: fs.mount[0].mode: expected permission bits: an integer such as 0o755, or a string in octal such as \"0755\", found a string")]
    [InlineData("[[fs.mount]]\ntype = \"tmpfs\"\ndst = \"/x\"\nmode = 0o17777\n", "t.toml:4:8: fs.mount[0].mode: 17777 is not a permission mode (octal, at most 7777)")]
    [InlineData("[[fs.mount]]\nsrc = \"/a\"\ninodes = 5\n", "t.toml:3:10: fs.mount[0].inodes: a bind mount takes no inodes (only tmpfs mounts do)")]
    [InlineData("[[fs.mount]]\nsrc = \"/etc\"\n[[fs.mount]]\ntype = \"nfs\"\n", "t.toml:4:8: fs.mount[1].type: 'nfs' is not a mount type; use bind, tmpfs, file, symlink or proc")]
    public void ErrorNamesThePlaceTheKeyAndTheProblem(string toml, string expected) => Assert.Equal(expected, Error(toml));

    [Fact]
    public void AnUnreadableFileIsAnErrorOfTheFlag()
    {
        var e = Assert.Throws<SpecException>(() => FromFlags("--config", "/no/such/file.toml"));
        Assert.Equal("--config: cannot read /no/such/file.toml: No such file or directory", $"{e.Origin}: {e.Message}");
    }

    [Fact]
    public void OneConfigurationFilePerRun()
    {
        var e = Assert.Throws<SpecException>(() => FromFlags("-C", "a.toml", "--config=b.toml"));
        Assert.Equal("--config: given twice; a run takes one configuration file", $"{e.Origin}: {e.Message}");
    }
}
