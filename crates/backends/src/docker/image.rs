//! The images, built here with no registry.
//!
//! - The **node image** (`dnslab-node:<version>`): `FROM scratch`, the
//!   running dnslab executable (stripped when `strip` is available) and exactly the shared libraries the dynamic loader needs
//!   for it (from `ldd`). Every lab node runs from it.
//! - The **trainee image** (`dnslab-trainee:<version>`): a Debian root
//!   filesystem with BIND's, ldns', Knot's and Unbound's tools, plus
//!   dnslab. Where a registry is reachable, `docker/trainee.Dockerfile`
//!   makes the same image from `debian:bookworm`; offline, the root
//!   filesystem comes from debootstrap ([`trainee_context`]).
//!
//! Both are built through the engine's build API from a tar stream made
//! here. The tar is deterministic (fixed times and owners for what dnslab
//! adds), and its digest is the image's `dnslab.content` label: an image
//! is rebuilt only when what it would contain changed.

use super::{DockerError, digest_hex, labels};
use bollard::Docker;
use bollard::query_parameters::{
    BuildImageOptionsBuilder, ListImagesOptionsBuilder, RemoveImageOptionsBuilder,
};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Which image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Node,
    Trainee,
}

impl ImageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ImageKind::Node => "node",
            ImageKind::Trainee => "trainee",
        }
    }

    /// `dnslab-node:0.1.0`: one image per dnslab version.
    pub fn reference(self) -> String {
        format!("dnslab-{}:{}", self.as_str(), env!("CARGO_PKG_VERSION"))
    }
}

/// A build context: the tar the engine builds from, its digest, and
/// labels the image gets besides dnslab's own.
pub struct BuildContext {
    pub tar: Vec<u8>,
    pub digest: String,
    pub labels: Vec<(&'static str, String)>,
}

/// An image dnslab built, as `dnslab image ls` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImageInfo {
    pub kind: String,
    pub tags: Vec<String>,
    pub id: String,
    pub size: i64,
    pub created: i64,
    pub content: String,
}

// The Dockerfiles live in docker/, where an instructor reads them; these
// are the very files the builds use.
const NODE_DOCKERFILE: &str = include_str!("../../../../docker/node.Dockerfile");
const TRAINEE_DOCKERFILE: &str = include_str!("../../../../docker/trainee-rootfs.Dockerfile");

/// The tools a trainee image must have, and the Debian package of each.
pub const TRAINEE_TOOLS: &[(&str, &str)] = &[
    ("usr/bin/dig", "bind9-dnsutils"),
    ("usr/bin/delv", "bind9-dnsutils"),
    ("usr/bin/dnssec-keygen", "bind9-utils"),
    ("usr/bin/dnssec-signzone", "bind9-utils"),
    ("usr/bin/ldns-signzone", "ldnsutils"),
    ("usr/bin/kdig", "knot-dnsutils"),
    ("usr/bin/kzonecheck", "knot-dnssecutils"),
    ("usr/sbin/unbound", "unbound"),
    ("bin/bash", "bash"),
    // Not for trainees: `up` writes the lab network's firewall with it
    // (docker::egress), in a one-off container of this image.
    ("usr/sbin/nft", "nftables"),
];

/// OpenSSH's server, which a trainee image needs for `access.ssh`, and its
/// Debian package.
pub const SSH_SERVER: (&str, &str) = ("usr/sbin/sshd", "openssh-server");

/// debootstrap's `--include` for a trainee root filesystem.
pub const ROOTFS_PACKAGES: &str = "bind9-utils,bind9-dnsutils,ldnsutils,knot-dnsutils,knot-dnssecutils,unbound,openssh-server,nftables";

/// The executable to put in images: this one.
pub fn current_executable() -> Result<PathBuf, DockerError> {
    std::env::current_exe().map_err(|source| DockerError::Io {
        path: PathBuf::from("/proc/self/exe"),
        source,
    })
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DockerError + '_ {
    move |source| DockerError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The executable's bytes stripped of symbols and debug sections (a debug
/// build's symbols alone would take the image past 30 MB); unstripped
/// when `strip` is missing.
fn stripped_executable(exe: &Path) -> Result<Vec<u8>, DockerError> {
    let dir = tempfile::tempdir().map_err(io(exe))?;
    let out = dir.path().join("dnslab");
    let stripped = std::process::Command::new("strip")
        .arg("-o")
        .arg(&out)
        .arg(exe)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if stripped {
        std::fs::read(&out).map_err(io(&out))
    } else {
        tracing::warn!("`strip` not found: the node image carries dnslab's debug sections");
        std::fs::read(exe).map_err(io(exe))
    }
}

/// The shared libraries `exe` loads, with the dynamic loader, as `ldd`
/// reports them (absolute paths). None for a static executable.
fn shared_libraries(exe: &Path) -> Result<Vec<PathBuf>, DockerError> {
    let out = std::process::Command::new("ldd")
        .arg(exe)
        .output()
        .map_err(|e| {
            DockerError::Setup(format!(
                "cannot run ldd to find dnslab's shared libraries: {e}"
            ))
        })?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        // glibc's ldd says so on stderr, others on stdout.
        let said = format!("{text}{}", String::from_utf8_lossy(&out.stderr));
        if said.contains("not a dynamic executable") || said.contains("statically linked") {
            return Ok(Vec::new());
        }
        return Err(DockerError::Setup(format!(
            "ldd {}: {}",
            exe.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let mut libs = Vec::new();
    for line in text.lines() {
        // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or
        // "/lib64/ld-linux-x86-64.so.2 (0x…)"; the vDSO has no file.
        let path = match line.split_once("=>") {
            Some((_, rest)) => rest.split_whitespace().next(),
            None => line.split_whitespace().next(),
        };
        if let Some(p) = path.filter(|p| p.starts_with('/')) {
            libs.push(PathBuf::from(p));
        } else if line.contains("not found") {
            return Err(DockerError::Setup(format!(
                "dnslab needs a library ldd cannot find: {}",
                line.trim()
            )));
        }
    }
    Ok(libs)
}

/// A tar entry with fixed owner and time, so that the same content gives
/// the same digest.
fn append_fixed(
    tar: &mut tar::Builder<Vec<u8>>,
    path: &str,
    mode: u32,
    data: &[u8],
) -> Result<(), DockerError> {
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(mode);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    header.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut header, path, data)
        .map_err(io(Path::new(path)))
}

/// The node image's build context for executable `exe`.
pub fn node_context(exe: &Path) -> Result<BuildContext, DockerError> {
    let mut tar = tar::Builder::new(Vec::new());
    append_fixed(&mut tar, "Dockerfile", 0o644, NODE_DOCKERFILE.as_bytes())?;
    append_fixed(
        &mut tar,
        "rootfs/usr/local/bin/dnslab",
        0o755,
        &stripped_executable(exe)?,
    )?;
    for lib in shared_libraries(exe)? {
        // The file itself under the name the loader asks for (the
        // loader's path is often a symlink on the host).
        let data = std::fs::read(&lib).map_err(io(&lib))?;
        let inside = format!("rootfs{}", lib.display());
        append_fixed(&mut tar, &inside, 0o755, &data)?;
    }
    // Name lookups in the container resolve nothing: the nodes use
    // addresses only. An empty nsswitch keeps libc from looking around.
    append_fixed(
        &mut tar,
        "rootfs/etc/nsswitch.conf",
        0o644,
        b"hosts: files\n",
    )?;
    let tar = tar.into_inner().map_err(io(exe))?;
    let digest = digest_hex(&[&tar]);
    Ok(BuildContext {
        tar,
        digest,
        labels: Vec::new(),
    })
}

/// The trainee image's build context: `rootfs` (a Debian root filesystem
/// made by debootstrap, with the DNS tools) and `exe`.
pub fn trainee_context(rootfs: &Path, exe: &Path) -> Result<BuildContext, DockerError> {
    let missing: Vec<String> = TRAINEE_TOOLS
        .iter()
        .filter(|(tool, _)| std::fs::symlink_metadata(rootfs.join(tool)).is_err())
        .map(|(tool, package)| format!("/{tool} ({package})"))
        .collect();
    if !missing.is_empty() {
        return Err(DockerError::Setup(format!(
            "{} is not a root filesystem with the trainee tools; missing: {}. Make one with: debootstrap --variant=minbase --include={ROOTFS_PACKAGES} bookworm DIR",
            rootfs.display(),
            missing.join(", ")
        )));
    }
    let mut tar = tar::Builder::new(Vec::new());
    append_fixed(&mut tar, "Dockerfile", 0o644, TRAINEE_DOCKERFILE.as_bytes())?;
    append_fixed(&mut tar, "dnslab", 0o755, &stripped_executable(exe)?)?;
    append_tree(&mut tar, rootfs, Path::new("rootfs"))?;
    let tar = tar.into_inner().map_err(io(rootfs))?;
    let digest = digest_hex(&[&tar]);
    // Whether workstations can offer SSH (`access.ssh`): `up` asks.
    let sshd = std::fs::symlink_metadata(rootfs.join(SSH_SERVER.0)).is_ok();
    Ok(BuildContext {
        tar,
        digest,
        labels: vec![(super::ssh::SSHD_LABEL, sshd.to_string())],
    })
}

/// Adds the tree at `dir` under `name`: directories, files and symbolic
/// links with their modes, owners and times. Device nodes, sockets and
/// the contents of /dev, /proc and /sys are left out: the engine provides
/// those in every container.
fn append_tree(
    tar: &mut tar::Builder<Vec<u8>>,
    dir: &Path,
    name: &Path,
) -> Result<(), DockerError> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .collect::<Result<_, _>>()
        .map_err(io(dir))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let inside = name.join(entry.file_name());
        let meta = std::fs::symlink_metadata(&path).map_err(io(&path))?;
        let mut header = tar::Header::new_gnu();
        header.set_metadata(&meta);
        let kind = meta.file_type();
        if kind.is_dir() {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_size(0);
            tar.append_data(&mut header, &inside, std::io::empty())
                .map_err(io(&path))?;
            let top = name == Path::new("rootfs");
            let skip_contents =
                top && matches!(entry.file_name().to_str(), Some("dev" | "proc" | "sys"));
            if !skip_contents {
                append_tree(tar, &path, &inside)?;
            }
        } else if kind.is_symlink() {
            let target = std::fs::read_link(&path).map_err(io(&path))?;
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_size(0);
            tar.append_link(&mut header, &inside, &target)
                .map_err(io(&path))?;
        } else if kind.is_file() {
            let file = std::fs::File::open(&path).map_err(io(&path))?;
            header.set_entry_type(tar::EntryType::Regular);
            tar.append_data(&mut header, &inside, file)
                .map_err(io(&path))?;
        }
    }
    Ok(())
}

/// The digest label of an existing image, if the image exists.
async fn existing_content(docker: &Docker, reference: &str) -> Option<String> {
    let image = docker.inspect_image(reference).await.ok()?;
    Some(
        image
            .config
            .and_then(|c| c.labels)
            .and_then(|l| l.get(labels::CONTENT).cloned())
            .unwrap_or_default(),
    )
}

/// Builds `kind` from `context` unless an image with the same content is
/// there already (or `force`). Returns whether it built.
pub async fn ensure(
    docker: &Docker,
    kind: ImageKind,
    context: BuildContext,
    force: bool,
) -> Result<bool, DockerError> {
    let reference = kind.reference();
    if !force && existing_content(docker, &reference).await.as_deref() == Some(&context.digest) {
        return Ok(false);
    }
    let previous = docker
        .inspect_image(&reference)
        .await
        .ok()
        .and_then(|i| i.id);
    let mut image_labels = HashMap::from([
        (labels::MANAGED, "true"),
        (labels::IMAGE, kind.as_str()),
        (labels::CONTENT, context.digest.as_str()),
        (labels::VERSION, env!("CARGO_PKG_VERSION")),
    ]);
    for (k, v) in &context.labels {
        image_labels.insert(k, v.as_str());
    }
    let options = BuildImageOptionsBuilder::default()
        .dockerfile("Dockerfile")
        .t(&reference)
        .rm(true)
        .forcerm(true)
        .labels(&image_labels)
        .build();
    let mut stream =
        docker.build_image(options, None, Some(bollard::body_full(context.tar.into())));
    let mut last_lines: Vec<String> = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(detail) = info.error_detail {
                    return Err(DockerError::Build {
                        image: reference,
                        message: detail.message.unwrap_or_else(|| last_lines.join(" ")),
                    });
                }
                if let Some(line) = info.stream {
                    let line = line.trim().to_string();
                    if !line.is_empty() {
                        tracing::debug!(image = %reference, "{line}");
                        last_lines.push(line);
                        if last_lines.len() > 5 {
                            last_lines.remove(0);
                        }
                    }
                }
            }
            Err(e) => {
                return Err(DockerError::Build {
                    image: reference,
                    message: dnslab_zone::ErrorChain(&e).to_string(),
                });
            }
        }
    }
    // A build that ends without an error has tagged the image; check.
    if existing_content(docker, &reference).await.as_deref() != Some(&context.digest) {
        return Err(DockerError::Build {
            image: reference,
            message: format!(
                "the engine reported no error but the image is not there: {}",
                last_lines.join(" ")
            ),
        });
    }
    // The image the tag left: removed unless a container still uses it
    // (then it goes with `dnslab image rm`).
    let current = docker
        .inspect_image(&reference)
        .await
        .ok()
        .and_then(|i| i.id);
    if let Some(old) = previous.filter(|old| Some(old) != current.as_ref()) {
        let _ = docker
            .remove_image(
                &old,
                None::<bollard::query_parameters::RemoveImageOptions>,
                None,
            )
            .await;
    }
    Ok(true)
}

/// Builds the node image from this executable when missing or stale.
pub async fn ensure_node_image(docker: &Docker, force: bool) -> Result<bool, DockerError> {
    let exe = current_executable()?;
    let context = tokio::task::spawn_blocking(move || node_context(&exe))
        .await
        .map_err(|e| DockerError::Setup(format!("building the node image context: {e}")))??;
    ensure(docker, ImageKind::Node, context, force).await
}

/// Builds the trainee image from a debootstrap root filesystem.
pub async fn build_trainee_image(
    docker: &Docker,
    rootfs: &Path,
    force: bool,
) -> Result<bool, DockerError> {
    let exe = current_executable()?;
    let rootfs = rootfs.to_path_buf();
    let context = tokio::task::spawn_blocking(move || trainee_context(&rootfs, &exe))
        .await
        .map_err(|e| DockerError::Setup(format!("building the trainee image context: {e}")))??;
    ensure(docker, ImageKind::Trainee, context, force).await
}

/// Every image dnslab built.
pub async fn list(docker: &Docker) -> Result<Vec<ImageInfo>, DockerError> {
    let filters = super::label_filter(&[(labels::MANAGED, "true")]);
    let options = ListImagesOptionsBuilder::default()
        .filters(&filters)
        .build();
    let images = docker
        .list_images(Some(options))
        .await
        .map_err(DockerError::api("listing images"))?;
    let mut out: Vec<ImageInfo> = images
        .into_iter()
        .map(|i| ImageInfo {
            kind: i.labels.get(labels::IMAGE).cloned().unwrap_or_default(),
            tags: i.repo_tags,
            id: i.id,
            size: i.size,
            created: i.created,
            content: i.labels.get(labels::CONTENT).cloned().unwrap_or_default(),
        })
        .collect();
    out.sort_by(|a, b| a.kind.cmp(&b.kind).then(b.created.cmp(&a.created)));
    Ok(out)
}

/// Removes every dnslab image of `kind` (all kinds when `None`). Returns
/// the tags removed.
pub async fn remove(docker: &Docker, kind: Option<ImageKind>) -> Result<Vec<String>, DockerError> {
    let mut removed = Vec::new();
    for image in list(docker).await? {
        if kind.is_some_and(|k| k.as_str() != image.kind) {
            continue;
        }
        let options = RemoveImageOptionsBuilder::default().force(true).build();
        docker
            .remove_image(&image.id, Some(options), None)
            .await
            .map_err(DockerError::api(format!("removing image {}", image.id)))?;
        removed.extend(if image.tags.is_empty() {
            vec![image.id]
        } else {
            image.tags
        });
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_dockerfile_installs_every_trainee_tool() {
        let registry = include_str!("../../../../docker/trainee.Dockerfile");
        for (tool, package) in TRAINEE_TOOLS {
            if *package != "bash" {
                assert!(
                    registry.contains(package),
                    "{package} (for /{tool}) missing"
                );
            }
        }
        assert!(registry.contains(SSH_SERVER.1));
        assert!(registry.contains("dnslab.sshd=true"));
        for package in ROOTFS_PACKAGES.split(',') {
            assert!(registry.contains(package), "{package}");
        }
    }

    #[test]
    fn a_root_filesystem_without_the_tools_is_refused_with_the_missing_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("usr/bin")).unwrap();
        std::fs::write(dir.path().join("usr/bin/dig"), b"").unwrap();
        let Err(DockerError::Setup(message)) = trainee_context(dir.path(), Path::new("/bin/true"))
        else {
            panic!("accepted an empty root filesystem");
        };
        assert!(
            message.contains("/usr/bin/dnssec-signzone (bind9-utils)"),
            "{message}"
        );
        assert!(!message.contains("/usr/bin/dig "), "{message}");
        assert!(message.contains("debootstrap"), "{message}");
    }

    #[test]
    fn the_node_context_is_deterministic_and_holds_the_loader_and_libraries() {
        let exe = current_executable().unwrap();
        let a = node_context(&exe).unwrap();
        let b = node_context(&exe).unwrap();
        assert_eq!(a.digest, b.digest);
        let mut names = Vec::new();
        let mut archive = tar::Archive::new(a.tar.as_slice());
        for entry in archive.entries().unwrap() {
            names.push(entry.unwrap().path().unwrap().display().to_string());
        }
        assert!(names.contains(&"Dockerfile".to_string()), "{names:?}");
        assert!(names.contains(&"rootfs/usr/local/bin/dnslab".to_string()));
        assert!(names.iter().any(|n| n.contains("libc.so")), "{names:?}");
        assert!(names.iter().any(|n| n.contains("ld-linux")), "{names:?}");
    }
}
