//! The lab's state directory: lab keys, zone sources, trainee workspaces.
//!
//! ## Layout
//! ```text
//! <state>/
//!   dnslab-state            the marker: a dnslab state directory, and whose
//!                           ([`crate::ownership`]); written first by init
//!   lab.yaml                the lab file `up` was given (commands without a
//!                           LABFILE plan from this copy); rewritten by init
//!   keys/          0700     lab keys, BIND format: K.+013+<tag>.key/.private,
//!                           Kne.+013+…, Kzoo.+013+… (.private 0600); a KSK
//!                           and a ZSK per lab zone, made at the first init
//!   zones/                  unsigned lab zones: root.zone, <tld>.zone,
//!                           zoo.zone; rewritten by init from the plan
//!     zoo/<label>.zone      unsigned zoo fixtures (backends add .signed)
//!   zoo-keys/      0700     the zoo fixtures' keys (a KSK and a ZSK each,
//!                           more for big-dnskey), apart from keys/: some
//!                           fixtures are broken on purpose, and nothing in
//!                           here is ever a trust anchor
//!   trainees/<name>/        a trainee's workspace (no lab key ever):
//!     <zone>.zone           the starting zone, made once, then the trainee's
//!     resolver.conf         validation off, no anchor; made once
//!     README.md             zone, addresses, first steps; rewritten by init
//!   attic/<name>-<time>/    workspaces put aside by reset_trainee
//! ```
//! Backends add their own entries (signed zones, the supervisor's pid file,
//! [`crate::supervisor`]) beside these; [`crate::ownership::KNOWN_ENTRIES`]
//! lists every name, which is what `down --purge` removes.
//!
//! ## Where it is
//! [`StateDir::locate`], in order: `--state-dir` (the `explicit`
//! argument); `$DNSLAB_STATE_DIR`; `$XDG_STATE_HOME/dnslab/<workshop>`;
//! `~/.local/state/dnslab/<workshop>`. XDG's *state* directory is for
//! data that should survive restarts but is not a user document, which is
//! what lab keys and trainee work are. Commands that have no lab file (and
//! so no workshop name) take the only lab under `…/dnslab/`, and ask for
//! `--state-dir` when there are several.
//!
//! ## Idempotence
//! [`StateDir::init`] can run at every `up`: it generates lab keys only for
//! zones that have none, never touches a trainee's zone file or
//! `resolver.conf` once written, and rewrites only what the lab owns
//! (`lab.yaml`, `zones/`, the READMEs). Every file is written atomically
//! ([`dnslab_zone::writer::write_file_atomically`]).

use crate::error::StateError;
use crate::plan::{LabPlan, Trainee};
use crate::readme::trainee_readme;
use crate::resolver_conf::ResolverConfig;
use crate::zoo::{BIG_DNSKEY_THRESHOLD, Defect, Fixture};
use dnslab_zone::keys::ds::{DigestType, ds_rdata};
use dnslab_zone::keys::{Key, load_key_dir};
use dnslab_zone::writer::write_file_atomically;
use dnslab_zone::{Name, Record, Rtype};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// The environment variable naming the state directory.
pub const STATE_DIR_ENV: &str = "DNSLAB_STATE_DIR";
/// The copy of the lab file in the state directory.
pub const LAB_FILE: &str = "lab.yaml";

/// A lab's state directory (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDir {
    root: PathBuf,
}

/// What [`StateDir::init`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InitReport {
    /// Zones whose lab keys were generated now.
    pub generated_keys: Vec<Name>,
    /// Zoo fixtures whose keys were generated now.
    pub generated_zoo_keys: Vec<Name>,
    /// Trainees whose workspace was created now.
    pub new_workspaces: Vec<String>,
    /// Trainees whose workspace existed; their files were kept.
    pub kept_workspaces: Vec<String>,
}

impl StateDir {
    /// The state directory at `root` (nothing is created).
    pub fn new(root: impl Into<PathBuf>) -> StateDir {
        StateDir { root: root.into() }
    }

    /// Finds the state directory: `explicit` (`--state-dir`), else
    /// `$DNSLAB_STATE_DIR`, else `<base>/<workshop>` with `<base>` =
    /// `$XDG_STATE_HOME/dnslab` or `~/.local/state/dnslab`; without a
    /// workshop, the only lab under `<base>`.
    pub fn locate(explicit: Option<&Path>, workshop: Option<&str>) -> Result<StateDir, StateError> {
        locate_with(explicit, workshop, &|k| std::env::var_os(k))
    }

    pub fn path(&self) -> &Path {
        &self.root
    }

    /// `<state>/lab.yaml`
    pub fn lab_file(&self) -> PathBuf {
        self.root.join(LAB_FILE)
    }

    /// The plan of the lab this directory holds, from `<state>/lab.yaml`.
    pub fn recorded_plan(&self) -> Result<LabPlan, crate::LabError> {
        LabPlan::load(&self.lab_file())
    }

    /// Records `plan`'s lab file as this lab's (`<state>/lab.yaml`), for a
    /// change a running lab takes live ([`crate::plan_diff`]).
    pub fn record_lab_file(&self, plan: &LabPlan) -> Result<(), StateError> {
        write_text(&self.lab_file(), &plan.lab_text)
    }

    /// `<state>/keys`
    pub fn keys_dir(&self) -> PathBuf {
        self.root.join("keys")
    }

    /// `<state>/zones`
    pub fn zones_dir(&self) -> PathBuf {
        self.root.join("zones")
    }

    /// `<state>/zoo-keys`
    pub fn zoo_keys_dir(&self) -> PathBuf {
        self.root.join("zoo-keys")
    }

    /// `<state>/attic`
    pub fn attic_dir(&self) -> PathBuf {
        self.root.join("attic")
    }

    /// A path relative to the state directory, made absolute (for the
    /// relative paths in [`LabPlan`]: workspaces, zone files).
    pub fn join(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.root.join(relative)
    }

    /// `<state>/resolvers/<trainee>.applied`: the `resolver.conf` that the
    /// trainee's running lab resolver started from, byte for byte, written
    /// by the embedded supervisor, so that a tool that changed the file can
    /// tell when the lab has taken the change.
    pub fn applied_resolver_conf(&self, trainee: &str) -> PathBuf {
        self.root
            .join("resolvers")
            .join(format!("{trainee}.applied"))
    }

    /// `<state>/trainees/<name>`
    pub fn trainee_dir(&self, trainee: &Trainee) -> PathBuf {
        self.root.join(&trainee.workspace)
    }

    /// Plans the lab from the state directory's copy of the lab file.
    pub fn load_plan(&self) -> Result<LabPlan, StateError> {
        Ok(LabPlan::load(&self.lab_file())?)
    }

    /// Creates or completes the state directory for `plan` (see the module
    /// documentation for what is kept and what is rewritten).
    pub fn init(&self, plan: &LabPlan) -> Result<InitReport, StateError> {
        let mut report = InitReport::default();
        // Marked first: whatever follows is in a directory that is ours.
        self.claim(&plan.workshop)?;
        write_text(&self.lab_file(), &plan.lab_text)?;

        let keys = self.keys_dir();
        create_dir(&keys, Some(0o700))?;
        let now = unix_now();
        for zone in plan.lab_zones() {
            let existing = load_key_dir(&keys, &zone.apex)?;
            if !existing.is_empty() {
                if existing.iter().all(|k| k.algorithm != plan.algorithm) {
                    tracing::warn!(zone = %zone.apex, algorithm = %plan.algorithm, "lab keys kept: they use another algorithm than the lab file asks for");
                }
                continue;
            }
            for ksk in [true, false] {
                let key = Key::generate(zone.apex.clone(), plan.algorithm, ksk, now).map_err(
                    |source| StateError::KeyGeneration {
                        zone: zone.apex.clone(),
                        source,
                    },
                )?;
                key.write(&keys)?;
            }
            tracing::info!(zone = %zone.apex, algorithm = %plan.algorithm, "lab keys generated");
            report.generated_keys.push(zone.apex.clone());
        }

        let fixtures = plan.zoo_fixtures();
        if !fixtures.is_empty() {
            let zoo_keys = self.zoo_keys_dir();
            create_dir(&zoo_keys, Some(0o700))?;
            for f in fixtures.iter().filter(|f| f.is_signed()) {
                let apex = f.apex();
                if !load_key_dir(&zoo_keys, &apex)?.is_empty() {
                    continue;
                }
                for key in fixture_keys(plan, f, now)? {
                    key.write(&zoo_keys)?;
                }
                tracing::debug!(zone = %apex, "zoo fixture keys generated");
                report.generated_zoo_keys.push(apex);
            }
        }

        create_dir(&self.zones_dir(), None)?;
        for zone in plan.lab_zones() {
            let text = plan.zone_text(&zone.apex).expect("lab zones have a text");
            write_text(&self.root.join(&zone.source_file), &text)?;
        }
        if !fixtures.is_empty() {
            create_dir(&self.zones_dir().join("zoo"), None)?;
            for f in fixtures {
                write_text(&self.root.join(f.source_file()), &plan.zoo_fixture_text(f))?;
            }
        }

        create_dir(&self.root.join("trainees"), None)?;
        for t in &plan.trainees {
            if self.trainee_dir(t).exists() {
                report.kept_workspaces.push(t.name.clone());
            } else {
                report.new_workspaces.push(t.name.clone());
            }
            self.write_workspace(plan, t)?;
        }
        Ok(report)
    }

    /// Creates what is missing of a trainee's workspace, and the README.
    fn write_workspace(&self, plan: &LabPlan, t: &Trainee) -> Result<(), StateError> {
        // The trainee's keys end up here: the instructor's (and the
        // containers', which run as the instructor) only, not every local
        // user's (a workspace made by an older dnslab is tightened too).
        create_dir(&self.trainee_dir(t), Some(0o700))?;
        let zone_file = self.root.join(&t.zone_file);
        if !zone_file.exists() {
            write_text(&zone_file, &plan.trainee_zone_text(t))?;
        }
        let conf = self.root.join(t.resolver_conf());
        if !conf.exists() {
            write_text(&conf, &ResolverConfig::initial_text(plan, t))?;
        }
        write_text(&self.root.join(t.readme()), &trainee_readme(plan, t))
    }

    /// Puts a trainee's workspace aside in `attic/<name>-<unix time>/` and
    /// creates it afresh, as at the start of the workshop. Returns where
    /// the old one went (`None` if there was none). A rename and three
    /// small files: well under a second.
    pub fn reset_trainee(&self, plan: &LabPlan, name: &str) -> Result<Option<PathBuf>, StateError> {
        let t = plan
            .trainee(name)
            .ok_or_else(|| crate::LabError::NoSuchTrainee {
                name: name.to_string(),
            })?;
        // Only in a directory `up` marked (crate::ownership).
        self.marked_workshop()?;
        let dir = self.trainee_dir(t);
        let mut moved = None;
        if dir.exists() {
            let attic = self.attic_dir();
            create_dir(&attic, None)?;
            let stamp = unix_now();
            let mut target = attic.join(format!("{name}-{stamp}"));
            let mut k = 1;
            while target.exists() {
                target = attic.join(format!("{name}-{stamp}-{k}"));
                k += 1;
            }
            std::fs::rename(&dir, &target).map_err(StateError::io(&dir, "move to the attic"))?;
            tracing::info!(trainee = name, attic = %target.display(), "workspace reset");
            moved = Some(target);
        }
        self.write_workspace(plan, t)?;
        Ok(moved)
    }

    /// The lab keys of a lab zone (root, TLD, zoo), with their private
    /// halves, to sign with.
    pub fn load_keys(&self, apex: &Name) -> Result<Vec<Key>, StateError> {
        let dir = self.keys_dir();
        let keys = load_key_dir(&dir, apex)?;
        if keys.is_empty() {
            return Err(StateError::NoKeys {
                zone: apex.clone(),
                dir,
            });
        }
        Ok(keys)
    }

    /// The keys of a zoo fixture, with their private halves (empty for the
    /// unsigned fixture).
    pub fn load_fixture_keys(&self, fixture: &Fixture) -> Result<Vec<Key>, StateError> {
        if !fixture.is_signed() {
            return Ok(Vec::new());
        }
        let dir = self.zoo_keys_dir();
        let apex = fixture.apex();
        let keys = if dir.exists() {
            load_key_dir(&dir, &apex)?
        } else {
            Vec::new()
        };
        if keys.is_empty() {
            return Err(StateError::NoKeys { zone: apex, dir });
        }
        Ok(keys)
    }

    /// DS records (SHA-256) for the lab KSKs of `apex`, with `ttl`, for the
    /// parent zone (the root, for a TLD or the zoo); also the lab's trust
    /// anchor when `apex` is the root.
    pub fn ds_records(&self, apex: &Name, ttl: u32) -> Result<Vec<Record>, StateError> {
        Ok(self
            .load_keys(apex)?
            .iter()
            .filter(|k| k.is_sep())
            .map(|k| {
                let rdata = ds_rdata(apex, &k.dnskey_rdata(), DigestType::Sha256);
                Record::new(apex.clone(), Rtype::DS, ttl, rdata)
            })
            .collect())
    }
}

/// Stand-by ZSKs of the `big-dnskey` fixture: published from `now`,
/// active only in a century, so they sign nothing.
const STANDBY_ACTIVATION: i64 = 100 * 365 * 86400;

/// New keys for a zoo fixture: a KSK and a ZSK with the lab algorithm;
/// for [`Defect::BigDnskey`] also stand-by ZSKs, as many as it takes for
/// the DNSKEY RRset alone to pass [`BIG_DNSKEY_THRESHOLD`] by a margin
/// (the RRSIG, header and question come on top).
fn fixture_keys(plan: &LabPlan, f: &Fixture, now: i64) -> Result<Vec<Key>, StateError> {
    let apex = f.apex();
    let generate = |ksk: bool| {
        Key::generate(apex.clone(), plan.algorithm, ksk, now).map_err(|source| {
            StateError::KeyGeneration {
                zone: apex.clone(),
                source,
            }
        })
    };
    let mut keys = vec![generate(true)?, generate(false)?];
    if f.defect == Defect::BigDnskey {
        // Each DNSKEY in a response: compressed owner (2), type, class,
        // TTL, length (10), then the RDATA.
        let rr_size = |k: &Key| 12 + k.dnskey_rdata().len();
        let mut size: usize = keys.iter().map(rr_size).sum();
        while size < BIG_DNSKEY_THRESHOLD + 100 {
            let mut key = generate(false)?;
            key.timing.activate = Some(now + STANDBY_ACTIVATION);
            size += rr_size(&key);
            keys.push(key);
        }
    }
    Ok(keys)
}

/// [`StateDir::locate`] with the environment given, for tests.
pub(crate) fn locate_with(
    explicit: Option<&Path>,
    workshop: Option<&str>,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Result<StateDir, StateError> {
    if let Some(p) = explicit {
        return Ok(StateDir::new(p));
    }
    let set = |k: &str| env(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(p) = set(STATE_DIR_ENV) {
        return Ok(StateDir::new(p));
    }
    let base = set("XDG_STATE_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| set("HOME").map(|h| h.join(".local/state")))
        .ok_or(StateError::NoDefault)?
        .join("dnslab");
    if let Some(w) = workshop {
        return Ok(StateDir::new(base.join(w)));
    }
    let mut labs: Vec<String> = std::fs::read_dir(&base)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join(LAB_FILE).is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    labs.sort();
    match labs.len() {
        0 => Err(StateError::NoLab { base }),
        1 => Ok(StateDir::new(base.join(&labs[0]))),
        _ => Err(StateError::SeveralLabs { base, labs }),
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Creates a directory (and its parents); with `mode`, also sets the mode
/// of a directory that existed.
pub(crate) fn create_dir(dir: &Path, mode: Option<u32>) -> Result<(), StateError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(mode);
    }
    builder
        .create(dir)
        .map_err(StateError::io(dir, "create the directory"))?;
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))
            .map_err(StateError::io(dir, "set the permissions of"))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    Ok(())
}

fn write_text(path: &Path, text: &str) -> Result<(), StateError> {
    write_file_atomically(path, |out| out.write_all(text.as_bytes()))
        .map_err(StateError::io(path, "write"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        let at = |e: &dyn Fn(&str) -> Option<OsString>| {
            locate_with(None, Some("demo"), e).map(|s| s.path().to_path_buf())
        };
        assert_eq!(
            locate_with(
                Some(Path::new("/x")),
                Some("demo"),
                &env(&[(STATE_DIR_ENV, "/y")])
            )
            .unwrap()
            .path(),
            Path::new("/x")
        );
        assert_eq!(
            at(&env(&[(STATE_DIR_ENV, "/y"), ("HOME", "/h")])).unwrap(),
            Path::new("/y")
        );
        assert_eq!(
            at(&env(&[("XDG_STATE_HOME", "/s"), ("HOME", "/h")])).unwrap(),
            Path::new("/s/dnslab/demo")
        );
        assert_eq!(
            at(&env(&[("HOME", "/h")])).unwrap(),
            Path::new("/h/.local/state/dnslab/demo")
        );
        assert!(matches!(at(&env(&[])), Err(StateError::NoDefault)));
    }

    #[test]
    fn discovery_without_workshop() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("dnslab");
        let xdg = dir.path().as_os_str().to_owned();
        let env = move |k: &str| (k == "XDG_STATE_HOME").then(|| xdg.clone());
        assert!(matches!(
            locate_with(None, None, &env),
            Err(StateError::NoLab { .. })
        ));
        std::fs::create_dir_all(base.join("a")).unwrap();
        std::fs::write(base.join("a").join(LAB_FILE), "").unwrap();
        assert_eq!(
            locate_with(None, None, &env).unwrap().path(),
            base.join("a")
        );
        std::fs::create_dir_all(base.join("b")).unwrap();
        std::fs::write(base.join("b").join(LAB_FILE), "").unwrap();
        let e = locate_with(None, None, &env).unwrap_err();
        assert!(e.to_string().contains("several labs"), "{e}");
    }
}
