//! The one retry helper of chora-publish, on `backon`: exponential backoff with jitter,
//! bounded attempts, and a server's `Retry-After` (seconds or an HTTP date) honoured, capped.
//! Every network call (OIDC token, audience, mint, burn, index, upload) goes through [`run`].

use std::cell::Cell;
use std::future::Future;
use std::time::{Duration, SystemTime};

use backon::{ExponentialBuilder, Retryable as _};

/// The longest `Retry-After` honoured; a longer one waits this long.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Attempts in all (the first one included), at least 1.
    pub attempts: u32,
    /// The first backoff delay (doubled each retry, with jitter).
    pub base: Duration,
    /// The longest backoff delay.
    pub max: Duration,
    /// The retry budget: no wait that would end after this instant is begun, so no retry
    /// starts after it (`None`: no budget).
    pub deadline: Option<std::time::Instant>,
}

impl Policy {
    /// `attempts` attempts, backoff from `base` up to 30 × `base`.
    pub fn new(attempts: u32, base: Duration) -> Self {
        Policy {
            attempts: attempts.max(1),
            base,
            max: base.saturating_mul(30),
            deadline: None,
        }
    }

    /// The same, with a retry budget of `budget` from now.
    pub fn with_budget(mut self, budget: Duration) -> Self {
        self.deadline = std::time::Instant::now().checked_add(budget);
        self
    }

    /// Whether waiting `wait` from now stays within the budget.
    fn allows(&self, wait: Duration) -> bool {
        match self.deadline {
            None => true,
            Some(deadline) => std::time::Instant::now()
                .checked_add(wait)
                .is_some_and(|end| end <= deadline),
        }
    }
}

/// Whether a failed attempt is worth another one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Again {
    /// No: the answer will not change (a 4xx, a bad reply).
    No,
    /// Yes, after the backoff delay (transport errors, 5xx without Retry-After).
    Backoff,
    /// Yes, after what the server asked for (`Retry-After`).
    After(Duration),
}

/// One failed attempt: the error, and whether to try again.
#[derive(Debug)]
pub struct Failed<E> {
    pub error: E,
    pub again: Again,
}

impl<E> Failed<E> {
    /// A failure not worth retrying.
    pub fn fatal(error: E) -> Self {
        Failed {
            error,
            again: Again::No,
        }
    }

    /// A failure worth retrying after the backoff.
    pub fn transient(error: E) -> Self {
        Failed {
            error,
            again: Again::Backoff,
        }
    }
}

/// The result of [`run`] and how many attempts it took.
#[derive(Debug)]
pub struct Finished<T, E> {
    pub result: Result<T, E>,
    pub attempts: u32,
}

/// Run `op` (called with the 1-based attempt number) until it succeeds, fails for good, or
/// the policy's attempts run out.
pub async fn run<T, E, F, Fut>(policy: &Policy, mut op: F) -> Finished<T, E>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, Failed<E>>>,
{
    let count = Cell::new(0u32);
    let backoff = ExponentialBuilder::default()
        .with_min_delay(policy.base)
        .with_max_delay(policy.max)
        .with_max_times(policy.attempts.saturating_sub(1) as usize)
        .with_jitter();
    let result = (|| {
        count.set(count.get() + 1);
        op(count.get())
    })
    .retry(backoff)
    .when(|f: &Failed<E>| f.again != Again::No)
    .adjust(|f: &Failed<E>, next: Option<Duration>| {
        let wait = match f.again {
            // `next` is None once the attempts are used up: then stop, whatever the server says.
            Again::After(wait) => next.map(|_| wait.min(MAX_RETRY_AFTER)),
            _ => next,
        };
        // Out of budget: stop now rather than wait past it.
        wait.filter(|w| policy.allows(*w))
    })
    .await;
    Finished {
        result: result.map_err(|f| f.error),
        attempts: count.get(),
    }
}

/// Whether an HTTP status is worth retrying: 408, 429 and 5xx.
pub fn retryable_status(status: u16) -> bool {
    status == 408 || status == 429 || (500..600).contains(&status)
}

/// What to do after a response with this status and headers: [`Again::No`] for a status not
/// worth retrying, else the `Retry-After` wait if the server gave one, else the backoff.
pub fn again_for(status: u16, headers: &reqwest::header::HeaderMap) -> Again {
    if !retryable_status(status) {
        return Again::No;
    }
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()))
        .map_or(Again::Backoff, Again::After)
}

/// A `Retry-After` value: delay-seconds (`120`) or an HTTP date (`Fri, 31 Dec 1999 23:59:59
/// GMT`, RFC 9110 §10.2.3), as a wait from `now` (a date in the past is no wait).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(42));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(42))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(42));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn statuses_worth_retrying() {
        let retried = [408, 429, 500, 502, 503, 504];
        let not = [200, 400, 401, 403, 404, 409, 422];
        assert_eq!(
            retried.iter().filter(|s| retryable_status(**s)).count(),
            retried.len()
        );
        assert_eq!(not.iter().filter(|s| retryable_status(**s)).count(), 0);
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn stops_after_the_attempts_and_on_a_fatal_failure() {
        let policy = Policy::new(3, Duration::from_millis(1));
        let done: Finished<(), &str> =
            runtime().block_on(run(&policy, |_| async { Err(Failed::transient("down")) }));
        assert_eq!(done.attempts, 3);
        assert_eq!(done.result, Err("down"));
        let done: Finished<(), &str> =
            runtime().block_on(run(&policy, |_| async { Err(Failed::fatal("no")) }));
        assert_eq!(done.attempts, 1);
        let done: Finished<u32, &str> = runtime().block_on(run(&policy, |n| async move {
            if n < 2 {
                Err(Failed::transient("once"))
            } else {
                Ok(n)
            }
        }));
        assert_eq!((done.result, done.attempts), (Ok(2), 2));
    }

    #[test]
    fn waits_what_the_server_asks() {
        let policy = Policy::new(2, Duration::from_millis(1));
        let start = std::time::Instant::now();
        let done: Finished<(), &str> = runtime().block_on(run(&policy, |_| async {
            Err(Failed {
                error: "busy",
                again: Again::After(Duration::from_millis(300)),
            })
        }));
        assert_eq!(done.attempts, 2);
        assert!(start.elapsed() >= Duration::from_millis(300));
    }

    #[test]
    fn no_retry_waits_past_the_budget() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        // Retry-After 100000 s is capped at 300 s, and 300 s is past a 1 s budget: one attempt.
        let policy = Policy::new(5, Duration::from_millis(1)).with_budget(Duration::from_secs(1));
        let started = std::time::Instant::now();
        let done: Finished<(), &str> = runtime.block_on(run(&policy, |_| async {
            Err(Failed {
                error: "busy",
                again: Again::After(Duration::from_secs(100_000)),
            })
        }));
        assert_eq!(done.attempts, 1);
        assert!(started.elapsed() < Duration::from_secs(1));
        // Short backoffs within the budget are still retried.
        let done: Finished<(), &str> =
            runtime.block_on(run(&policy, |_| async { Err(Failed::transient("reset")) }));
        assert_eq!(done.attempts, 5);
    }
}
