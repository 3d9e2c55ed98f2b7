//! # dnslab-web: the classroom on the web
//!
//! A portal per trainee and a live board for the instructor, served beside
//! a running lab of either backend (`dnslab web`):
//!
//! - [`tokens`]: login tokens, made once per lab, kept 0600;
//! - [`auth`]: the login cookie and the forms' CSRF tokens;
//! - [`app`]: the routes and who may use each; grading runs in process
//!   with the grader, and every grade goes to the lab's attempts log;
//! - [`board`]: the instructor's live board, from that log, pushed to the
//!   page as server-sent events;
//! - [`upload`]: a signed zone uploaded by a trainee, checked with the
//!   server's loader before it is served;
//! - [`ops`]: what the web asks of the lab (DS, reset, status), done by
//!   the CLI's own code;
//! - [`pages`]: the pages, maud templates compiled in (no JavaScript but
//!   the board's few lines, which ship in the binary).

#![forbid(unsafe_code)]

pub mod app;
pub mod auth;
pub mod board;
pub mod ops;
pub mod pages;
pub mod tokens;
pub mod upload;

pub use app::{App, router};
pub use ops::LabOps;
pub use tokens::{Principal, Tokens};

/// Serves `app` on `listener` until the task is dropped, refreshing the
/// board from the attempts log every [`board::POLL`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: std::sync::Arc<App>,
) -> std::io::Result<()> {
    let watcher = std::sync::Arc::clone(&app);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(board::POLL);
        loop {
            tick.tick().await;
            watcher.board.refresh();
        }
    });
    axum::serve(listener, router(app)).await
}
