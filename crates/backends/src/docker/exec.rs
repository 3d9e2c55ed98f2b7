//! Commands in a trainee's workstation: `dnslab exec` (one command, its
//! output and exit code) and `dnslab shell` (an interactive shell on a
//! TTY), through the engine's exec API.

use super::{DockerError, container_name};
use bollard::Docker;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use futures_util::StreamExt;
use std::io::Write;
use tokio::io::AsyncWriteExt;

/// The workstation container of `trainee`, checked to be running.
pub async fn workstation(
    docker: &Docker,
    workshop: &str,
    trainee: &str,
) -> Result<String, DockerError> {
    let name = container_name(workshop, &format!("{trainee}-workstation"));
    let inspect = docker
        .inspect_container(
            &name,
            None::<bollard::query_parameters::InspectContainerOptions>,
        )
        .await;
    match inspect {
        Ok(c) if c.state.as_ref().and_then(|s| s.running) == Some(true) => Ok(name),
        Ok(_) => Err(DockerError::Setup(format!(
            "{trainee}'s workstation ({name}) is not running: `dnslab up LABFILE --backend docker` starts it"
        ))),
        Err(_) => Err(DockerError::Setup(format!(
            "{trainee} has no workstation: set `nodes: {{ workstation: true }}` in the lab file and bring it up with --backend docker"
        ))),
    }
}

/// Runs `cmd` in `container` with its output on ours; returns its exit
/// code.
pub async fn run(docker: &Docker, container: &str, cmd: Vec<String>) -> Result<i64, DockerError> {
    let created = docker
        .create_exec(
            container,
            CreateExecOptions {
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                cmd: Some(cmd),
                ..Default::default()
            },
        )
        .await
        .map_err(DockerError::api(format!("exec in {container}")))?;
    let started = docker
        .start_exec(&created.id, None::<StartExecOptions>)
        .await
        .map_err(DockerError::api(format!("exec in {container}")))?;
    if let StartExecResults::Attached { mut output, .. } = started {
        while let Some(chunk) = output.next().await {
            let chunk =
                chunk.map_err(DockerError::api(format!("output of exec in {container}")))?;
            match chunk {
                bollard::container::LogOutput::StdErr { message } => {
                    let _ = std::io::stderr().write_all(&message);
                }
                other => {
                    let _ = std::io::stdout().write_all(other.as_ref());
                }
            }
        }
        let _ = std::io::stdout().flush();
    }
    exit_code(docker, &created.id).await
}

async fn exit_code(docker: &Docker, exec_id: &str) -> Result<i64, DockerError> {
    // The stream ends when the process does; its exit code may take a
    // moment to be recorded (longer on a busy engine).
    for _ in 0..500 {
        let inspect = docker
            .inspect_exec(exec_id)
            .await
            .map_err(DockerError::api("inspecting an exec"))?;
        if inspect.running != Some(true) {
            return Ok(inspect.exit_code.unwrap_or(-1));
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Err(DockerError::Setup(
        "the command's exit code never came".to_string(),
    ))
}

/// Puts the terminal on stdin in raw mode until dropped.
struct RawTerminal(Option<libc::termios>);

impl RawTerminal {
    fn enter() -> RawTerminal {
        // SAFETY: tcgetattr/tcsetattr on fd 0 with a termios we own.
        unsafe {
            let mut saved: libc::termios = std::mem::zeroed();
            if libc::isatty(0) != 1 || libc::tcgetattr(0, &mut saved) != 0 {
                return RawTerminal(None);
            }
            let mut raw = saved;
            libc::cfmakeraw(&mut raw);
            libc::tcsetattr(0, libc::TCSANOW, &raw);
            RawTerminal(Some(saved))
        }
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        if let Some(saved) = self.0 {
            // SAFETY: restores the settings read in `enter`.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, &saved);
            }
        }
    }
}

/// The size of our terminal, if stdout is one.
fn terminal_size() -> Option<(u16, u16)> {
    // SAFETY: TIOCGWINSZ fills a winsize we own.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        (libc::ioctl(1, libc::TIOCGWINSZ, &mut ws) == 0 && ws.ws_row > 0)
            .then_some((ws.ws_row, ws.ws_col))
    }
}

/// An interactive shell in `container`: our terminal in raw mode, keys
/// to the shell, its output to us, its size following ours. Returns the
/// shell's exit code.
pub async fn shell(docker: &Docker, container: &str, cmd: Vec<String>) -> Result<i64, DockerError> {
    let created = docker
        .create_exec(
            container,
            CreateExecOptions {
                attach_stdin: Some(true),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                tty: Some(true),
                env: Some(vec![format!(
                    "TERM={}",
                    std::env::var("TERM").unwrap_or_else(|_| "xterm".to_string())
                )]),
                cmd: Some(cmd),
                ..Default::default()
            },
        )
        .await
        .map_err(DockerError::api(format!("exec in {container}")))?;
    let started = docker
        .start_exec(
            &created.id,
            Some(StartExecOptions {
                detach: false,
                tty: true,
                output_capacity: None,
            }),
        )
        .await
        .map_err(DockerError::api(format!("exec in {container}")))?;
    let StartExecResults::Attached {
        mut output,
        mut input,
    } = started
    else {
        return exit_code(docker, &created.id).await;
    };
    let resize = |docker: &Docker, id: String| {
        let docker = docker.clone();
        async move {
            if let Some((h, w)) = terminal_size() {
                let options = bollard::query_parameters::ResizeExecOptionsBuilder::default()
                    .h(i32::from(h))
                    .w(i32::from(w))
                    .build();
                let _ = docker.resize_exec(&id, options).await;
            }
        }
    };
    resize(docker, created.id.clone()).await;
    let _raw = RawTerminal::enter();
    // Keys: a blocking reader thread feeding the exec's input.
    let (keys_tx, mut keys_rx) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
    std::thread::spawn(move || {
        let mut buf = [0u8; 1024];
        loop {
            match std::io::Read::read(&mut std::io::stdin(), &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if keys_tx.blocking_send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    let forward = tokio::spawn(async move {
        while let Some(keys) = keys_rx.recv().await {
            if input.write_all(&keys).await.is_err() {
                break;
            }
        }
    });
    let mut winch =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change()).ok();
    let mut stdout = std::io::stdout();
    loop {
        let winched = async {
            match winch.as_mut() {
                Some(w) => w.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            chunk = output.next() => match chunk {
                Some(Ok(out)) => {
                    let _ = stdout.write_all(out.as_ref());
                    let _ = stdout.flush();
                }
                _ => break,
            },
            _ = winched => resize(docker, created.id.clone()).await,
        }
    }
    forward.abort();
    drop(_raw);
    exit_code(docker, &created.id).await
}
