//! Login tokens: one per trainee and one for the instructor, random,
//! made once per lab and kept in `<state>/web/tokens.json` (mode 0600,
//! as private keys are: whoever reads it can act as anyone).
//!
//! A token is 80 bits from ring's system random generator, written as
//! four groups of four base32 letters (`K7F3-Q2MA-…`) so that a trainee
//! can type it from a printed handout; `-`, spaces and case do not matter
//! when it is typed back. Tokens are compared in constant time.

use dnslab_lab::{LabPlan, StateDir};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Who a request comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Instructor,
    Trainee(String),
}

/// Why the tokens could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a tokens file", path.display())]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the system random generator failed")]
    Random,
}

/// The lab's tokens.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub instructor: String,
    /// By trainee name.
    pub trainees: BTreeMap<String, String>,
}

/// No token in a debug print.
impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("trainees", &self.trainees.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// The tokens file of a state directory.
pub fn path(state: &StateDir) -> PathBuf {
    state.join("web").join("tokens.json")
}

fn new_token(rng: &SystemRandom) -> Result<String, TokenError> {
    let mut bytes = [0u8; 10];
    rng.fill(&mut bytes).map_err(|_| TokenError::Random)?;
    let text = data_encoding::BASE32_NOPAD.encode(&bytes);
    let groups: Vec<&str> = (0..text.len())
        .step_by(4)
        .map(|i| &text[i..(i + 4).min(text.len())])
        .collect();
    Ok(groups.join("-"))
}

/// A typed token as stored: no `-` or spaces, upper case.
fn normalized(token: &str) -> String {
    token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Whether two tokens are the same, in time that does not depend on
/// where they differ: ring's HMAC verification compares the MACs of both
/// under a throw-away key in constant time.
fn same(a: &str, b: &str, key: &ring::hmac::Key) -> bool {
    let tag = ring::hmac::sign(key, normalized(b).as_bytes());
    ring::hmac::verify(key, normalized(a).as_bytes(), tag.as_ref()).is_ok()
}

impl Tokens {
    /// The lab's tokens, made for whoever has none yet (the instructor at
    /// the first call, a trainee added to the lab later) and saved.
    pub fn load_or_create(state: &StateDir, plan: &LabPlan) -> Result<Tokens, TokenError> {
        let path = path(state);
        let mut tokens = match std::fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice::<Tokens>(&bytes).map_err(|source| TokenError::Parse {
                    path: path.clone(),
                    source,
                })?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Tokens {
                instructor: String::new(),
                trainees: BTreeMap::new(),
            },
            Err(source) => return Err(TokenError::Read { path, source }),
        };
        let rng = SystemRandom::new();
        let mut changed = false;
        if tokens.instructor.is_empty() {
            tokens.instructor = new_token(&rng)?;
            changed = true;
        }
        for t in &plan.trainees {
            if !tokens.trainees.contains_key(&t.name) {
                tokens.trainees.insert(t.name.clone(), new_token(&rng)?);
                changed = true;
            }
        }
        if changed {
            let text = serde_json::to_vec_pretty(&tokens).map_err(|source| TokenError::Parse {
                path: path.clone(),
                source,
            })?;
            let write = |source| TokenError::Write {
                path: path.clone(),
                source,
            };
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(write)?;
            }
            dnslab_zone::writer::write_file_atomically_with_mode(&path, Some(0o600), |w| {
                w.write_all(&text)
            })
            .map_err(write)?;
        }
        Ok(tokens)
    }

    /// Whose token this is, if anyone's.
    pub fn who(&self, token: &str) -> Option<Principal> {
        if token.is_empty() {
            return None;
        }
        let Ok(key) = ring::hmac::Key::generate(ring::hmac::HMAC_SHA256, &SystemRandom::new())
        else {
            return None;
        };
        let mut found = None;
        // Every token is compared, so the time says nothing of which.
        if same(token, &self.instructor, &key) {
            found = Some(Principal::Instructor);
        }
        for (name, t) in &self.trainees {
            if same(token, t, &key) {
                found = Some(Principal::Trainee(name.clone()));
            }
        }
        found
    }

    /// The token of `principal`, for the login cookie.
    pub fn token_of(&self, principal: &Principal) -> Option<&str> {
        match principal {
            Principal::Instructor => Some(&self.instructor),
            Principal::Trainee(name) => self.trainees.get(name).map(String::as_str),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(names: &str) -> LabPlan {
        let text =
            format!("workshop: tok\ntlds: [ne]\ntrainees:\n  names: [{names}]\nport: 10053\n");
        let spec = dnslab_lab::LabFile::parse(&text, "t.yaml".as_ref()).unwrap();
        LabPlan::from_spec(spec, "t.yaml".as_ref()).unwrap()
    }

    #[test]
    fn tokens_are_made_once_kept_private_and_typed_back_loosely() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::new(dir.path());
        let first = Tokens::load_or_create(&state, &plan("alice, bob")).unwrap();
        let mode = std::fs::metadata(path(&state))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(first.instructor.len(), 19, "{}", first.instructor);
        assert_ne!(first.trainees["alice"], first.trainees["bob"]);
        // Again, with a trainee more: the old tokens stay.
        let again = Tokens::load_or_create(&state, &plan("alice, bob, carol")).unwrap();
        assert_eq!(again.instructor, first.instructor);
        assert_eq!(again.trainees["alice"], first.trainees["alice"]);
        assert!(again.trainees.contains_key("carol"));

        let alice = &first.trainees["alice"];
        let typed = alice.replace('-', " ").to_lowercase();
        assert_eq!(again.who(&typed), Some(Principal::Trainee("alice".into())));
        assert_eq!(again.who(&first.instructor), Some(Principal::Instructor));
        assert_eq!(again.who("AAAA-AAAA-AAAA-AAAA"), None);
        assert_eq!(again.who(""), None);
        assert!(!format!("{again:?}").contains(alice.as_str()));
    }
}
