//! Letting hickory's recursor follow a lab that listens on a port other
//! than 53.
//!
//! # Background
//!
//! A recursive resolver learns where to go next from NS records and glue,
//! which carry addresses but never ports: every referral means "port 53".
//! hickory's recursor therefore sends every query to port 53. A lab that
//! runs without privileges listens on another port (`labs/minimal.yaml`:
//! 10053), on 127.x addresses that nothing else uses.
//!
//! # How
//!
//! [`LabPortRuntime`] is a hickory [`RuntimeProvider`] that wraps tokio's:
//! a datagram or connection the recursor addresses to port 53 goes to the
//! lab's port instead, and a datagram that comes back from the lab's port
//! is reported as coming from port 53, so hickory's own check that a reply
//! comes from the server it asked still holds. Nothing else changes: the
//! recursion, caching and validation are hickory's.
//!
//! With the lab on port 53 the runtime maps nothing and behaves as tokio's.
//!
//! # Limitations
//!
//! Every port-53 destination is mapped, not just the lab's addresses. The
//! lab's resolvers start from the lab's root hints and only ever learn lab
//! addresses, so they have no other destinations.

use hickory_server::net::runtime::iocompat::AsyncIoTokioAsStd;
use hickory_server::net::runtime::{
    DnsUdpSocket, RuntimeProvider, TokioHandle, TokioRuntimeProvider, TokioTime,
};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// The port every referral implies (RFC 1035 §4.2).
const DNS_PORT: u16 = 53;

/// tokio's runtime for hickory, with port 53 mapped to the lab's port.
#[derive(Clone)]
pub struct LabPortRuntime {
    tokio: TokioRuntimeProvider,
    lab_port: u16,
}

impl LabPortRuntime {
    /// A runtime whose port-53 traffic goes to `lab_port`.
    pub fn new(lab_port: u16) -> Self {
        Self {
            tokio: TokioRuntimeProvider::default(),
            lab_port,
        }
    }

    /// Where a datagram or connection for `addr` really goes.
    pub fn outbound(&self, addr: SocketAddr) -> SocketAddr {
        map_port(addr, DNS_PORT, self.lab_port)
    }

    /// Where the recursor should believe a reply from `addr` came from.
    pub fn inbound(&self, addr: SocketAddr) -> SocketAddr {
        map_port(addr, self.lab_port, DNS_PORT)
    }
}

fn map_port(mut addr: SocketAddr, from: u16, to: u16) -> SocketAddr {
    if addr.port() == from {
        addr.set_port(to);
    }
    addr
}

impl RuntimeProvider for LabPortRuntime {
    type Handle = TokioHandle;
    type Timer = TokioTime;
    type Udp = LabPortUdpSocket;
    type Tcp = AsyncIoTokioAsStd<tokio::net::TcpStream>;

    fn create_handle(&self) -> Self::Handle {
        self.tokio.create_handle()
    }

    fn connect_tcp(
        &self,
        server_addr: SocketAddr,
        bind_addr: Option<SocketAddr>,
        timeout: Option<Duration>,
    ) -> Pin<Box<dyn Send + Future<Output = Result<Self::Tcp, io::Error>>>> {
        self.tokio
            .connect_tcp(self.outbound(server_addr), bind_addr, timeout)
    }

    fn bind_udp(
        &self,
        local_addr: SocketAddr,
        _server_addr: SocketAddr,
    ) -> Pin<Box<dyn Send + Future<Output = Result<Self::Udp, io::Error>>>> {
        let runtime = self.clone();
        Box::pin(async move {
            let socket = tokio::net::UdpSocket::bind(local_addr).await?;
            Ok(LabPortUdpSocket { socket, runtime })
        })
    }
}

/// A UDP socket that sends port-53 datagrams to the lab's port and reports
/// the lab's replies as coming from port 53.
pub struct LabPortUdpSocket {
    socket: tokio::net::UdpSocket,
    runtime: LabPortRuntime,
}

impl DnsUdpSocket for LabPortUdpSocket {
    type Time = TokioTime;

    fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        let mut read = tokio::io::ReadBuf::new(buf);
        match self.socket.poll_recv_from(cx, &mut read) {
            Poll::Ready(Ok(from)) => {
                Poll::Ready(Ok((read.filled().len(), self.runtime.inbound(from))))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.socket
            .poll_send_to(cx, buf, self.runtime.outbound(target))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn port_53_goes_to_the_lab_port_and_replies_come_back_as_53() {
        let rt = LabPortRuntime::new(10053);
        assert_eq!(rt.outbound(addr("127.53.0.1:53")), addr("127.53.0.1:10053"));
        assert_eq!(rt.inbound(addr("127.53.0.1:10053")), addr("127.53.0.1:53"));
        // Anything else is left alone, both ways.
        assert_eq!(
            rt.outbound(addr("127.53.0.1:5353")),
            addr("127.53.0.1:5353")
        );
        assert_eq!(rt.inbound(addr("127.53.0.1:53")), addr("127.53.0.1:53"));
        assert_eq!(rt.outbound(addr("[::1]:53")), addr("[::1]:10053"));
    }

    #[test]
    fn a_lab_on_port_53_maps_nothing() {
        let rt = LabPortRuntime::new(53);
        assert_eq!(rt.outbound(addr("127.53.0.1:53")), addr("127.53.0.1:53"));
        assert_eq!(rt.inbound(addr("127.53.0.1:53")), addr("127.53.0.1:53"));
    }

    /// A datagram sent to port 53 arrives at the lab port, and the reply is
    /// seen as coming from port 53 of the same address.
    #[tokio::test]
    async fn datagrams_take_the_mapped_port_both_ways() {
        let server = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let lab_port = server.local_addr().unwrap().port();
        let rt = LabPortRuntime::new(lab_port);
        let client = rt
            .bind_udp(addr("127.0.0.1:0"), addr("127.0.0.1:53"))
            .await
            .unwrap();
        client
            .send_to(b"query", addr("127.0.0.1:53"))
            .await
            .unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = server.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"query");
        server.send_to(b"reply", from).await.unwrap();
        let (n, from) = client.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"reply");
        assert_eq!(from, addr("127.0.0.1:53"));
    }

    #[tokio::test]
    async fn connections_to_port_53_reach_the_lab_port() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let lab_port = listener.local_addr().unwrap().port();
        let rt = LabPortRuntime::new(lab_port);
        let connect = rt.connect_tcp(addr("127.0.0.1:53"), None, Some(Duration::from_secs(5)));
        let (accepted, connected) = tokio::join!(listener.accept(), connect);
        accepted.unwrap();
        connected.unwrap();
    }
}
