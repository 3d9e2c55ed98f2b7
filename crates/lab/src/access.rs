//! Trainees' SSH logins to their workstations (`access.ssh` in the lab
//! file): the credentials dnslab makes, where they are kept, and what the
//! instructor hands out.
//!
//! ## Background
//! On the Docker backend each trainee's workstation can run OpenSSH's
//! server, published on the host at `access.port_base + n` for trainee n
//! ([`crate::plan::SshAccess`]). A trainee logs in as their own name, with
//! a password dnslab generates and/or the public keys the lab file gives.
//!
//! ## Layout
//! Everything is in `<state>/access/` (mode 0700), which no container
//! mounts as a whole:
//!
//! | path | what |
//! |---|---|
//! | `credentials.json` (0600) | each trainee's password and its SHA-512-crypt hash, made once |
//! | `<trainee>/` (0700) | what that trainee's workstation mounts: host key, `sshd_config`, `passwd`, `group`, `shadow`, `authorized_keys` (all 0600; written by the Docker backend) |
//!
//! Passwords and host keys are made once and kept across `dnslab reset`,
//! `down` and `up` (only `down --purge` removes them), so a trainee's
//! handout stays right and a re-created workstation keeps its host key:
//! no "host key changed" warning in class.
//!
//! ## Usage
//! [`ensure_credentials`] (at bring-up) makes what is missing;
//! [`logins`] is what `dnslab access list`, `dnslab handout` and the web's
//! handout print. Both read files only the instructor can read: trainees
//! never see each other's passwords.

use crate::error::StateError;
use crate::plan::{LabPlan, SshAccess, Trainee};
use crate::state::{StateDir, create_dir};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The directory of everything SSH, under the state directory.
pub const DIR: &str = "access";
/// The credentials file, in [`DIR`].
pub const CREDENTIALS_FILE: &str = "credentials.json";
/// A workstation's host key, in its trainee's directory (the `.pub`
/// beside it).
pub const HOST_KEY_FILE: &str = "ssh_host_ed25519_key";

/// Why credentials could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("{}: cannot {action}", .path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a dnslab credentials file", .path.display())]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(transparent)]
    State(#[from] StateError),
    #[error("the system random generator failed")]
    Random,
    #[error("cannot hash {trainee}'s password")]
    Hash {
        trainee: String,
        #[source]
        source: sha_crypt::password_hash::Error,
    },
    #[error(
        "lab {workshop} has no SSH access: set `access: {{ ssh: true }}` in the lab file (Docker backend); on the embedded backend trainees use the classroom web (`dnslab web`, or `dnslab up --web`)"
    )]
    Off { workshop: String },
}

/// One trainee's password, as typed and as `/etc/shadow` holds it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    pub password: String,
    /// SHA-512-crypt (`$6$…`) of `password`.
    pub hash: String,
}

/// No password in a debug print.
impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential").finish_non_exhaustive()
    }
}

/// `<state>/access/`.
pub fn dir(state: &StateDir) -> PathBuf {
    state.join(DIR)
}

/// `<state>/access/<trainee>/`: what the trainee's workstation mounts.
pub fn trainee_dir(state: &StateDir, trainee: &str) -> PathBuf {
    dir(state).join(trainee)
}

/// `<state>/access/credentials.json`.
pub fn credentials_path(state: &StateDir) -> PathBuf {
    dir(state).join(CREDENTIALS_FILE)
}

/// The credentials made so far, by trainee (none when there is no file).
pub fn load_credentials(state: &StateDir) -> Result<BTreeMap<String, Credential>, AccessError> {
    let path = credentials_path(state);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(source) => {
            return Err(AccessError::Io {
                path,
                action: "read",
                source,
            });
        }
    };
    serde_json::from_str(&text).map_err(|source| AccessError::Parse { path, source })
}

/// Makes `<state>/access/` and its trainee directories (0700) and a
/// password for every trainee of `plan` who has none; keeps the others.
/// Returns every trainee's credential.
pub fn ensure_credentials(
    state: &StateDir,
    plan: &LabPlan,
) -> Result<BTreeMap<String, Credential>, AccessError> {
    create_dir(&dir(state), Some(0o700))?;
    for t in &plan.trainees {
        create_dir(&trainee_dir(state, &t.name), Some(0o700))?;
    }
    let mut all = load_credentials(state)?;
    let rng = SystemRandom::new();
    let mut made = false;
    for t in &plan.trainees {
        if all.contains_key(&t.name) {
            continue;
        }
        let password = new_password(&rng)?;
        let hash = hash_password(&rng, &t.name, &password)?;
        all.insert(t.name.clone(), Credential { password, hash });
        made = true;
    }
    if made {
        let path = credentials_path(state);
        let text = serde_json::to_string_pretty(&all).map_err(|source| AccessError::Parse {
            path: path.clone(),
            source,
        })?;
        dnslab_zone::writer::write_file_atomically_with_mode(&path, Some(0o600), |w| {
            w.write_all(text.as_bytes())?;
            w.write_all(b"\n")
        })
        .map_err(|source| AccessError::Io {
            path,
            action: "write",
            source,
        })?;
    }
    Ok(all)
}

/// Letters and digits a trainee reads off paper without confusing them
/// (no 0/o, 1/l/i).
const PASSWORD_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A password of four groups of four (`k7fq-…`): 16 characters from 31,
/// about 79 bits, typed from a printed handout.
fn new_password(rng: &SystemRandom) -> Result<String, AccessError> {
    let mut out = String::new();
    while out.len() < 19 {
        if out.len() % 5 == 4 {
            out.push('-');
            continue;
        }
        let mut byte = [0u8; 1];
        rng.fill(&mut byte).map_err(|_| AccessError::Random)?;
        // Rejection sampling: 248 = 8 · 31 keeps every letter equally likely.
        if byte[0] < 248 {
            out.push(char::from(
                PASSWORD_ALPHABET[usize::from(byte[0]) % PASSWORD_ALPHABET.len()],
            ));
        }
    }
    Ok(out)
}

/// SHA-512-crypt of `password` with a random 12-byte salt (16 characters
/// in the hash), 5000 rounds: glibc's default, what `passwd` writes.
fn hash_password(rng: &SystemRandom, trainee: &str, password: &str) -> Result<String, AccessError> {
    use sha_crypt::{PasswordHasher, ShaCrypt};
    let mut salt = [0u8; 12];
    rng.fill(&mut salt).map_err(|_| AccessError::Random)?;
    ShaCrypt::SHA512
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|source| AccessError::Hash {
            trainee: trainee.to_string(),
            source,
        })
}

/// The SHA-256 fingerprint of a public key line (`ssh-ed25519 AAAA…`), as
/// `ssh-keygen -l` and `ssh` print it: `SHA256:` and the unpadded base64
/// of the digest of the key blob.
pub fn fingerprint(public_key_line: &str) -> Option<String> {
    let blob = public_key_line.split_whitespace().nth(1)?;
    let bytes = data_encoding::BASE64.decode(blob.as_bytes()).ok()?;
    let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
    Some(format!(
        "SHA256:{}",
        data_encoding::BASE64_NOPAD.encode(digest.as_ref())
    ))
}

/// The workstation's host key's public line, when it has been made.
pub fn host_public_key(state: &StateDir, trainee: &str) -> Option<String> {
    let path = trainee_dir(state, trainee).join(format!("{HOST_KEY_FILE}.pub"));
    let text = std::fs::read_to_string(path).ok()?;
    Some(text.trim().to_string())
}

/// How one trainee logs in.
#[derive(Clone, Serialize)]
pub struct Login {
    pub trainee: String,
    /// What trainees type for the host.
    pub host: String,
    pub port: u16,
    /// `ssh -p 2201 alice@192.0.2.10`
    pub command: String,
    /// `None` when password login is off, or no password was made yet
    /// (the lab was not brought up with SSH).
    pub password: Option<String>,
    /// How many public keys the lab file gives for this trainee.
    pub keys: usize,
    /// The workstation's host key fingerprint, once made.
    pub host_key: Option<String>,
}

/// No password in a debug print.
impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("trainee", &self.trainee)
            .field("command", &self.command)
            .finish_non_exhaustive()
    }
}

/// Every trainee's login, in lab order; [`AccessError::Off`] when the lab
/// has no SSH access. Reads the credentials, never makes them.
pub fn logins(state: &StateDir, plan: &LabPlan) -> Result<Vec<Login>, AccessError> {
    let ssh = plan.ssh.as_ref().ok_or_else(|| AccessError::Off {
        workshop: plan.workshop.clone(),
    })?;
    let credentials = load_credentials(state)?;
    let host = ssh.host_to_type().unwrap_or_else(this_host);
    Ok(plan
        .trainees
        .iter()
        .map(|t| login(state, ssh, &host, t, credentials.get(&t.name)))
        .collect())
}

fn login(
    state: &StateDir,
    ssh: &SshAccess,
    host: &str,
    t: &Trainee,
    credential: Option<&Credential>,
) -> Login {
    let port = ssh.port(t);
    // An IPv6 address goes as it is: `ssh -p PORT user@::1` works.
    Login {
        trainee: t.name.clone(),
        host: host.to_string(),
        port,
        command: format!("ssh -p {port} {}@{host}", t.name),
        password: credential
            .filter(|_| ssh.password)
            .map(|c| c.password.clone()),
        keys: ssh.keys.get(&t.name).map_or(0, Vec::len),
        host_key: host_public_key(state, &t.name).and_then(|k| fingerprint(&k)),
    }
}

/// This machine's host name, for an `ssh` line when the lab file binds
/// every address and names no `access.host`.
fn this_host() -> String {
    std::fs::read_to_string(Path::new("/proc/sys/kernel/hostname"))
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_four_groups_from_the_readable_alphabet() {
        let rng = SystemRandom::new();
        let a = new_password(&rng).unwrap();
        let b = new_password(&rng).unwrap();
        assert_ne!(a, b);
        let groups: Vec<&str> = a.split('-').collect();
        assert_eq!(groups.len(), 4, "{a}");
        for g in groups {
            assert_eq!(g.len(), 4, "{a}");
            assert!(g.bytes().all(|c| PASSWORD_ALPHABET.contains(&c)), "{a}");
        }
    }

    #[test]
    fn the_hash_is_sha512_crypt_and_checks_the_password() {
        use sha_crypt::{PasswordVerifier, ShaCrypt};
        let rng = SystemRandom::new();
        let hash = hash_password(&rng, "alice", "abcd-efgh").unwrap();
        assert!(hash.starts_with("$6$"), "{hash}");
        assert!(!hash.contains(':') && !hash.contains('\n'), "{hash}");
        ShaCrypt::SHA512
            .verify_password(b"abcd-efgh", hash.as_str())
            .unwrap();
        assert!(
            ShaCrypt::SHA512
                .verify_password(b"abcd-efgx", hash.as_str())
                .is_err()
        );
    }

    #[test]
    fn a_known_sha512_crypt_vector() {
        // From Ulrich Drepper's SHA-crypt specification (the test vectors
        // glibc checks): salt "saltstring", password "Hello world!".
        use sha_crypt::{PasswordVerifier, ShaCrypt};
        let hash = "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1";
        ShaCrypt::SHA512
            .verify_password(b"Hello world!", hash)
            .unwrap();
    }

    #[test]
    fn fingerprints_are_ssh_keygens() {
        // A key made by ssh-keygen, and what `ssh-keygen -l -f` printed.
        let line =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPfpVw3HP1OHlTw7bEbjXKIpw3kyyzfuZmc2gfJvD/Yq test";
        assert_eq!(
            fingerprint(line).as_deref(),
            Some("SHA256:YeoSV/YuwKNKja6DaGzuGxB3lvMBBD1GhfPhW0KRqFg")
        );
        assert_eq!(fingerprint("ssh-ed25519 !!!"), None);
    }

    #[test]
    fn credentials_are_made_once_and_kept_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::new(dir.path().join("state"));
        let text =
            "workshop: w\ntlds: [ne]\ntrainees: { names: [alice, bob] }\naccess: { ssh: true }\n";
        let plan = LabPlan::from_spec(
            crate::LabFile::parse(text, Path::new("l.yaml")).unwrap(),
            Path::new("l.yaml"),
        )
        .unwrap();
        let first = ensure_credentials(&state, &plan).unwrap();
        assert_eq!(first.len(), 2);
        assert_ne!(first["alice"].password, first["bob"].password);
        let again = ensure_credentials(&state, &plan).unwrap();
        assert!(first == again, "kept, not made again");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&credentials_path(&state)), 0o600);
        assert_eq!(mode(&dir_of(&state)), 0o700);
        assert_eq!(mode(&trainee_dir(&state, "bob")), 0o700);
        let logins = logins(&state, &plan).unwrap();
        assert_eq!(logins[1].command, "ssh -p 2202 bob@127.0.0.1");
        assert_eq!(
            logins[1].password.as_deref(),
            Some(first["bob"].password.as_str())
        );
        assert!(!format!("{:?}{:?}", logins, first).contains(&first["bob"].password));
    }

    fn dir_of(state: &StateDir) -> PathBuf {
        dir(state)
    }
}
