//! Receiving and answering UDP queries in batches (Linux `recvmmsg(2)` /
//! `sendmmsg(2)`).
//!
//! One system call receives up to [`BATCH`] queries and one sends their
//! answers, instead of two calls per query: at lab and benchmark rates the
//! per-packet system calls cost as much as answering. Each reply goes to
//! the address its query came from, copied as the kernel gave it.

use std::os::fd::AsRawFd;

/// Queries taken per system call.
pub const BATCH: usize = 32;
/// The largest query read; longer datagrams are truncated by the kernel
/// and then refused by the query reader as malformed.
const MAX_QUERY: usize = 4096;

/// Buffers for one worker, reused for every batch.
pub struct Batch {
    bufs: Vec<[u8; MAX_QUERY]>,
    addrs: Vec<libc::sockaddr_storage>,
    iovecs: Vec<libc::iovec>,
    headers: Vec<libc::mmsghdr>,
}

impl Batch {
    pub fn new() -> Batch {
        // SAFETY: sockaddr_storage, iovec and mmsghdr are plain C structs
        // for which all-zero bytes are a valid value.
        let zero_addr: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
        let zero_iov: libc::iovec = unsafe { std::mem::zeroed() };
        let zero_hdr: libc::mmsghdr = unsafe { std::mem::zeroed() };
        Batch {
            bufs: vec![[0u8; MAX_QUERY]; BATCH],
            addrs: vec![zero_addr; BATCH],
            iovecs: vec![zero_iov; BATCH],
            headers: vec![zero_hdr; BATCH],
        }
    }

    /// Waits for at least one query (or the socket's read timeout), then
    /// takes whatever else is queued, up to [`BATCH`]. Returns how many.
    pub fn receive(&mut self, socket: &std::net::UdpSocket) -> std::io::Result<usize> {
        for i in 0..BATCH {
            self.iovecs[i] = libc::iovec {
                iov_base: self.bufs[i].as_mut_ptr().cast(),
                iov_len: MAX_QUERY,
            };
            let hdr = &mut self.headers[i].msg_hdr;
            hdr.msg_name = (&mut self.addrs[i] as *mut libc::sockaddr_storage).cast();
            hdr.msg_namelen = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            hdr.msg_iov = &mut self.iovecs[i];
            hdr.msg_iovlen = 1;
            hdr.msg_control = std::ptr::null_mut();
            hdr.msg_controllen = 0;
            hdr.msg_flags = 0;
            self.headers[i].msg_len = 0;
        }
        // SAFETY: every header points at a live buffer, iovec and address of
        // this struct, sized as declared; the kernel writes at most that.
        let n = unsafe {
            libc::recvmmsg(
                socket.as_raw_fd(),
                self.headers.as_mut_ptr(),
                BATCH as libc::c_uint,
                libc::MSG_WAITFORONE,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(n as usize)
    }

    /// The query received in slot `i` (after [`Batch::receive`]).
    pub fn query(&self, i: usize) -> &[u8] {
        let len = (self.headers[i].msg_len as usize).min(MAX_QUERY);
        &self.bufs[i][..len]
    }

    /// Sends `replies[k]` to the sender of slot `slots[k]`.
    pub fn send(&mut self, socket: &std::net::UdpSocket, slots: &[usize], replies: &[Vec<u8>]) {
        debug_assert_eq!(slots.len(), replies.len());
        let count = slots.len().min(BATCH);
        // SAFETY: as in `receive`; zeroed C structs are valid.
        let mut out: Vec<libc::mmsghdr> =
            (0..count).map(|_| unsafe { std::mem::zeroed() }).collect();
        let mut iovecs: Vec<libc::iovec> = replies[..count]
            .iter()
            .map(|r| libc::iovec {
                iov_base: r.as_ptr() as *mut libc::c_void,
                iov_len: r.len(),
            })
            .collect();
        for (k, &slot) in slots[..count].iter().enumerate() {
            let hdr = &mut out[k].msg_hdr;
            hdr.msg_name = (&mut self.addrs[slot] as *mut libc::sockaddr_storage).cast();
            hdr.msg_namelen = self.headers[slot].msg_hdr.msg_namelen;
            hdr.msg_iov = &mut iovecs[k];
            hdr.msg_iovlen = 1;
        }
        let mut sent = 0;
        while sent < count {
            // SAFETY: headers point at the replies and addresses, alive
            // until this function returns.
            let n = unsafe {
                libc::sendmmsg(
                    socket.as_raw_fd(),
                    out[sent..].as_mut_ptr(),
                    (count - sent) as libc::c_uint,
                    0,
                )
            };
            if n <= 0 {
                // One bad destination must not stop the others: skip it.
                tracing::debug!(error = %std::io::Error::last_os_error(), "UDP send failed");
                sent += 1;
            } else {
                sent += n as usize;
            }
        }
    }
}

impl Default for Batch {
    fn default() -> Self {
        Batch::new()
    }
}
