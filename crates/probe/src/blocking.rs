//! The client for callers on plain threads: the lab's health probes (run
//! from `std::thread::scope`, all nodes at once) and the CDS scanner
//! (which signs between queries and runs off the async runtime).
//!
//! Each call drives [`client::query`] on a current-thread runtime of its
//! own, so the answer is judged by exactly the same rules as the
//! grader's. A runtime cannot be started on a thread that already runs
//! one, so a caller inside a runtime gets the query on a short-lived
//! thread of its own instead of a panic.

use crate::client::{self, ProbeError, ProbeOptions, Response, Transport};
use dnslab_zone::{Name, Rtype};
use std::net::SocketAddr;

/// [`client::query`], waiting for its result.
pub fn query(
    server: SocketAddr,
    qname: &Name,
    qtype: Rtype,
    opts: &ProbeOptions,
) -> Result<Response, ProbeError> {
    let run = || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| ProbeError::Io {
                server,
                transport: Transport::Udp,
                error,
            })?;
        runtime.block_on(client::query(server, qname, qtype, opts))
    };
    if tokio::runtime::Handle::try_current().is_err() {
        return run();
    }
    std::thread::scope(|scope| match scope.spawn(run).join() {
        Ok(result) => result,
        // The query panicked: its thread's panic goes on here.
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn silent_server() -> (std::net::UdpSocket, SocketAddr) {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        (socket, addr)
    }

    fn fast() -> ProbeOptions {
        ProbeOptions {
            timeout: Duration::from_millis(50),
            attempts: 1,
            ..ProbeOptions::default()
        }
    }

    #[test]
    fn a_silent_server_times_out_on_a_plain_thread() {
        let (_socket, addr) = silent_server();
        let err = query(addr, &Name::root(), Rtype::SOA, &fast()).unwrap_err();
        assert!(matches!(err, ProbeError::Timeout { .. }), "{err}");
    }

    #[tokio::test]
    async fn inside_a_runtime_the_query_runs_on_its_own_thread() {
        let (_socket, addr) = silent_server();
        let err = query(addr, &Name::root(), Rtype::SOA, &fast()).unwrap_err();
        assert!(matches!(err, ProbeError::Timeout { .. }), "{err}");
    }
}
