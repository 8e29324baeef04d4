//! A minimal HTTP/1.1 server on `std::net` for the stand-ins.
//!
//! One thread per connection, one request per connection (every response carries
//! `Connection: close`). Request bodies are read with `Content-Length` or chunked transfer
//! coding; a client that disconnects before the body is complete is recorded as an incomplete
//! request and never reaches the handler. `Expect: 100-continue` is answered.
//!
//! Faults are queued per server (FIFO) and applied to the next requests whose path starts with
//! the given prefix: see [`Fault`]. Every request (faulted or not) is recorded in a log that
//! tests read with [`Server::requests`] and [`Server::count`].
//!
//! The server listens on 127.0.0.1 port 0 and shuts down on drop: a stop flag, a
//! self-connection to unblock `accept`, then every open connection is shut down and joined.

use std::collections::{HashMap, VecDeque};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::util::{lock, percent_decode};

/// Longest request head (request line + headers) accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Longest request body kept in the request log (the handler always sees the whole body).
const MAX_LOGGED_BODY: usize = 1024 * 1024;
/// A connection that sends nothing for this long is dropped (drop also shuts it down).
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// A parsed HTTP request, as the handler sees it.
#[derive(Clone, Debug)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path of the request target, still percent-encoded, without the query.
    pub path: String,
    /// The raw query string (after `?`), empty when there is none.
    pub query: String,
    /// Header names as sent, values trimmed, in order.
    pub headers: Vec<(String, String)>,
    /// The complete request body (chunked coding removed).
    pub body: Vec<u8>,
    /// The address the server accepted the connection on (for absolute URLs).
    pub local_addr: SocketAddr,
}

impl Request {
    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }

    /// A query parameter, percent-decoded (the first occurrence).
    pub fn query_param(&self, name: &str) -> Option<String> {
        query_pairs(&self.query)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// `http://<Host header>` (or the local address when there is no Host header), so URLs
    /// the handler builds point back at whatever name the client used.
    pub fn base_url(&self) -> String {
        match self.header("host") {
            Some(host) if !host.is_empty() => format!("http://{host}"),
            _ => format!("http://{}", self.local_addr),
        }
    }

    /// The body as UTF-8 text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Decoded `key=value` pairs of a query string.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// First value of a header in a list (case-insensitive name).
pub fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// An HTTP response built by a handler.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    /// The reason phrase. Warehouse puts its error message here; it is sent as ISO-8859-1.
    pub reason: String,
    /// Extra headers (`Content-Length` and `Connection` are added by the server).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// An empty response with the standard reason phrase.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            reason: reason_phrase(status).to_string(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A `text/plain; charset=utf-8` response.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Response::new(status)
            .header("Content-Type", "text/plain; charset=utf-8")
            .body(body.into().into_bytes())
    }

    /// An `application/json` response.
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Response::new(status)
            .header("Content-Type", "application/json")
            .body(value.to_string().into_bytes())
    }

    /// A `text/html; charset=utf-8` response.
    pub fn html(status: u16, body: impl Into<String>) -> Self {
        Response::new(status)
            .header("Content-Type", "text/html; charset=utf-8")
            .body(body.into().into_bytes())
    }

    /// A redirect with a `Location` header.
    pub fn redirect(status: u16, location: &str) -> Self {
        Response::text(status, format!("Redirecting to {location}\n")).header("Location", location)
    }

    /// Add a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Replace the body.
    pub fn body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    /// Replace the reason phrase.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = reason.into();
        self
    }
}

/// The standard reason phrase of a status code.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// A fault applied to one request instead of (or on top of) the handler's normal answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Read at most `after_bytes` of the body (never all of it), then close the socket
    /// without answering. Unread data makes the kernel send a TCP reset.
    ResetMidBody { after_bytes: usize },
    /// Read the whole request, then close the socket without answering.
    CloseWithoutResponse,
    /// Answer with this status, body and extra headers; the handler is not called.
    Status {
        code: u16,
        body: String,
        headers: Vec<(String, String)>,
    },
    /// Answer `code` (normally 429) with `Retry-After: secs`; the handler is not called.
    RetryAfter { code: u16, secs: u64 },
    /// Answer `code` (normally 503) with `Retry-After` as an HTTP date `secs` seconds after
    /// the request arrived (RFC 9110 §10.2.3); the handler is not called.
    RetryAfterDate { code: u16, secs: u64 },
    /// Call the handler, then send its body in `chunks` pieces with `delay` between them.
    /// Keep `chunks * delay` under a second.
    SlowBody { chunks: usize, delay: Duration },
    /// Answer a redirect (`code` is 301/302/303/307/308) to `location`; the handler is not
    /// called. Use another stand-in's URL, or [`Server::localhost_url`], for another host.
    Redirect { code: u16, location: String },
}

impl Fault {
    /// Reset the connection after 1 KiB of body (or half the body, whichever is smaller).
    pub fn reset_mid_body() -> Self {
        Fault::ResetMidBody { after_bytes: 1024 }
    }

    /// Answer `code` with a short text body.
    pub fn status(code: u16) -> Self {
        Fault::Status {
            code,
            body: format!("stand-in fault: {code} {}\n", reason_phrase(code)),
            headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
        }
    }

    /// Answer `code` with this body and headers.
    pub fn status_with(code: u16, body: &str, headers: &[(&str, &str)]) -> Self {
        Fault::Status {
            code,
            body: body.to_string(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// `429 Too Many Requests` with `Retry-After: secs`.
    pub fn retry_after(secs: u64) -> Self {
        Fault::RetryAfter { code: 429, secs }
    }

    /// Read the request, then close the connection without an answer.
    pub fn close_without_response() -> Self {
        Fault::CloseWithoutResponse
    }

    /// `503 Service Unavailable` with `Retry-After: <HTTP date secs from now>`.
    pub fn retry_after_date(secs: u64) -> Self {
        Fault::RetryAfterDate { code: 503, secs }
    }

    /// The handler's body trickled in 8 pieces 50 ms apart (0.35 s in all).
    pub fn slow_body() -> Self {
        Fault::SlowBody {
            chunks: 8,
            delay: Duration::from_millis(50),
        }
    }

    /// A redirect to `location`.
    pub fn redirect(code: u16, location: &str) -> Self {
        Fault::Redirect {
            code,
            location: location.to_string(),
        }
    }
}

/// A queued fault and the requests it applies to.
#[derive(Clone, Debug)]
struct FaultRule {
    method: Option<String>,
    path_prefix: String,
    fault: Fault,
}

/// One request as the server saw it (kept in the log).
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    /// The body (at most 1 MiB of it; `body_len` is the real length).
    pub body: Vec<u8>,
    /// Bytes of body received.
    pub body_len: usize,
    /// False when the client went away before the body was complete, or a
    /// [`Fault::ResetMidBody`] cut it short.
    pub complete: bool,
    /// The fault applied to this request, if any.
    pub fault: Option<Fault>,
    /// The status sent back (None when no response was sent).
    pub status: Option<u16>,
    /// When the request's head had been read (the stand-in's clock).
    pub received: std::time::Instant,
    /// When the response was sent (or the connection closed without one).
    pub answered: std::time::Instant,
}

impl RecordedRequest {
    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }
}

type Handler = dyn Fn(&Request) -> Response + Send + Sync + 'static;

struct Shared {
    handler: Box<Handler>,
    faults: Mutex<VecDeque<FaultRule>>,
    log: Mutex<Vec<RecordedRequest>>,
    /// Notified whenever a request is logged.
    logged: Condvar,
    stop: AtomicBool,
    /// A handle on every open connection, so drop can shut them down. A connection removes
    /// its own entry before closing: the socket must have no other descriptor left for
    /// [`Fault::ResetMidBody`]'s close to become a reset.
    streams: Mutex<HashMap<u64, TcpStream>>,
    next_id: AtomicU64,
    handles: Mutex<Vec<JoinHandle<()>>>,
}

/// A running server; stops on drop.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Start a server on 127.0.0.1 with a free port, routing every request to `handler`.
    pub fn start(handler: impl Fn(&Request) -> Response + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            handler: Box::new(handler),
            faults: Mutex::new(VecDeque::new()),
            log: Mutex::new(Vec::new()),
            logged: Condvar::new(),
            stop: AtomicBool::new(false),
            streams: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            handles: Mutex::new(Vec::new()),
        });
        let accept_shared = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name(format!("standin-accept-{}", addr.port()))
            .spawn(move || accept_loop(listener, accept_shared))
            .expect("spawn accept thread");
        Server {
            addr,
            shared,
            accept: Some(accept),
        }
    }

    /// `http://127.0.0.1:<port>` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Same as [`Server::url`].
    pub fn base_url(&self) -> String {
        self.url()
    }

    /// `http://localhost:<port>`: the same server under another host name (another "realm"
    /// for redirect tests).
    pub fn localhost_url(&self) -> String {
        format!("http://localhost:{}", self.addr.port())
    }

    /// The listening port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queue `fault` for the next request whose path starts with `path_prefix` (`""`: any).
    pub fn inject(&self, path_prefix: &str, fault: Fault) {
        self.push_rule(None, path_prefix, fault, 1);
    }

    /// Queue `fault` for the next `times` matching requests.
    pub fn inject_times(&self, path_prefix: &str, fault: Fault, times: usize) {
        self.push_rule(None, path_prefix, fault, times);
    }

    /// Queue `fault` for the next request with this method and path prefix.
    pub fn inject_method(&self, method: &str, path_prefix: &str, fault: Fault) {
        self.push_rule(Some(method), path_prefix, fault, 1);
    }

    fn push_rule(&self, method: Option<&str>, path_prefix: &str, fault: Fault, times: usize) {
        let mut q = lock(&self.shared.faults);
        for _ in 0..times {
            q.push_back(FaultRule {
                method: method.map(|m| m.to_ascii_uppercase()),
                path_prefix: path_prefix.to_string(),
                fault: fault.clone(),
            });
        }
    }

    /// Faults still queued.
    pub fn pending_faults(&self) -> usize {
        lock(&self.shared.faults).len()
    }

    /// Drop every queued fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).clone()
    }

    /// Requests received for exactly this path (any method, faulted or not).
    pub fn count(&self, path: &str) -> usize {
        lock(&self.shared.log)
            .iter()
            .filter(|r| r.path == path)
            .count()
    }

    /// Requests received with this method and exact path.
    pub fn count_method(&self, method: &str, path: &str) -> usize {
        lock(&self.shared.log)
            .iter()
            .filter(|r| r.path == path && r.method.eq_ignore_ascii_case(method))
            .count()
    }

    /// Requests received in all.
    pub fn total_requests(&self) -> usize {
        lock(&self.shared.log).len()
    }

    /// Block until `pred` holds for the request log (checked on every logged request), or
    /// `timeout` passes; returns whether it held. Use it to wait for a request the client
    /// side cannot observe (e.g. one it abandoned mid-body).
    pub fn wait_for(&self, timeout: Duration, pred: impl Fn(&[RecordedRequest]) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut log = lock(&self.shared.log);
        loop {
            if pred(&log) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            log = match self.shared.logged.wait_timeout(log, deadline - now) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        }
    }

    /// Forget the request log.
    pub fn clear_log(&self) {
        lock(&self.shared.log).clear();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Unblock accept(); the loop sees the stop flag on the next connection.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
        for (_, s) in lock(&self.shared.streams).drain() {
            let _ = s.shutdown(Shutdown::Both);
        }
        let handles = std::mem::take(&mut *lock(&self.shared.handles));
        for h in handles {
            let _ = h.join();
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
        if let Ok(clone) = stream.try_clone() {
            lock(&shared.streams).insert(id, clone);
        }
        let conn_shared = Arc::clone(&shared);
        let spawned = thread::Builder::new()
            .name("standin-conn".into())
            .spawn(move || handle_connection(stream, id, conn_shared));
        let Ok(handle) = spawned else {
            lock(&shared.streams).remove(&id);
            continue;
        };
        let mut handles = lock(&shared.handles);
        // Reap finished connections so the list stays short.
        let mut i = 0;
        while i < handles.len() {
            if handles[i].is_finished() {
                let _ = handles.swap_remove(i).join();
            } else {
                i += 1;
            }
        }
        handles.push(handle);
    }
}

/// The request line and headers.
struct Head {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
}

enum BodyError {
    /// The peer closed (or reset) before the body was complete; what arrived so far.
    Incomplete(Vec<u8>),
    /// The framing was invalid.
    Invalid(String),
}

/// Removes a connection's entry from [`Shared::streams`] when dropped.
struct Registered<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        lock(&self.shared.streams).remove(&self.id);
    }
}

fn handle_connection(stream: TcpStream, id: u64, shared: Arc<Shared>) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let local_addr = match stream.local_addr() {
        Ok(a) => a,
        Err(_) => return,
    };
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    // Declared after the streams, so it is dropped (and the registry's descriptor closed)
    // before them.
    let registered = Registered {
        shared: &shared,
        id,
    };

    let head = match read_head(&mut reader) {
        Ok(Some(h)) => h,
        Ok(None) => return, // closed before a request (e.g. the drop self-connection)
        Err(e) => {
            let _ = write_response(&mut writer, &Response::text(400, format!("{e}\n")), None);
            return;
        }
    };
    if shared.stop.load(Ordering::SeqCst) {
        return;
    }
    let (path, query) = match head.target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (head.target.clone(), String::new()),
    };
    let fault = take_fault(&shared, &head.method, &path);
    let received = std::time::Instant::now();

    let mut record = RecordedRequest {
        method: head.method.clone(),
        path: path.clone(),
        query: query.clone(),
        headers: head.headers.clone(),
        body: Vec::new(),
        body_len: 0,
        complete: true,
        fault: fault.clone(),
        status: None,
        received,
        answered: received,
    };

    let expects_continue = header_value(&head.headers, "expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    if expects_continue {
        let _ = writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
        let _ = writer.flush();
    }

    if let Some(Fault::ResetMidBody { after_bytes }) = &fault {
        let got = read_partial_body(&mut reader, &head.headers, *after_bytes);
        record.body_len = got.len();
        record.body = got;
        record.complete = false;
        log_request(&shared, record);
        // Closing the last descriptor with unread data in the receive buffer makes Linux
        // send RST.
        drop(registered);
        drop(reader);
        drop(writer);
        return;
    }

    let body = match read_body(&mut reader, &head.headers) {
        Ok(b) => b,
        Err(BodyError::Incomplete(partial)) => {
            record.body_len = partial.len();
            record.body = truncate_for_log(partial);
            record.complete = false;
            log_request(&shared, record);
            return;
        }
        Err(BodyError::Invalid(msg)) => {
            record.complete = false;
            record.status = Some(400);
            log_request(&shared, record);
            let _ = write_response(&mut writer, &Response::text(400, format!("{msg}\n")), None);
            return;
        }
    };
    record.body_len = body.len();
    record.body = truncate_for_log(body.clone());

    let request = Request {
        method: head.method,
        path,
        query,
        headers: head.headers,
        body,
        local_addr,
    };

    let (response, slow) = match &fault {
        Some(Fault::CloseWithoutResponse) => {
            log_request(&shared, record);
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
        Some(Fault::Status {
            code,
            body,
            headers,
        }) => {
            let mut r = Response::new(*code).body(body.clone().into_bytes());
            r.headers = headers.clone();
            (r, None)
        }
        Some(Fault::RetryAfter { code, secs }) => (
            Response::text(*code, format!("stand-in fault: retry after {secs} s\n"))
                .header("Retry-After", &secs.to_string()),
            None,
        ),
        Some(Fault::RetryAfterDate { code, secs }) => {
            // Rounded up to the next whole second: an HTTP date has no fractions, and the
            // wait must be at least `secs`.
            let at = std::time::SystemTime::now() + Duration::from_millis(secs * 1000 + 999);
            let date = httpdate::fmt_http_date(at);
            (
                Response::text(*code, format!("stand-in fault: retry after {date}\n"))
                    .header("Retry-After", &date),
                None,
            )
        }
        Some(Fault::Redirect { code, location }) => (Response::redirect(*code, location), None),
        Some(Fault::SlowBody { chunks, delay }) => {
            (call_handler(&shared, &request), Some((*chunks, *delay)))
        }
        Some(Fault::ResetMidBody { .. }) | None => (call_handler(&shared, &request), None),
    };
    record.status = Some(response.status);
    log_request(&shared, record);
    let _ = write_response(&mut writer, &response, slow);
    let _ = writer.flush();
    let _ = writer.shutdown(Shutdown::Write);
}

fn log_request(shared: &Shared, mut record: RecordedRequest) {
    record.answered = std::time::Instant::now();
    lock(&shared.log).push(record);
    shared.logged.notify_all();
}

fn call_handler(shared: &Shared, request: &Request) -> Response {
    match catch_unwind(AssertUnwindSafe(|| (shared.handler)(request))) {
        Ok(r) => r,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Response::text(500, format!("stand-in handler panicked: {msg}\n"))
        }
    }
}

fn take_fault(shared: &Shared, method: &str, path: &str) -> Option<Fault> {
    let mut q = lock(&shared.faults);
    let pos = q.iter().position(|r| {
        path.starts_with(&r.path_prefix)
            && r.method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    })?;
    q.remove(pos).map(|r| r.fault)
}

fn truncate_for_log(mut body: Vec<u8>) -> Vec<u8> {
    body.truncate(MAX_LOGGED_BODY);
    body
}

/// Read one CRLF- (or LF-) terminated line, without the terminator. `Ok(None)` on EOF
/// before any byte.
fn read_line(reader: &mut impl BufRead, limit: usize) -> io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = reader.take(limit as u64 + 1).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.len() > limit {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    } else {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed mid-line",
        ));
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

fn read_head(reader: &mut impl BufRead) -> io::Result<Option<Head>> {
    let line = match read_line(reader, MAX_HEAD) {
        Ok(Some(l)) => l,
        Ok(None) => return Ok(None),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("malformed request line {line:?}"),
        ));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("unsupported version {version:?}"),
        ));
    }
    let mut headers = Vec::new();
    let mut total = line.len();
    loop {
        let Some(h) = read_line(reader, MAX_HEAD)? else {
            return Ok(None);
        };
        if h.is_empty() {
            break;
        }
        total += h.len();
        if total > MAX_HEAD {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "head too large"));
        }
        let Some((name, value)) = h.split_once(':') else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("malformed header {h:?}"),
            ));
        };
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    Ok(Some(Head {
        method: method.to_ascii_uppercase(),
        target: target.to_string(),
        headers,
    }))
}

fn is_chunked(headers: &[(String, String)]) -> bool {
    header_value(headers, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
}

fn content_length(headers: &[(String, String)]) -> Result<usize, BodyError> {
    match header_value(headers, "content-length") {
        None => Ok(0),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| BodyError::Invalid(format!("invalid Content-Length {v:?}"))),
    }
}

fn read_body(
    reader: &mut impl BufRead,
    headers: &[(String, String)],
) -> Result<Vec<u8>, BodyError> {
    if is_chunked(headers) {
        return read_chunked(reader);
    }
    let len = content_length(headers)?;
    let mut body = Vec::with_capacity(len.min(64 * 1024 * 1024));
    let _ = reader.take(len as u64).read_to_end(&mut body);
    if body.len() < len {
        return Err(BodyError::Incomplete(body));
    }
    Ok(body)
}

fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>, BodyError> {
    let mut body = Vec::new();
    loop {
        let line = match read_line(reader, 4096) {
            Ok(Some(l)) => l,
            Ok(None) => return Err(BodyError::Incomplete(body)),
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                return Err(BodyError::Invalid(e.to_string()));
            }
            Err(_) => return Err(BodyError::Incomplete(body)),
        };
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| BodyError::Invalid(format!("invalid chunk size {size_text:?}")))?;
        if size == 0 {
            // Trailers, up to the empty line.
            loop {
                match read_line(reader, MAX_HEAD) {
                    Ok(Some(l)) if l.is_empty() => return Ok(body),
                    Ok(Some(_)) => continue,
                    _ => return Err(BodyError::Incomplete(body)),
                }
            }
        }
        let start = body.len();
        let _ = reader.take(size as u64).read_to_end(&mut body);
        if body.len() - start < size {
            return Err(BodyError::Incomplete(body));
        }
        match read_line(reader, 2) {
            Ok(Some(l)) if l.is_empty() => {}
            Ok(Some(_)) => return Err(BodyError::Invalid("missing CRLF after chunk".into())),
            _ => return Err(BodyError::Incomplete(body)),
        }
    }
}

/// Read part of the body for [`Fault::ResetMidBody`]: at most `after_bytes`, and never the
/// whole declared body.
fn read_partial_body(
    reader: &mut impl BufRead,
    headers: &[(String, String)],
    after_bytes: usize,
) -> Vec<u8> {
    let limit = if is_chunked(headers) {
        after_bytes
    } else {
        let len = content_length(headers).unwrap_or(0);
        after_bytes.min(len / 2)
    };
    let mut got = Vec::with_capacity(limit);
    let _ = reader.take(limit as u64).read_to_end(&mut got);
    got
}

fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '\r' | '\n' => b' ',
            c if (c as u32) < 256 => c as u8,
            _ => b'?',
        })
        .collect()
}

fn write_response(
    w: &mut TcpStream,
    resp: &Response,
    slow: Option<(usize, Duration)>,
) -> io::Result<()> {
    let mut head = Vec::new();
    head.extend_from_slice(format!("HTTP/1.1 {} ", resp.status).as_bytes());
    head.extend_from_slice(&latin1(&resp.reason));
    head.extend_from_slice(b"\r\n");
    for (k, v) in &resp.headers {
        if k.eq_ignore_ascii_case("content-length") || k.eq_ignore_ascii_case("connection") {
            continue;
        }
        head.extend_from_slice(k.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(&latin1(v));
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(format!("Content-Length: {}\r\n", resp.body.len()).as_bytes());
    head.extend_from_slice(b"Connection: close\r\n\r\n");
    w.write_all(&head)?;
    match slow {
        Some((chunks, delay)) if chunks > 1 && !resp.body.is_empty() => {
            let size = resp.body.len().div_ceil(chunks);
            for (i, piece) in resp.body.chunks(size.max(1)).enumerate() {
                if i > 0 {
                    // The fault *is* a slow peer: this pause is the behaviour under test.
                    thread::sleep(delay);
                }
                w.write_all(piece)?;
                w.flush()?;
            }
        }
        Some((_, delay)) => {
            w.flush()?;
            thread::sleep(delay);
            w.write_all(&resp.body)?;
        }
        None => w.write_all(&resp.body)?,
    }
    w.flush()
}
