//! SSH to the trainees' workstations (`access.ssh` in the lab file).
//!
//! ## Background
//! Each workstation runs Debian's OpenSSH server (from the trainee image)
//! as its main process, listening on [`SSHD_PORT`] inside the container,
//! published on the host at `access.bind:access.port_base + n`. The
//! trainee logs in as their own name.
//!
//! ## Who is who in the container
//! The workstation runs, as every node does, as the invoking user (uid U,
//! gid G), and the trainee's account is that same uid: files the trainee
//! makes in their workspace stay the instructor's on the host. sshd then
//! runs unprivileged: OpenSSH skips the privilege-separation chroot and
//! the switch of user when it is not root, and can then log in only the
//! user it runs as, which is all it is asked to do. The container keeps
//! every capability dropped, a read-only root and no new privileges.
//!
//! When dnslab runs as root (U = 0, as in CI), sshd is root in the
//! container and needs what privilege separation does: a chroot to
//! `/run/sshd` (SYS_CHROOT) and a switch to the unprivileged `sshd` user
//! (SETUID, SETGID); those three capabilities are added and nothing else.
//! The trainee's account is then uid 0 in the container, still with no
//! other capability and nothing mounted but their own files.
//!
//! ## What the workstation mounts
//! `<state>/access/<trainee>/` ([`dnslab_lab::access`]) read-only at
//! [`ETC_DIR`]: the host key, `sshd_config` and `authorized_keys`; and its
//! `passwd`, `group` and `shadow` over the image's. These are single-file
//! mounts, unlike the lab's other mounts: they are written before the
//! container is made and their contents are in its spec digest, so a
//! change re-creates the container rather than going unseen behind a
//! rename. Everything there is the trainee's own (their password hash,
//! their workstation's host key), so a trainee who reads it learns
//! nothing of anyone else.
//!
//! ## Host keys
//! Made once per trainee by OpenSSH's own `ssh-keygen`, run in a one-off
//! container of the trainee image (so the host needs no OpenSSH), and
//! kept: a re-created workstation, `dnslab reset` and a new `up` keep the
//! identity trainees' `known_hosts` hold.

use super::image::ImageKind;
use super::{DockerError, labels, workshop_labels};
use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig};
use dnslab_lab::access::{self, Credential, HOST_KEY_FILE};
use dnslab_lab::{LabPlan, SshAccess, StateDir, Trainee};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;

/// Where sshd listens inside a workstation (above 1023: no privilege).
pub const SSHD_PORT: u16 = 2222;
/// Where a workstation has its `<state>/access/<trainee>/`.
pub const ETC_DIR: &str = "/etc/dnslab-ssh";
/// The image label saying a trainee image has OpenSSH's server.
pub const SSHD_LABEL: &str = "dnslab.sshd";
/// The files of `<state>/access/<trainee>/` mounted over the image's.
const ACCOUNT_FILES: [&str; 3] = ["passwd", "group", "shadow"];
/// The files sshd reads once at start: a change re-creates the container.
const WATCHED: [&str; 6] = [
    "passwd",
    "group",
    "shadow",
    "sshd_config",
    "authorized_keys",
    HOST_KEY_FILE,
];

/// The workstation's command: sshd in the foreground, logging to the
/// container's output. As root it first makes `/run/sshd`, privilege
/// separation's chroot (/run is a fresh tmpfs at every start, writable by
/// root only).
pub fn command(uid: u32) -> Vec<String> {
    let sshd = format!("exec /usr/sbin/sshd -D -e -f {ETC_DIR}/sshd_config");
    let script = if uid == 0 {
        format!("mkdir -p -m 0755 /run/sshd && {sshd}")
    } else {
        sshd
    };
    vec!["/bin/sh".to_string(), "-c".to_string(), script]
}

/// The invoking user's uid and gid: the trainee's account in the
/// container.
pub fn invoking_ids() -> (u32, u32) {
    // SAFETY: getuid/getgid cannot fail and touch no memory.
    unsafe { (libc::getuid(), libc::getgid()) }
}

/// The capabilities sshd needs in a workstation: none unprivileged, the
/// three of privilege separation as root (see the module documentation).
pub fn capabilities(uid: u32) -> Vec<String> {
    if uid == 0 {
        ["SETUID", "SETGID", "SYS_CHROOT"]
            .into_iter()
            .map(str::to_string)
            .collect()
    } else {
        Vec::new()
    }
}

/// The bind mounts of `trainee`'s workstation for SSH (read-only).
pub fn binds(state: &StateDir, trainee: &str) -> Result<Vec<String>, std::io::Error> {
    let dir = std::path::absolute(access::trainee_dir(state, trainee))?;
    let mut binds = vec![format!("{}:{ETC_DIR}:ro", dir.display())];
    for file in ACCOUNT_FILES {
        binds.push(format!("{}:/etc/{file}:ro", dir.join(file).display()));
    }
    Ok(binds)
}

/// The contents of the files sshd reads at start, for the spec digest
/// (empty for a file not made yet).
pub fn watched(state: &StateDir, trainee: &str) -> Vec<Vec<u8>> {
    let dir = access::trainee_dir(state, trainee);
    WATCHED
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap_or_default())
        .collect()
}

impl Published {
    /// Where the host connects to see the workstation's sshd answer: the
    /// bind address, or loopback when it binds every address.
    pub fn probe_address(&self) -> SocketAddr {
        let ip = match self.bind {
            IpAddr::V4(a) if a.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(a) if a.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        SocketAddr::new(ip, self.port)
    }
}

/// Whether an SSH server answers at `addr` (its version line).
pub fn answers(addr: SocketAddr, timeout: std::time::Duration) -> bool {
    use std::io::Read;
    let Ok(mut stream) = std::net::TcpStream::connect_timeout(&addr, timeout) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(timeout));
    let mut banner = [0u8; 8];
    stream.read_exact(&mut banner).is_ok() && banner.starts_with(b"SSH-2.0")
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DockerError + '_ {
    move |source| DockerError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Makes what the lab's SSH access needs before the workstations are
/// made: passwords (kept once made), every trainee's account files and
/// `sshd_config` (written when they change), and host keys (made once).
pub async fn prepare(docker: &Docker, plan: &LabPlan, state: &StateDir) -> Result<(), DockerError> {
    let Some(ssh) = &plan.ssh else {
        return Ok(());
    };
    let credentials = access::ensure_credentials(state, plan)
        .map_err(|e| DockerError::Setup(dnslab_zone::ErrorChain(&e).to_string()))?;
    let (uid, gid) = invoking_ids();
    for t in &plan.trainees {
        let dir = access::trainee_dir(state, &t.name);
        let files = account_files(plan, ssh, t, credentials.get(&t.name), uid, gid);
        for (name, text) in files {
            write_if_changed(&dir.join(name), text.as_bytes())?;
        }
    }
    let missing: Vec<&str> = plan
        .trainees
        .iter()
        .filter(|t| {
            let dir = access::trainee_dir(state, &t.name);
            !(dir.join(HOST_KEY_FILE).is_file()
                && dir.join(format!("{HOST_KEY_FILE}.pub")).is_file())
        })
        .map(|t| t.name.as_str())
        .collect();
    if !missing.is_empty() {
        make_host_keys(docker, plan, state, &missing, uid, gid).await?;
    }
    Ok(())
}

/// Writes `path` (0600) unless it already holds `data`: a rewrite would
/// give a mounted file a new inode for nothing.
fn write_if_changed(path: &Path, data: &[u8]) -> Result<(), DockerError> {
    if std::fs::read(path).is_ok_and(|old| old == data) {
        return Ok(());
    }
    dnslab_zone::writer::write_file_atomically_with_mode(path, Some(0o600), |w| w.write_all(data))
        .map_err(io(path))
}

/// `passwd`, `group`, `shadow`, `sshd_config` and `authorized_keys` of
/// `t`'s workstation.
fn account_files(
    plan: &LabPlan,
    ssh: &SshAccess,
    t: &Trainee,
    credential: Option<&Credential>,
    uid: u32,
    gid: u32,
) -> BTreeMap<&'static str, String> {
    let name = &t.name;
    let workspace = super::containers::WORKSPACE_DIR;
    // The trainee first: a lookup of uid U (or 0) finds their name.
    let mut passwd =
        format!("{name}:x:{uid}:{gid}:{name} (dnslab trainee):{workspace}:/bin/bash\n");
    let mut group = format!("{name}:x:{gid}:\n");
    let hash = match credential {
        Some(c) if ssh.password => c.hash.as_str(),
        // No password matches "*" (and "*" is not the "!" of a locked
        // account, which sshd would refuse for keys too).
        _ => "*",
    };
    // Empty ageing fields: the password never expires, and sshd without
    // PAM does not ask for a change.
    let mut shadow = format!("{name}:{hash}:::::::\n");
    if uid != 0 {
        passwd.push_str("root:x:0:0:root:/root:/usr/sbin/nologin\n");
        shadow.push_str("root:*:::::::\n");
    }
    if gid != 0 {
        group.push_str("root:x:0:\n");
    }
    // Privilege separation's user, used when sshd runs as root.
    passwd.push_str("sshd:x:65534:65534:privilege separation:/run/sshd:/usr/sbin/nologin\n");
    group.push_str("nogroup:x:65534:\n");
    let mut keys = String::new();
    for line in ssh.keys.get(name).into_iter().flatten() {
        keys.push_str(line);
        keys.push('\n');
    }
    BTreeMap::from([
        ("passwd", passwd),
        ("group", group),
        ("shadow", shadow),
        ("sshd_config", sshd_config(plan, ssh, name, uid)),
        ("authorized_keys", keys),
    ])
}

fn sshd_config(plan: &LabPlan, ssh: &SshAccess, trainee: &str, uid: u32) -> String {
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let subnet = plan.network;
    let gateway = super::network::gateway(subnet);
    format!(
        "# sshd_config of {trainee}'s workstation, lab {workshop}: written by dnslab\n\
         # at each `up`; a change re-creates the workstation.\n\
         Port {SSHD_PORT}\n\
         HostKey {ETC_DIR}/{HOST_KEY_FILE}\n\
         PidFile none\n\
         # Passwords from {ETC_DIR}/shadow (mounted as /etc/shadow), no PAM.\n\
         UsePAM no\n\
         AllowUsers {trainee}\n\
         # The trainee's account has the instructor's uid: 0 when dnslab runs as root.\n\
         PermitRootLogin {root}\n\
         PasswordAuthentication {password}\n\
         PermitEmptyPasswords no\n\
         KbdInteractiveAuthentication no\n\
         PubkeyAuthentication yes\n\
         AuthorizedKeysFile {ETC_DIR}/authorized_keys\n\
         StrictModes yes\n\
         # A shell and file copies (scp, sftp); no tunnels into the lab network.\n\
         AllowAgentForwarding no\n\
         AllowTcpForwarding no\n\
         AllowStreamLocalForwarding no\n\
         X11Forwarding no\n\
         PermitTunnel no\n\
         PermitUserEnvironment no\n\
         PrintMotd no\n\
         PrintLastLog no\n\
         UseDNS no\n\
         SetEnv PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TRAINEE={trainee}\n\
         Subsystem sftp internal-sftp\n\
         # Logins come through the published port (the bridge's gateway, or the\n\
         # trainee's own address); never from another container of the lab.\n\
         Match Address {subnet},!{gateway}\n\
         \x20   DenyUsers *\n",
        workshop = plan.workshop,
        root = yes_no(uid == 0),
        password = yes_no(ssh.password),
    )
}

/// Runs OpenSSH's `ssh-keygen` in a one-off container of the trainee image
/// to make each named trainee's Ed25519 host key in their directory.
async fn make_host_keys(
    docker: &Docker,
    plan: &LabPlan,
    state: &StateDir,
    trainees: &[&str],
    uid: u32,
    gid: u32,
) -> Result<(), DockerError> {
    let keys = std::path::absolute(access::dir(state)).map_err(io(state.path()))?;
    // ssh-keygen wants a passwd entry for its uid: the one made above.
    let passwd = keys.join(trainees[0]).join("passwd");
    let script = format!(
        "set -e; for t; do rm -f /keys/$t/{HOST_KEY_FILE} /keys/$t/{HOST_KEY_FILE}.pub; \
         ssh-keygen -q -t ed25519 -N '' -C \"$t@dnslab-{workshop}\" -f /keys/$t/{HOST_KEY_FILE}; done",
        workshop = plan.workshop
    );
    let mut cmd = vec![
        "/bin/sh".to_string(),
        "-c".to_string(),
        script,
        "sh".to_string(),
    ];
    cmd.extend(trainees.iter().map(|t| t.to_string()));
    let mut container_labels = workshop_labels(&plan.workshop);
    container_labels.insert(labels::NODE.to_string(), "host-keys".to_string());
    let body = ContainerCreateBody {
        image: Some(ImageKind::Trainee.reference()),
        cmd: Some(cmd),
        user: Some(format!("{uid}:{gid}")),
        labels: Some(container_labels),
        network_disabled: Some(true),
        host_config: Some(HostConfig {
            binds: Some(vec![
                format!("{}:/keys", keys.display()),
                format!("{}:/etc/passwd:ro", passwd.display()),
            ]),
            cap_drop: Some(vec!["ALL".to_string()]),
            readonly_rootfs: Some(true),
            security_opt: Some(vec!["no-new-privileges".to_string()]),
            network_mode: Some("none".to_string()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let name = super::container_name(&plan.workshop, "host-keys");
    super::containers::run_to_end(docker, &name, body, "ssh-keygen in the trainee image").await?;
    for t in trainees {
        let key = keys.join(t).join(HOST_KEY_FILE);
        if !key.is_file() {
            return Err(DockerError::Setup(format!(
                "ssh-keygen made no host key at {}",
                key.display()
            )));
        }
    }
    tracing::info!(trainees = %trainees.join(", "), "workstation host keys made");
    Ok(())
}

/// The host's side of a workstation's published SSH port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub bind: IpAddr,
    pub port: u16,
}

/// Where `t`'s workstation's SSH port is published, when the lab has SSH.
pub fn published(plan: &LabPlan, t: &Trainee) -> Option<Published> {
    plan.ssh.as_ref().map(|ssh| Published {
        bind: ssh.bind,
        port: ssh.port(t),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(access: &str) -> LabPlan {
        let text =
            format!("workshop: w\ntlds: [ne]\ntrainees: {{ names: [alice, bob] }}\n{access}");
        let path = Path::new("lab.yaml");
        let mut plan =
            LabPlan::from_spec(dnslab_lab::LabFile::parse(&text, path).unwrap(), path).unwrap();
        plan.rebase("10.77.0.0/16".parse().unwrap(), 53);
        plan
    }

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPfpVw3HP1OHlTw7bEbjXKIpw3kyyzfuZmc2gfJvD/Yq a@b";

    /// The files of trainee `n` (from 0) of `p` made with uid and gid `id`.
    fn files_of(p: &LabPlan, n: usize, id: u32) -> BTreeMap<&'static str, String> {
        let cred = Credential {
            password: "pw".to_string(),
            hash: "$6$salt$hash".to_string(),
        };
        let ssh = p.ssh.clone().unwrap();
        account_files(p, &ssh, &p.trainees[n], Some(&cred), id, id)
    }

    #[test]
    fn account_files_hold_only_the_trainee_and_follow_the_switches() {
        let p = plan(&format!(
            "access:\n  ssh: true\n  keys:\n    alice: [\"{KEY}\"]\n"
        ));
        let files = files_of(&p, 0, 1000);
        assert!(
            files["passwd"].starts_with("alice:x:1000:1000:"),
            "{}",
            files["passwd"]
        );
        assert!(files["passwd"].contains(":/workspace:/bin/bash\n"));
        assert!(!files["passwd"].contains("bob"));
        assert!(files["shadow"].starts_with("alice:$6$salt$hash:::::::\n"));
        assert_eq!(files["authorized_keys"], format!("{KEY}\n"));
        let config = &files["sshd_config"];
        for line in [
            "AllowUsers alice\n",
            "PermitRootLogin no\n",
            "PasswordAuthentication yes\n",
            "Port 2222\n",
            "Match Address 10.77.0.0/16,!10.77.255.254\n",
        ] {
            assert!(config.contains(line), "{line}: {config}");
        }
        // bob has no key; as root the account is uid 0 and may log in.
        let files = files_of(&p, 1, 0);
        assert!(files["passwd"].starts_with("bob:x:0:0:"));
        assert_eq!(files["authorized_keys"], "");
        assert!(files["sshd_config"].contains("PermitRootLogin yes\n"));
        assert_eq!(capabilities(0).len(), 3);
        assert!(capabilities(1000).is_empty());
    }

    #[test]
    fn password_off_means_no_hash_and_no_password_authentication() {
        let p = plan(&format!(
            "access:\n  ssh: true\n  password: false\n  keys:\n    alice: [\"{KEY}\"]\n    bob: [\"{KEY}\"]\n"
        ));
        let files = files_of(&p, 0, 1000);
        assert!(
            files["shadow"].starts_with("alice:*:"),
            "{}",
            files["shadow"]
        );
        assert!(files["sshd_config"].contains("PasswordAuthentication no\n"));
    }
}
