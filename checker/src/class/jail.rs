//! The bubblewrap sandbox that `grade` builds and tests every submission in.
//!
//! A submission's code is hostile until proven otherwise, and a pass read
//! from a process it runs in is only as good as what that process could
//! see. So each build and each test process runs under `bwrap` with:
//!
//! - new user, PID, IPC, UTS and network namespaces: only loopback (up),
//!   every process dies with the sandbox, nothing of the checker's is
//!   visible (no `/proc` at all while tests run);
//! - a read-only view of just what grading needs, at neutral paths: the
//!   scratch course tree (tests, `lesson.toml`, manifests, testkit, this
//!   submission's `src/`) at [`COURSE`], the toolchain at [`TOOLCHAIN`],
//!   the registry's sources under [`CARGO_HOME`], `/usr` and a few files of
//!   `/etc`; never `solutions/`, another submission, the output folder or a
//!   home directory;
//! - a private, size-capped `/tmp` and `/dev/shm`, gone with the sandbox;
//! - writable: only the submission's own build output, while it builds.
//!
//! When the checker runs as root, the sandbox runs as `nobody` (so process
//! limits apply and nothing root-only is readable); the toolchain and the
//! registry, which usually live in root's home, are first bound in a private
//! mount namespace at paths `nobody` can reach.

use std::ffi::{CString, OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::class::sandbox::User;
use crate::t;

/// Where the course tree is inside the sandbox.
pub const COURSE: &str = "/course";
/// Where the toolchain's sysroot is inside the sandbox.
pub const TOOLCHAIN: &str = "/toolchain";
/// `CARGO_HOME` inside the sandbox: a tmpfs with the registry bound read-only.
pub const CARGO_HOME: &str = "/cargo";

/// The one line printed when bubblewrap is missing.
pub const MISSING: &str = "grade runs every submission in a bubblewrap sandbox, and `bwrap` was not found: \
     install the package `bubblewrap` (Debian, Ubuntu, Fedora), or pass --no-sandbox to grade \
     without one (not for untrusted code)";

/// Files of `/etc` that builds and tests may read (name lookup, linker
/// alternatives, time zone); nothing else of `/etc` is visible.
const ETC: &[&str] = &[
    "/etc/alternatives",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/hosts",
    "/etc/host.conf",
    "/etc/nsswitch.conf",
    "/etc/gai.conf",
    "/etc/services",
    "/etc/protocols",
    "/etc/passwd",
    "/etc/group",
    "/etc/localtime",
    "/etc/timezone",
];

/// The sandbox tool and what it binds.
#[derive(Debug)]
pub struct Jail {
    bwrap: PathBuf,
    /// The toolchain's sysroot on the host.
    sysroot: PathBuf,
    /// `$CARGO_HOME/registry` on the host.
    registry: PathBuf,
    /// As root: empty directories `nobody` can reach, where the sysroot and
    /// the registry are bound first (see the module's doc).
    views: Option<(PathBuf, PathBuf)>,
    /// As root: the user the sandbox runs as.
    user: Option<User>,
    /// The size of the private `/tmp` and `/dev/shm`, each.
    tmp_bytes: u64,
}

/// A process to start in the sandbox.
pub enum Stage<'a> {
    /// `cargo` building in `course` (read-only) into `target` (writable).
    Build {
        /// The scratch course tree on the host.
        course: &'a Path,
        /// This submission's target directory on the host.
        target: &'a Path,
    },
    /// A test binary, with the course tree read-only.
    Test {
        /// The scratch course tree on the host.
        course: &'a Path,
        /// The test binary on the host.
        binary: &'a Path,
        /// Where it appears inside: under `COURSE/target/debug/deps/`.
        binary_inside: &'a Path,
        /// Its working directory inside: the lesson's package directory.
        cwd_inside: &'a Path,
    },
}

impl Jail {
    /// Finds `bwrap` and the toolchain, and checks that a sandbox starts
    /// here. `cache` holds the views a root checker needs.
    ///
    /// # Errors
    ///
    /// [`MISSING`] when `bwrap` is not installed; a line saying why when it
    /// cannot make a sandbox (user namespaces disabled, ...).
    pub fn new(cache: &Path, user: Option<User>, tmp_bytes: u64) -> Result<Jail> {
        let bwrap = find()?;
        let sysroot = sysroot()?;
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
            .context("cannot find cargo's home (set CARGO_HOME)")?;
        let registry = cargo_home.join("registry");
        std::fs::create_dir_all(&registry)
            .with_context(|| format!("cannot create {}", registry.display()))?;
        let views = match user {
            Some(_) => {
                let views = cache.join("views");
                let pair = (views.join("toolchain"), views.join("registry"));
                for dir in [&pair.0, &pair.1] {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("cannot create {}", dir.display()))?;
                }
                Some(pair)
            }
            None => None,
        };
        let jail = Jail {
            bwrap,
            sysroot,
            registry,
            views,
            user,
            tmp_bytes,
        };
        jail.probe()?;
        Ok(jail)
    }

    /// One line for the instructor.
    pub fn describe(&self) -> String {
        let who = match self.user {
            Some(user) => t!("sandbox-as", user = user.name),
            None => t!("sandbox-as-current"),
        };
        t!("jail-describe", who = who, tmp = self.tmp_bytes >> 20)
    }

    /// Starts a trivial sandbox, so that a machine that cannot make one
    /// says so once, before any submission.
    fn probe(&self) -> Result<()> {
        let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
        std::fs::create_dir_all(dir.path().join("target"))?;
        let mut command = self.command_for(&Stage::Build {
            course: dir.path(),
            target: dir.path(),
        });
        command.arg("/usr/bin/true");
        let output = command
            .stdin(std::process::Stdio::null())
            .output()
            .with_context(|| format!("cannot run {}", self.bwrap.display()))?;
        if !output.status.success() {
            bail!(
                "bubblewrap cannot make a sandbox here ({}); grade needs user namespaces, \
                 or pass --no-sandbox (not for untrusted code)",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(())
    }

    /// `cargo` (the toolchain's own, not a rustup proxy) in the sandbox:
    /// add its arguments.
    pub fn cargo(&self, course: &Path, target: &Path) -> Command {
        let mut command = self.command_for(&Stage::Build { course, target });
        command.arg(Path::new(TOOLCHAIN).join("bin/cargo"));
        command
    }

    /// A test binary in the sandbox: add its arguments.
    pub fn test(&self, stage: &Stage<'_>) -> Command {
        let mut command = self.command_for(stage);
        if let Stage::Test { binary_inside, .. } = stage {
            command.arg(binary_inside);
        }
        command
    }

    /// `bwrap` with the namespaces, mounts and environment of `stage`,
    /// ending in `--`: the program and its arguments follow.
    fn command_for(&self, stage: &Stage<'_>) -> Command {
        let mut command = Command::new(&self.bwrap);
        command.env_clear();
        let mut args: Vec<OsString> = Vec::new();
        let mut add = |items: &[&OsStr]| args.extend(items.iter().map(|s| s.to_os_string()));
        add(&[
            "--unshare-all".as_ref(),
            "--die-with-parent".as_ref(),
            "--new-session".as_ref(),
            "--hostname".as_ref(),
            "course".as_ref(),
            "--ro-bind".as_ref(),
            "/usr".as_ref(),
            "/usr".as_ref(),
        ]);
        for top in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] {
            let path = Path::new(top);
            match std::fs::read_link(path) {
                Ok(to) => add(&["--symlink".as_ref(), to.as_os_str(), top.as_ref()]),
                Err(_) if path.is_dir() => add(&["--ro-bind".as_ref(), top.as_ref(), top.as_ref()]),
                Err(_) => {}
            }
        }
        for file in ETC {
            add(&["--ro-bind-try".as_ref(), file.as_ref(), file.as_ref()]);
        }
        let size = self.tmp_bytes.to_string();
        add(&["--dev".as_ref(), "/dev".as_ref()]);
        for tmp in ["/tmp", "/dev/shm"] {
            add(&[
                "--size".as_ref(),
                size.as_ref(),
                "--tmpfs".as_ref(),
                tmp.as_ref(),
            ]);
        }
        let inside = |p: &str| PathBuf::from(p);
        match stage {
            Stage::Build { course, target } => {
                let (toolchain, registry) = match &self.views {
                    Some((t, r)) => (t.as_path(), r.as_path()),
                    None => (self.sysroot.as_path(), self.registry.as_path()),
                };
                let course_target = inside(COURSE).join("target");
                let cargo_registry = inside(CARGO_HOME).join("registry");
                add(&[
                    "--proc".as_ref(),
                    "/proc".as_ref(),
                    "--ro-bind".as_ref(),
                    toolchain.as_os_str(),
                    TOOLCHAIN.as_ref(),
                    "--ro-bind".as_ref(),
                    course.as_os_str(),
                    COURSE.as_ref(),
                    "--bind".as_ref(),
                    target.as_os_str(),
                    course_target.as_os_str(),
                    "--tmpfs".as_ref(),
                    CARGO_HOME.as_ref(),
                    "--ro-bind".as_ref(),
                    registry.as_os_str(),
                    cargo_registry.as_os_str(),
                    "--chdir".as_ref(),
                    COURSE.as_ref(),
                ]);
                let bin = inside(TOOLCHAIN).join("bin");
                command
                    .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
                    .env("CARGO_HOME", CARGO_HOME)
                    .env("CARGO_TARGET_DIR", &course_target)
                    .env("CARGO_NET_OFFLINE", "true")
                    .env("CARGO_INCREMENTAL", "0")
                    .env("CARGO_TERM_COLOR", "never")
                    .env("RUSTC", bin.join("rustc"))
                    // Clippy's `disallowed-*` lints see through aliases: it
                    // runs on the course's packages as they compile.
                    .env("RUSTC_WORKSPACE_WRAPPER", bin.join("clippy-driver"));
            }
            Stage::Test {
                course,
                binary,
                binary_inside,
                cwd_inside,
            } => {
                let course_target = inside(COURSE).join("target");
                add(&[
                    "--ro-bind".as_ref(),
                    course.as_os_str(),
                    COURSE.as_ref(),
                    "--size".as_ref(),
                    "1048576".as_ref(),
                    "--tmpfs".as_ref(),
                    course_target.as_os_str(),
                    "--ro-bind".as_ref(),
                    binary.as_os_str(),
                    binary_inside.as_os_str(),
                    "--chdir".as_ref(),
                    cwd_inside.as_os_str(),
                ]);
                command.env("PATH", "/usr/bin:/bin");
            }
        }
        command.env("HOME", "/tmp").env("TMPDIR", "/tmp");
        if let Some(lang) = std::env::var_os("LANG") {
            command.env("LANG", lang);
        }
        for (name, value) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("TESTKIT_") {
                command.env(name, value);
            }
        }
        args.push("--".into());
        command.args(args);
        if let (Some(user), Some((toolchain, registry))) = (self.user, &self.views) {
            let binds = vec![
                (cstring(&self.sysroot), cstring(toolchain)),
                (cstring(&self.registry), cstring(registry)),
            ];
            sys::enter_as(&mut command, binds, user);
        }
        command
    }
}

fn cstring(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).unwrap_or_default()
}

/// The `bwrap` binary on `PATH`.
///
/// # Errors
///
/// [`MISSING`] when there is none.
pub fn find() -> Result<PathBuf> {
    find_in_path("bwrap").context(MISSING)
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")
        .unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin".into());
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// The active toolchain's sysroot (`rustc --print sysroot`).
fn sysroot() -> Result<PathBuf> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .with_context(|| format!("cannot run {}", rustc.to_string_lossy()))?;
    if !output.status.success() {
        bail!("`rustc --print sysroot` failed");
    }
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    for tool in ["cargo", "rustc", "clippy-driver"] {
        if !sysroot.join("bin").join(tool).is_file() {
            bail!(
                "the toolchain at {} has no bin/{tool} (rustup component add clippy)",
                sysroot.display()
            );
        }
    }
    Ok(sysroot)
}

/// The root-only part: a private mount namespace and a change of user in
/// the child, before `bwrap` starts.
#[allow(unsafe_code)]
mod sys {
    use std::ffi::CString;
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    use crate::class::sandbox::User;

    /// In the child: a private mount namespace where each `(from, to)` is
    /// bound, then `user`'s ids.
    pub fn enter_as(command: &mut Command, binds: Vec<(CString, CString)>, user: User) {
        let hook = move || {
            let fail = || Err(std::io::Error::last_os_error());
            // SAFETY: unshare, mount, setgroups, setgid and setuid are
            // async-signal-safe system calls; every pointer is to a CString
            // made before the fork and alive for the closure's life.
            unsafe {
                if libc::unshare(libc::CLONE_NEWNS) != 0 {
                    return fail();
                }
                let root = c"/";
                let flags = libc::MS_REC | libc::MS_PRIVATE;
                if libc::mount(
                    std::ptr::null(),
                    root.as_ptr(),
                    std::ptr::null(),
                    flags,
                    std::ptr::null(),
                ) != 0
                {
                    return fail();
                }
                for (from, to) in &binds {
                    let flags = libc::MS_BIND | libc::MS_REC;
                    if libc::mount(
                        from.as_ptr(),
                        to.as_ptr(),
                        std::ptr::null(),
                        flags,
                        std::ptr::null(),
                    ) != 0
                    {
                        return fail();
                    }
                }
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(user.gid) != 0
                    || libc::setuid(user.uid) != 0
                {
                    return fail();
                }
            }
            Ok(())
        };
        // SAFETY: see the hook: only async-signal-safe calls, no allocation.
        unsafe {
            command.pre_exec(hook);
        }
    }
}
