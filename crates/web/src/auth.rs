//! Who is asking: the login cookie, and the CSRF token every form carries.
//!
//! The cookie holds the person's token (HttpOnly, SameSite=Strict,
//! Path=/): the portal has no other session state, and a lab is short.
//! A form's CSRF token is an HMAC-SHA256 of the login token under a key
//! made when the server starts, so a page from another site cannot post
//! a form as the trainee (SameSite already stops it in current browsers;
//! the token also covers older ones).

use crate::tokens::{Principal, Tokens};
use axum::http::HeaderMap;
use ring::hmac;

/// The login cookie's name.
pub const COOKIE: &str = "dnslab_token";

/// The token the request's cookie carries, if any.
pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

/// The `Set-Cookie` value that logs `token` in.
pub fn login_cookie(token: &str) -> String {
    format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=604800")
}

/// The `Set-Cookie` value that logs out.
pub fn logout_cookie() -> String {
    format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// A logged-in request: who, and the token that says so.
#[derive(Debug, Clone)]
pub struct Session {
    pub who: Principal,
    token: String,
}

impl Session {
    pub fn from_headers(headers: &HeaderMap, tokens: &Tokens) -> Option<Session> {
        let token = cookie_token(headers)?;
        let who = tokens.who(&token)?;
        Some(Session { who, token })
    }

    /// Whether this session may see and change `trainee`'s things: the
    /// trainee themself, or the instructor.
    pub fn may_act_for(&self, trainee: &str) -> bool {
        match &self.who {
            Principal::Instructor => true,
            Principal::Trainee(name) => name == trainee,
        }
    }

    pub fn is_instructor(&self) -> bool {
        self.who == Principal::Instructor
    }
}

/// Makes and checks the CSRF tokens of one server run.
pub struct Csrf {
    key: hmac::Key,
}

impl Csrf {
    pub fn new() -> Result<Csrf, ring::error::Unspecified> {
        let rng = ring::rand::SystemRandom::new();
        Ok(Csrf {
            key: hmac::Key::generate(hmac::HMAC_SHA256, &rng)?,
        })
    }

    /// The CSRF token for forms shown to `session`.
    pub fn token(&self, session: &Session) -> String {
        let tag = hmac::sign(&self.key, session.token.as_bytes());
        data_encoding::HEXLOWER.encode(tag.as_ref())
    }

    /// Whether `given` is the CSRF token of `session`.
    pub fn check(&self, session: &Session, given: &str) -> bool {
        let Ok(given) = data_encoding::HEXLOWER.decode(given.as_bytes()) else {
            return false;
        };
        // ring's verify compares in constant time.
        hmac::verify(&self.key, session.token.as_bytes(), &given).is_ok()
    }
}
