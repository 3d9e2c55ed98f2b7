//! A small HTTP/1.1 client for the classroom web's tests and its load
//! benchmark, on loopback: one request per connection (`Connection:
//! close`), the login cookie, forms, multipart uploads, and the board's
//! server-sent events.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The login cookie's name (`dnslab-web`'s).
pub const COOKIE: &str = "dnslab_token";

/// An HTTP reply.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One request with `Connection: close`; `cookie` is a login token,
/// `body` a content type and the bytes. Errors are connection errors.
pub fn try_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<(&str, &[u8])>,
) -> Result<Reply, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| format!("connect to {addr}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(120)))
        .map_err(|e| e.to_string())?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(c) = cookie {
        head.push_str(&format!("Cookie: {COOKIE}={c}\r\n"));
    }
    if let Some((kind, bytes)) = body {
        head.push_str(&format!(
            "Content-Type: {kind}\r\nContent-Length: {}\r\n",
            bytes.len()
        ));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())
        .map_err(|e| format!("send to {addr}: {e}"))?;
    if let Some((_, bytes)) = body {
        // A server may answer (413) before it has read it all.
        let _ = s.write_all(bytes);
    }
    let mut raw = Vec::new();
    // A reset after a early answer (413) still leaves that answer read.
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("{method} {path}: no HTTP status in {head:?}"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Ok(Reply {
        status,
        headers,
        body: body.to_string(),
    })
}

/// [`try_request`], for tests: a connection error fails the test.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<(&str, &[u8])>,
) -> Reply {
    try_request(addr, method, path, cookie, body).unwrap_or_else(|e| panic!("{e}"))
}

/// A GET.
pub fn get(addr: SocketAddr, path: &str, cookie: Option<&str>) -> Reply {
    request(addr, "GET", path, cookie, None)
}

/// The body of a form with `fields`.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A form POST.
pub fn try_form(
    addr: SocketAddr,
    path: &str,
    cookie: Option<&str>,
    fields: &[(&str, &str)],
) -> Result<Reply, String> {
    try_request(
        addr,
        "POST",
        path,
        cookie,
        Some((
            "application/x-www-form-urlencoded",
            form_body(fields).as_bytes(),
        )),
    )
}

/// [`try_form`], for tests.
pub fn form(addr: SocketAddr, path: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Reply {
    try_form(addr, path, cookie, fields).unwrap_or_else(|e| panic!("{e}"))
}

/// A multipart POST of one file in the field `field`.
pub fn try_upload(
    addr: SocketAddr,
    path: &str,
    cookie: Option<&str>,
    field: &str,
    bytes: &[u8],
) -> Result<Reply, String> {
    let boundary = "dnslabBoundary7";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"z\"\r\nContent-Type: text/plain\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    try_request(
        addr,
        "POST",
        path,
        cookie,
        Some((&format!("multipart/form-data; boundary={boundary}"), &body)),
    )
}

/// Percent-encodes all but unreserved characters.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The CSRF token in a page's forms, if it has one.
pub fn csrf_in(page: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let rest = &page[page.find(marker)? + marker.len()..];
    Some(rest[..rest.find('"')?].to_string())
}

/// The board's server-sent events, read as they come.
pub struct Events {
    reader: BufReader<TcpStream>,
    /// The reply's status line.
    pub status_line: String,
}

/// A server-sent event: its `event:` name and `data:` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub name: String,
    pub data: String,
}

impl Events {
    /// Opens `path` with `cookie`; reads the status line and headers.
    pub fn open(addr: SocketAddr, path: &str, cookie: &str) -> Result<Events, String> {
        let mut s = TcpStream::connect(addr).map_err(|e| format!("connect to {addr}: {e}"))?;
        s.set_read_timeout(Some(Duration::from_secs(60)))
            .map_err(|e| e.to_string())?;
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {COOKIE}={cookie}\r\n\r\n"
        )
        .map_err(|e| e.to_string())?;
        let mut reader = BufReader::new(s);
        let mut status_line = String::new();
        reader
            .read_line(&mut status_line)
            .map_err(|e| e.to_string())?;
        loop {
            let mut line = String::new();
            let n = reader.read_line(&mut line).map_err(|e| e.to_string())?;
            if n == 0 || line == "\r\n" {
                break;
            }
        }
        Ok(Events {
            reader,
            status_line,
        })
    }

    /// The next event, or `None` at the end of the stream or after the
    /// read timeout. Lines of the chunked encoding that are not fields
    /// (chunk sizes, comments) are passed over.
    pub fn next_event(&mut self) -> Option<Event> {
        let mut name = String::new();
        let mut data = String::new();
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).ok()? == 0 {
                return None;
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if let Some(v) = line.strip_prefix("event:") {
                name = v.trim().to_string();
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push_str(v.trim_start());
            } else if line.is_empty() && !data.is_empty() {
                return Some(Event { name, data });
            }
        }
    }
}
