//! GitHub's rate limits, as decisions over plain data: how long a 403 or 429 asks to wait
//! (`retry-after`, else `x-ratelimit-remaining: 0` until `x-ratelimit-reset`, else a secondary
//! limit: 60 s doubling), the bound on all waiting, and the clock the waits run on.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// All rate-limit waiting of one command together: at most 15 minutes (on [`Clock`]). A wait
/// that would go past it is not begun; the command fails saying when the limit resets.
pub const MAX_RATE_WAIT_SECS: u64 = 15 * 60;

/// Rate-limited answers taken per request before giving up.
pub const MAX_RATE_ATTEMPTS: u32 = 6;

/// The first wait after a secondary rate limit without `retry-after` (then doubled).
pub const SECONDARY_WAIT_SECS: u64 = 60;

/// The clock rate-limit waits run on: how many real milliseconds one second of waiting
/// takes. 1000 outside tests; `CHORA_PUBLISH_GITHUB_SECOND_MS` (a test knob) shortens it so
/// a stand-in with a fast clock can ask for minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub second_ms: u64,
}

impl Default for Clock {
    fn default() -> Self {
        Clock { second_ms: 1000 }
    }
}

impl Clock {
    /// The clock for this environment value (`CHORA_PUBLISH_GITHUB_SECOND_MS`).
    pub fn from_knob(value: Option<&str>) -> Self {
        let second_ms = value
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|ms| (1..=1000).contains(ms))
            .unwrap_or(1000);
        Clock { second_ms }
    }

    /// Wait `secs` seconds of this clock.
    pub async fn wait(&self, secs: u64) {
        tokio::time::sleep(Duration::from_millis(secs.saturating_mul(self.second_ms))).await;
    }
}

/// Why a request waited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// The server's `retry-after`.
    RetryAfter,
    /// `x-ratelimit-remaining: 0`: until `x-ratelimit-reset`.
    Reset,
    /// A secondary rate limit without `retry-after`: 60 s, doubling.
    Secondary,
    /// A transport error or a 5xx: exponential backoff.
    Backoff,
}

impl Reason {
    pub fn describe(self) -> &'static str {
        match self {
            Reason::RetryAfter => "retry-after",
            Reason::Reset => "until x-ratelimit-reset",
            Reason::Secondary => "secondary rate limit",
            Reason::Backoff => "backoff",
        }
    }
}

/// One wait before a retry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Wait {
    /// The request that was answered (`POST releases`).
    pub request: String,
    /// The status that asked for it (none for a transport error).
    pub status: Option<u16>,
    pub reason: Reason,
    /// Seconds on [`Clock`] (backoffs: milliseconds / 1000, rounded up).
    pub seconds: u64,
    /// `x-ratelimit-reset` (Unix seconds) when the wait was for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset: Option<i64>,
}

/// A header's value as text.
fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The server's time (its `Date` header), else the local clock, in Unix seconds. Reset times
/// are the server's: measuring them against its own `Date` is immune to a skewed local clock.
pub fn server_now(headers: &reqwest::header::HeaderMap) -> i64 {
    header(headers, "date")
        .and_then(|d| httpdate::parse_http_date(d).ok())
        .unwrap_or_else(SystemTime::now)
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// How long a 403 or 429 asks to wait, or `None` when it is not a rate limit (a 403 for
/// missing permission). `secondary_seen`: secondary-limit waits already taken for this request.
pub fn rate_limit_wait(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &str,
    secondary_seen: u32,
) -> Option<(u64, Reason, Option<i64>)> {
    if status != 403 && status != 429 {
        return None;
    }
    let now = server_now(headers);
    if let Some(value) = header(headers, "retry-after") {
        let at = UNIX_EPOCH + Duration::from_secs(u64::try_from(now).unwrap_or(0));
        if let Some(wait) = crate::publish::retry::parse_retry_after(value, at) {
            return Some((wait.as_secs(), Reason::RetryAfter, None));
        }
    }
    if header(headers, "x-ratelimit-remaining") == Some("0")
        && let Some(reset) =
            header(headers, "x-ratelimit-reset").and_then(|v| v.parse::<i64>().ok())
    {
        // One second past the reset: the reset second itself may still be refused.
        let wait = u64::try_from(reset.saturating_sub(now)).unwrap_or(0) + 1;
        return Some((wait, Reason::Reset, Some(reset)));
    }
    if status == 429 || body.to_ascii_lowercase().contains("secondary rate limit") {
        let wait = SECONDARY_WAIT_SECS.saturating_mul(1u64 << secondary_seen.min(4));
        return Some((wait, Reason::Secondary, None));
    }
    None
}

/// The `rel="next"` URL of a `Link` header (`<https://…?page=2>; rel="next", <…>; rel="last"`).
pub fn next_link(link: &str) -> Option<&str> {
    link.split(',').find_map(|part| {
        let (url, params) = part.trim().split_once(';')?;
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        params
            .split(';')
            .any(|p| {
                let p = p.trim().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            })
            .then_some(url)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn retry_after_then_reset_then_secondary() {
        let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(1_000_000));
        let h = headers(&[("retry-after", "30"), ("date", &date)]);
        assert_eq!(
            rate_limit_wait(429, &h, "", 0),
            Some((30, Reason::RetryAfter, None))
        );
        let h = headers(&[
            ("date", &date),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1000120"),
        ]);
        // Measured against the server's Date, not the local clock.
        assert_eq!(
            rate_limit_wait(403, &h, "", 0),
            Some((121, Reason::Reset, Some(1_000_120)))
        );
        let h = headers(&[("date", &date), ("x-ratelimit-remaining", "12")]);
        assert_eq!(
            rate_limit_wait(403, &h, "You have exceeded a secondary rate limit", 1),
            Some((120, Reason::Secondary, None))
        );
        assert_eq!(
            rate_limit_wait(429, &h, "", 0),
            Some((60, Reason::Secondary, None))
        );
        // A permission 403 is no rate limit; neither is any other status.
        assert_eq!(
            rate_limit_wait(403, &h, "Resource not accessible by integration", 0),
            None
        );
        assert_eq!(
            rate_limit_wait(500, &headers(&[("retry-after", "1")]), "", 0),
            None
        );
    }

    #[test]
    fn next_links() {
        let link = "<https://api.github.com/repositories/1/releases?page=2>; rel=\"next\", <https://api.github.com/repositories/1/releases?page=5>; rel=\"last\"";
        assert_eq!(
            next_link(link),
            Some("https://api.github.com/repositories/1/releases?page=2")
        );
        assert_eq!(next_link("<https://x/?page=1>; rel=\"prev\""), None);
        assert_eq!(next_link(""), None);
    }

    #[test]
    fn the_clock_knob_is_bounded() {
        assert_eq!(Clock::from_knob(Some("1")).second_ms, 1);
        assert_eq!(Clock::from_knob(Some("0")).second_ms, 1000);
        assert_eq!(Clock::from_knob(Some("5000")).second_ms, 1000);
        assert_eq!(Clock::from_knob(None).second_ms, 1000);
    }
}
