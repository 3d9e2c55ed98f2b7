//! A trainee at the classroom web, as the class test and the web's load
//! benchmark drive one: log in with the handout's token, download the zone,
//! sign it "on the laptop" (a directory of the trainee's own, with the
//! `dnslab` toolbox and no lab state), upload it, paste the KSK into the
//! registrar's form, press "Grade me". Errors are strings that say which
//! step of whose failed.

use crate::http::{self, Reply};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A trainee logged in to the web at `web`.
pub struct Session {
    pub web: SocketAddr,
    pub name: String,
    /// The login cookie's value.
    pub cookie: String,
    /// The CSRF token of the session's forms.
    pub csrf: String,
}

/// A trainee's zone, as downloaded from the portal.
pub struct ZoneFile {
    /// `NAME.zone`.
    pub file_name: String,
    /// The zone's name, without the final dot.
    pub zone: String,
    pub text: String,
}

/// A zone signed on the laptop.
pub struct Signed {
    pub bytes: Vec<u8>,
    /// The KSK's DNSKEY record, as a trainee pastes it.
    pub ksk_dnskey: String,
}

fn expect(reply: Reply, status: u16, what: &str) -> Result<Reply, String> {
    if reply.status == status {
        Ok(reply)
    } else {
        Err(format!(
            "{what}: HTTP {} (expected {status}): {}",
            reply.status, reply.body
        ))
    }
}

impl Session {
    /// Logs in with `token` (as the handout prints it).
    pub fn login(web: SocketAddr, name: &str, token: &str) -> Result<Session, String> {
        let login = http::try_form(web, "/login", None, &[("token", token)])?;
        let login = expect(login, 303, &format!("{name}: login"))?;
        if login.header("location") != Some(format!("/t/{name}").as_str()) {
            return Err(format!(
                "{name}: login led to {:?}",
                login.header("location")
            ));
        }
        let cookie = login
            .header("set-cookie")
            .and_then(|c| c.split(';').next())
            .and_then(|c| c.split_once('='))
            .map(|(_, v)| v.to_string())
            .ok_or_else(|| format!("{name}: no login cookie"))?;
        let home = http::try_request(web, "GET", &format!("/t/{name}"), Some(&cookie), None)?;
        let home = expect(home, 200, &format!("{name}: home page"))?;
        let csrf = http::csrf_in(&home.body)
            .ok_or_else(|| format!("{name}: no CSRF token on the page"))?;
        Ok(Session {
            web,
            name: name.to_string(),
            cookie,
            csrf,
        })
    }

    /// GET of `/t/NAME` + `suffix`, which must answer 200.
    pub fn page(&self, suffix: &str) -> Result<Reply, String> {
        let path = format!("/t/{}{suffix}", self.name);
        let reply = http::try_request(self.web, "GET", &path, Some(&self.cookie), None)?;
        expect(reply, 200, &format!("{}: GET {path}", self.name))
    }

    /// The trainee's zone file, from the portal.
    pub fn zone_file(&self) -> Result<ZoneFile, String> {
        let reply = self.page("/zone-file")?;
        let file_name = reply
            .header("content-disposition")
            .and_then(|d| d.split("filename=\"").nth(1))
            .and_then(|n| n.strip_suffix('"'))
            .ok_or_else(|| format!("{}: the zone file has no name", self.name))?
            .to_string();
        let zone = file_name
            .strip_suffix(".zone")
            .ok_or_else(|| format!("{}: {file_name} is not NAME.zone", self.name))?
            .to_string();
        Ok(ZoneFile {
            file_name,
            zone,
            text: reply.body,
        })
    }

    /// Signs `zone` in `laptop` with `dnslab` (a KSK and a ZSK made there).
    pub fn sign_on_laptop(
        &self,
        dnslab: &Path,
        laptop: &Path,
        zone: &ZoneFile,
    ) -> Result<Signed, String> {
        std::fs::write(laptop.join(&zone.file_name), &zone.text).map_err(|e| e.to_string())?;
        let signed = format!("{}.signed", zone.file_name);
        let run = |args: &[&str]| -> Result<(), String> {
            let out = Command::new(dnslab)
                .args(args)
                .current_dir(laptop)
                .env_remove("DNSLAB_STATE_DIR")
                .env("HOME", laptop)
                .output()
                .map_err(|e| format!("run {}: {e}", dnslab.display()))?;
            if out.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "{}: dnslab {args:?}: {}",
                    self.name,
                    crate::printed(&out)
                ))
            }
        };
        let z = zone.zone.as_str();
        run(&["key", "generate", "--zone", z, "--ksk", "--dir", "keys"])?;
        run(&["key", "generate", "--zone", z, "--dir", "keys"])?;
        run(&[
            "zone",
            "sign",
            &zone.file_name,
            "--origin",
            z,
            "--keys",
            "keys",
            "-o",
            &signed,
        ])?;
        let bytes = std::fs::read(laptop.join(&signed)).map_err(|e| e.to_string())?;
        let ksk_dnskey = key_files(&laptop.join("keys"))
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .flat_map(|t| t.lines().map(str::to_string).collect::<Vec<_>>())
            .find(|l| !l.starts_with(';') && l.contains("DNSKEY 257 "))
            .ok_or_else(|| format!("{}: no KSK made", self.name))?;
        Ok(Signed { bytes, ksk_dnskey })
    }

    /// Uploads a signed zone; the page says whether it loaded.
    pub fn upload(&self, bytes: &[u8]) -> Result<Reply, String> {
        http::try_upload(
            self.web,
            &format!("/t/{}/zone?csrf={}", self.name, self.csrf),
            Some(&self.cookie),
            "zone",
            bytes,
        )
    }

    /// The registrar's form: DS or DNSKEY text.
    pub fn submit_ds(&self, text: &str) -> Result<Reply, String> {
        http::try_form(
            self.web,
            &format!("/t/{}/ds", self.name),
            Some(&self.cookie),
            &[("csrf", &self.csrf), ("ds", text)],
        )
    }

    /// "Grade me" (answered with a redirect to the report).
    pub fn grade(&self, exercise: &str) -> Result<Reply, String> {
        let reply = http::try_form(
            self.web,
            &format!("/t/{}/grade/{exercise}", self.name),
            Some(&self.cookie),
            &[("csrf", &self.csrf)],
        )?;
        expect(reply, 303, &format!("{}: grade {exercise}", self.name))
    }

    /// The report of the latest grade at `exercise`.
    pub fn report(&self, exercise: &str) -> Result<String, String> {
        Ok(self.page(&format!("/report/{exercise}"))?.body)
    }
}

fn key_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "key"))
                .collect()
        })
        .unwrap_or_default()
}
