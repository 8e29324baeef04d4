//! Secrets inside distribution members: credentials with a known shape, found while the reader
//! streams each member (each byte seen once, in a bounded window; no member is held whole).
//!
//! One Aho-Corasick pass finds the anchors (`pypi-AgE`, `ghp_`, `AKIA`, `PRIVATE KEY`, ...); each
//! anchor is then checked against its format's structure: the macaroon inside a PyPI token, the
//! CRC-32 of a GitHub token, the body of a private key block, and an entropy floor where the
//! format has no checksum. A value is never kept whole: a [`Hit`] holds it redacted.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};
use base64::Engine as _;

/// How far past an anchor a value is looked for: the longest value recognised. Lines of any
/// length are scanned; a value longer than this is checked on its first 4 KiB.
pub const LOOKAHEAD: usize = 4096;
/// How far before an anchor its context is looked for (`-----BEGIN ` before `PRIVATE KEY`).
const LOOKBACK: usize = 64;

/// Every secret rule id, with what it finds (docs/chora-publish.md has the table).
pub const SECRET_RULES: &[&str] = &[
    PYPI,
    GITHUB,
    GITLAB,
    AWS_KEY_ID,
    AWS_SECRET,
    GOOGLE_KEY,
    GOOGLE_SERVICE_ACCOUNT,
    SLACK,
    PRIVATE_KEY,
    FILE_DOTENV,
    FILE_PYPIRC,
    FILE_NETRC,
    FILE_SSH_KEY,
];

pub const PYPI: &str = "secret/pypi-token";
pub const GITHUB: &str = "secret/github-token";
pub const GITLAB: &str = "secret/gitlab-token";
pub const AWS_KEY_ID: &str = "secret/aws-access-key";
pub const AWS_SECRET: &str = "secret/aws-secret-key";
pub const GOOGLE_KEY: &str = "secret/google-api-key";
pub const GOOGLE_SERVICE_ACCOUNT: &str = "secret/google-service-account";
pub const SLACK: &str = "secret/slack-token";
pub const PRIVATE_KEY: &str = "secret/private-key";
pub const FILE_DOTENV: &str = "secret/dotenv-file";
pub const FILE_PYPIRC: &str = "secret/pypirc-file";
pub const FILE_NETRC: &str = "secret/netrc-file";
pub const FILE_SSH_KEY: &str = "secret/ssh-key-file";

#[derive(Debug, Clone, Copy)]
enum Anchor {
    Pypi,
    GitHub,
    GitHubPat,
    GitLab,
    AwsKeyId,
    AwsContext,
    Google,
    Slack,
    SlackWebhook,
    PrivateKey,
    Putty,
    ServiceAccount,
    PrivateKeyField,
}

const ANCHORS: &[(&str, Anchor)] = &[
    ("pypi-AgE", Anchor::Pypi),
    ("ghp_", Anchor::GitHub),
    ("gho_", Anchor::GitHub),
    ("ghu_", Anchor::GitHub),
    ("ghs_", Anchor::GitHub),
    ("ghr_", Anchor::GitHub),
    ("github_pat_", Anchor::GitHubPat),
    ("glpat-", Anchor::GitLab),
    ("gldt-", Anchor::GitLab),
    ("glptt-", Anchor::GitLab),
    ("glrt-", Anchor::GitLab),
    ("gloas-", Anchor::GitLab),
    ("glcbt-", Anchor::GitLab),
    ("glft-", Anchor::GitLab),
    ("glimt-", Anchor::GitLab),
    ("glagent-", Anchor::GitLab),
    ("glsoat-", Anchor::GitLab),
    ("glffct-", Anchor::GitLab),
    ("GR1348941", Anchor::GitLab),
    ("AKIA", Anchor::AwsKeyId),
    ("ASIA", Anchor::AwsKeyId),
    ("ABIA", Anchor::AwsKeyId),
    ("ACCA", Anchor::AwsKeyId),
    ("A3T", Anchor::AwsKeyId),
    ("aws", Anchor::AwsContext),
    ("AWS", Anchor::AwsContext),
    ("Aws", Anchor::AwsContext),
    ("AIza", Anchor::Google),
    ("xox", Anchor::Slack),
    ("hooks.slack.com/services/", Anchor::SlackWebhook),
    ("PRIVATE KEY", Anchor::PrivateKey),
    ("PuTTY-User-Key-File-", Anchor::Putty),
    ("\"service_account\"", Anchor::ServiceAccount),
    ("\"private_key\"", Anchor::PrivateKeyField),
];

static MATCHER: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostFirst)
        .build(ANCHORS.iter().map(|(p, _)| p))
        .ok()
});

/// One secret found: the rule, the 1-based line, and the value redacted (its first 4
/// characters and `…`), or a description where the value is a key block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub rule: &'static str,
    pub line: u64,
    pub shown: String,
    pub what: &'static str,
}

/// The first 4 characters of a value and `…`: enough to find it, never enough to use it.
pub fn redact(value: &[u8]) -> String {
    let head: String = String::from_utf8_lossy(&value[..value.len().min(4)])
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    format!("{head}…")
}

/// Scans one member at a time, in a window of bounded size.
#[derive(Default)]
pub struct Scanner {
    win: Vec<u8>,
    /// Match starts before this index of `win` were looked at (and their lines counted).
    done: usize,
    /// The 1-based line of `win[done]`.
    line: u64,
    hits: Vec<Hit>,
    service_account: Option<u64>,
    private_key_field: bool,
    active: bool,
}

impl Scanner {
    /// Start a member.
    pub fn start(&mut self) {
        self.win.clear();
        self.done = 0;
        self.line = 1;
        self.service_account = None;
        self.private_key_field = false;
        self.active = true;
    }

    /// The next bytes of the member.
    pub fn data(&mut self, chunk: &[u8]) {
        if !self.active {
            return;
        }
        self.win.extend_from_slice(chunk);
        if self.win.len() < self.done + 2 * LOOKAHEAD {
            return;
        }
        let limit = self.win.len() - LOOKAHEAD;
        self.scan(limit);
        let cut = limit.saturating_sub(LOOKBACK);
        self.win.drain(..cut);
        self.done = limit - cut;
    }

    /// The member is complete: its hits, in order.
    pub fn finish(&mut self) -> Vec<Hit> {
        if self.active {
            self.scan(self.win.len());
        }
        self.active = false;
        if let (Some(line), true) = (self.service_account, self.private_key_field) {
            self.hits.push(Hit {
                rule: GOOGLE_SERVICE_ACCOUNT,
                line,
                shown: "\"type\": \"service_account\" with a \"private_key\"".into(),
                what: "a Google Cloud service-account key file",
            });
        }
        self.win.clear();
        self.win
            .shrink_to(2 * LOOKAHEAD + super::super::dist::CHUNK_SIZE);
        std::mem::take(&mut self.hits)
    }

    /// Look at every anchor starting in `win[done..limit]`, counting lines up to `limit`.
    fn scan(&mut self, limit: usize) {
        let Some(matcher) = MATCHER.as_ref() else {
            return;
        };
        let mut counted = self.done;
        let input = Input::new(&self.win[..]).span(self.done..self.win.len());
        let mut found = Vec::new();
        for m in matcher.find_iter(input) {
            if m.start() >= limit {
                break;
            }
            found.push((m.start(), m.end(), m.pattern().as_usize()));
        }
        for (start, end, pattern) in found {
            self.line += newlines(&self.win[counted..start]);
            counted = start;
            let Some((_, anchor)) = ANCHORS.get(pattern) else {
                continue;
            };
            if let Some(hit) = self.check(*anchor, start, end) {
                self.hits.push(hit);
            }
        }
        self.line += newlines(&self.win[counted..limit]);
        self.done = limit;
    }

    fn check(&mut self, anchor: Anchor, start: usize, end: usize) -> Option<Hit> {
        let w = &self.win[..];
        let after = &w[start..w.len().min(start + LOOKAHEAD)];
        let before = start.checked_sub(1).and_then(|i| w.get(i)).copied();
        let line = self.line;
        let hit = |rule, value: &[u8], what| {
            Some(Hit {
                rule,
                line,
                shown: redact(value),
                what,
            })
        };
        match anchor {
            Anchor::Pypi => {
                let len = run(after, 5, |b| {
                    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
                });
                let value = &after[..5 + len];
                (len >= 50 && is_macaroon(&value[5..]))
                    .then(|| hit(PYPI, value, "a PyPI API token"))
                    .flatten()
            }
            Anchor::GitHub => {
                if before.is_some_and(is_word) {
                    return None;
                }
                let body = after.get(4..40)?;
                let next = after.get(40).copied();
                (body.iter().all(u8::is_ascii_alphanumeric)
                    && !next.is_some_and(is_word)
                    && github_checksum_ok(body))
                .then(|| hit(GITHUB, &after[..40], "a GitHub token"))
                .flatten()
            }
            Anchor::GitHubPat => {
                if before.is_some_and(is_word) {
                    return None;
                }
                let body = after.get(11..93)?;
                let shape = body[..22].iter().all(u8::is_ascii_alphanumeric)
                    && body[22] == b'_'
                    && body[23..].iter().all(u8::is_ascii_alphanumeric)
                    && !after.get(93).copied().is_some_and(is_word);
                (shape && entropy(body) >= 4.0)
                    .then(|| hit(GITHUB, &after[..93], "a GitHub fine-grained token"))
                    .flatten()
            }
            Anchor::GitLab => {
                if before.is_some_and(is_word) {
                    return None;
                }
                let prefix = end - start;
                let len = run(after, prefix, |b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
                });
                let body = &after[prefix..prefix + len];
                // A body holding another GitLab prefix is a table of them (a scanner's own,
                // as in chora-publish's binary), not a token.
                ((20..=128).contains(&len)
                    && entropy(body) >= 3.0
                    && mixed(body)
                    && !prefix_table(body))
                .then(|| hit(GITLAB, &after[..prefix + len], "a GitLab token"))
                .flatten()
            }
            Anchor::AwsKeyId => {
                if before.is_some_and(|b| b.is_ascii_alphanumeric()) {
                    return None;
                }
                let value = after.get(..20)?;
                let shape = value[4..]
                    .iter()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                    && !after.get(20).is_some_and(|b| b.is_ascii_alphanumeric());
                // AWS's documentation example (AKIAIOSFODNN7EXAMPLE) is not a key.
                (shape && !value.ends_with(b"EXAMPLE") && entropy(&value[4..]) >= 2.5)
                    .then(|| hit(AWS_KEY_ID, value, "an AWS access key id"))
                    .flatten()
            }
            Anchor::AwsContext => {
                // The first 40-character base64 run on the same line, within 100 bytes.
                let line_end = after
                    .iter()
                    .position(|&b| b == b'\n')
                    .unwrap_or(after.len());
                let near = &after[..line_end.min(120)];
                let mut i = end - start;
                while i < near.len() {
                    let is_b64 = |b: u8| b.is_ascii_alphanumeric() || b == b'/' || b == b'+';
                    let n = run(near, i, is_b64);
                    if n == 0 {
                        i += 1;
                        continue;
                    }
                    let value = &near[i..i + n];
                    if n == 40
                        && near.get(i + n) != Some(&b'=')
                        && entropy(value) >= 4.0
                        && value.iter().any(u8::is_ascii_uppercase)
                        && value.iter().any(u8::is_ascii_lowercase)
                        && value.iter().any(u8::is_ascii_digit)
                    {
                        return Some(Hit {
                            rule: AWS_SECRET,
                            line,
                            shown: redact(value),
                            what: "an AWS secret access key",
                        });
                    }
                    i += n;
                }
                None
            }
            Anchor::Google => {
                if before.is_some_and(is_word_dash) {
                    return None;
                }
                let value = after.get(..39)?;
                let shape = value[4..].iter().all(|&b| is_word_dash(b))
                    && !after.get(39).copied().is_some_and(is_word_dash);
                (shape && entropy(&value[4..]) >= 3.5)
                    .then(|| hit(GOOGLE_KEY, value, "a Google API key"))
                    .flatten()
            }
            Anchor::Slack => {
                if before.is_some_and(|b| b.is_ascii_alphanumeric()) {
                    return None;
                }
                if !matches!(after.get(3), Some(b'a' | b'b' | b'p' | b'o' | b's' | b'r'))
                    || after.get(4) != Some(&b'-')
                {
                    return None;
                }
                let len = run(after, 5, |b| b.is_ascii_alphanumeric() || b == b'-');
                let body = &after[5..5 + len];
                let groups: Vec<&[u8]> = body.split(|&b| b == b'-').collect();
                let numeric = groups
                    .iter()
                    .take(groups.len().saturating_sub(1))
                    .filter(|g| !g.is_empty() && g.iter().all(u8::is_ascii_digit))
                    .count();
                let last = groups.last().copied().unwrap_or_default();
                (numeric >= 1 && last.len() >= 8 && len >= 20 && entropy(last) >= 3.0)
                    .then(|| hit(SLACK, &after[..5 + len], "a Slack token"))
                    .flatten()
            }
            Anchor::SlackWebhook => {
                let prefix = end - start;
                let len = run(after, prefix, |b| b.is_ascii_alphanumeric() || b == b'/');
                let parts: Vec<&[u8]> = after[prefix..prefix + len].split(|&b| b == b'/').collect();
                let ok = parts.len() >= 3
                    && parts[0].first() == Some(&b'T')
                    && parts[0].len() >= 9
                    && parts[1].first() == Some(&b'B')
                    && parts[1].len() >= 9
                    && parts[2].len() >= 20;
                ok.then(|| {
                    hit(
                        SLACK,
                        &after[prefix..prefix + len],
                        "a Slack incoming-webhook URL",
                    )
                })
                .flatten()
            }
            Anchor::PrivateKey => self.private_key(start, end),
            Anchor::Putty => {
                let rest = &after[end - start..];
                (rest.first().is_some_and(u8::is_ascii_digit) && rest.get(1) == Some(&b':')).then(
                    || Hit {
                        rule: PRIVATE_KEY,
                        line,
                        shown: "PuTTY-User-Key-File".into(),
                        what: "a PuTTY private key file",
                    },
                )
            }
            Anchor::ServiceAccount => {
                // `"type": "service_account"`.
                let head = &w[start.saturating_sub(LOOKBACK)..start];
                let trimmed = trim_end(head);
                let trimmed = trimmed.strip_suffix(b":").map(trim_end)?;
                if trimmed.ends_with(b"\"type\"") && self.service_account.is_none() {
                    self.service_account = Some(line);
                }
                None
            }
            Anchor::PrivateKeyField => {
                let rest = trim_start(&after[end - start..]);
                let rest = rest.strip_prefix(b":").map(trim_start)?;
                if rest.starts_with(b"\"-----BEGIN") {
                    self.private_key_field = true;
                }
                None
            }
        }
    }

    /// `-----BEGIN [KIND ]PRIVATE KEY[ BLOCK]-----` followed by a base64 body (after optional
    /// header lines), with real or `\n`-escaped line breaks.
    fn private_key(&self, start: usize, end: usize) -> Option<Hit> {
        let w = &self.win[..];
        let head = &w[start.saturating_sub(LOOKBACK)..start];
        let at = find(head, b"BEGIN ")?;
        let kind = &head[at + 6..];
        if !kind
            .iter()
            .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
        {
            return None;
        }
        if !head[..at].ends_with(b"-----") {
            return None;
        }
        let mut rest = &w[end..w.len().min(end + LOOKAHEAD)];
        rest = rest.strip_prefix(b" BLOCK").unwrap_or(rest);
        rest = rest.strip_prefix(b"-----")?;
        let body_found = rest
            .split(|&b| b == b'\n')
            .flat_map(|l| split_escaped_newlines(l))
            .take(12)
            .any(|l| {
                let l = trim_end(l);
                l.len() >= 40
                    && l.iter()
                        .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
            });
        if !body_found {
            return None;
        }
        let what = match kind {
            b"RSA " => "an RSA private key block",
            b"EC " => "an EC private key block",
            b"DSA " => "a DSA private key block",
            b"OPENSSH " => "an OpenSSH private key block",
            b"PGP " => "a PGP private key block",
            b"ENCRYPTED " => "an encrypted private key block",
            _ => "a private key block",
        };
        Some(Hit {
            rule: PRIVATE_KEY,
            line: self.line,
            shown: format!("-----BEGIN {}PRIVATE KEY", String::from_utf8_lossy(kind)),
            what,
        })
    }
}

/// The secret rule for a member's file name, if the name alone is one (`.env`, `.pypirc`,
/// `.netrc`, an SSH private key file).
pub fn file_rule(member: &str) -> Option<(&'static str, &'static str)> {
    let base = member.rsplit('/').next().unwrap_or(member);
    let lower = base.to_ascii_lowercase();
    if lower == ".env"
        || (lower.starts_with(".env.")
            && !matches!(
                lower.as_str(),
                ".env.example" | ".env.sample" | ".env.template" | ".env.dist" | ".env.defaults"
            ))
    {
        return Some((
            FILE_DOTENV,
            "a .env file (environment variables, often credentials)",
        ));
    }
    if lower == ".pypirc" {
        return Some((FILE_PYPIRC, "a .pypirc file (package index credentials)"));
    }
    if lower == ".netrc" || lower == "_netrc" {
        return Some((FILE_NETRC, "a .netrc file (login credentials)"));
    }
    let key_names = [
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        "id_ecdsa_sk",
        "id_ed25519_sk",
    ];
    if key_names.contains(&lower.as_str()) {
        return Some((FILE_SSH_KEY, "an SSH private key file"));
    }
    None
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_word_dash(b: u8) -> bool {
    is_word(b) || b == b'-'
}

/// How many bytes from `from` satisfy `ok`.
fn run(bytes: &[u8], from: usize, ok: impl Fn(u8) -> bool) -> usize {
    bytes
        .get(from..)
        .map_or(0, |rest| rest.iter().take_while(|&&b| ok(b)).count())
}

/// Line breaks in `bytes` (memchr's vectorised count: the scanner counts every byte's line).
fn newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn trim_end(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_whitespace())
        .count();
    &b[..b.len() - n]
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

/// Split at the two characters `\n` (a key inside a JSON or Python string).
fn split_escaped_newlines(line: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.windows(2).position(|w| w == b"\\n") {
        out.push(&rest[..at]);
        rest = &rest[at + 2..];
    }
    out.push(rest);
    out
}

/// Shannon entropy in bits per byte.
pub fn entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Whether `body` reads as a table of token prefixes (a scanner's own, as in chora-publish's
/// binary) rather than a token: it holds a GitLab prefix, or two anchors of any kind.
fn prefix_table(body: &[u8]) -> bool {
    let gitlab = ANCHORS
        .iter()
        .filter(|(_, a)| matches!(a, Anchor::GitLab))
        .any(|(p, _)| body.windows(p.len()).any(|w| w == p.as_bytes()));
    gitlab
        || MATCHER
            .as_ref()
            .is_some_and(|m| m.find_iter(body).take(2).count() >= 2)
}

/// Letters and digits both present (a random token, not a word or a number).
fn mixed(bytes: &[u8]) -> bool {
    bytes.iter().any(u8::is_ascii_alphabetic) && bytes.iter().any(u8::is_ascii_digit)
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The 6 base62 characters GitHub appends to a token: the CRC-32 of its 30 random characters.
pub fn github_checksum(random: &[u8]) -> [u8; 6] {
    let mut n = crc32fast::hash(random);
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

fn github_checksum_ok(body: &[u8]) -> bool {
    body.len() == 36 && github_checksum(&body[..30]) == body[30..]
}

/// A PyPI token's payload (after `pypi-`) is a version-2 macaroon: version byte 2, fields of
/// (type, length, data) in sections closed by end-of-section markers, an identifier, and a
/// 32-byte signature last.
pub fn is_macaroon(payload: &[u8]) -> bool {
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    // Tokens are unpadded base64url: a last group of 2 or 3 characters is whole; a single
    // character left over cannot be base64, so it is not part of the token.
    let usable = if payload.len() % 4 == 1 {
        payload.len() - 1
    } else {
        payload.len()
    };
    let Ok(bytes) = engine.decode(&payload[..usable]) else {
        return false;
    };
    parse_macaroon(&bytes).is_some()
}

fn varint(b: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*at)?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// One field: `Some(None)` for an end-of-section marker.
fn field<'a>(b: &'a [u8], at: &mut usize) -> Option<Option<(u64, &'a [u8])>> {
    let kind = varint(b, at)?;
    if kind == 0 {
        return Some(None);
    }
    let len = usize::try_from(varint(b, at)?).ok()?;
    let data = b.get(*at..at.checked_add(len)?)?;
    *at += len;
    Some(Some((kind, data)))
}

fn parse_macaroon(b: &[u8]) -> Option<()> {
    if b.first() != Some(&2) {
        return None;
    }
    let mut at = 1;
    // Header: optional location (1), identifier (2), end of section.
    let mut identifier = false;
    while let Some((kind, data)) = field(b, &mut at)? {
        match kind {
            1 => std::str::from_utf8(data).ok().map(|_| ())?,
            2 => identifier = !data.is_empty(),
            _ => return None,
        }
    }
    if !identifier {
        return None;
    }
    // Caveats, each closed by an end of section; an empty section ends the list.
    loop {
        let mut fields = 0;
        while let Some((kind, _)) = field(b, &mut at)? {
            if !matches!(kind, 1 | 2 | 4) {
                return None;
            }
            fields += 1;
        }
        if fields == 0 {
            break;
        }
    }
    let (kind, signature) = field(b, &mut at)??;
    (kind == 6 && signature.len() == 32).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &[u8], chunk: usize) -> Vec<Hit> {
        let mut s = Scanner::default();
        s.start();
        for c in text.chunks(chunk.max(1)) {
            s.data(c);
        }
        s.finish()
    }

    /// A version-2 macaroon: location, identifier, one caveat, a 32-byte signature.
    fn macaroon(signature_byte: u8) -> Vec<u8> {
        let mut m = vec![2u8, 1, 8];
        m.extend_from_slice(b"pypi.org");
        m.extend_from_slice(&[2, 4, 1, 2, 3, 4, 0, 2, 3]);
        m.extend_from_slice(b"abc");
        m.extend_from_slice(&[0, 0, 6, 32]);
        m.extend_from_slice(&[signature_byte; 32]);
        m
    }

    #[test]
    fn pypi_tokens_are_unpadded_macaroons_of_any_length() {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        // 64, 65 and 66 bytes: no remainder, and the 3- and 2-character last groups that
        // unpadded base64 ends with.
        for extra in 0..3 {
            let mut m = macaroon(7);
            let location = b"pypi.org".len() + extra;
            m[2] = location as u8;
            for _ in 0..extra {
                m.insert(3, b'x');
            }
            let text = b64.encode(&m);
            assert!(is_macaroon(text.as_bytes()), "{} bytes: {text}", m.len());
            // One signature byte short: not a macaroon.
            let short = b64.encode(&m[..m.len() - 1]);
            assert!(!is_macaroon(short.as_bytes()), "{short}");
        }
    }

    #[test]
    fn a_github_token_across_windows_is_found_once_with_its_line() {
        let random = b"abcdefghijABCDEFGHIJ0123456789";
        let token = [b"ghp_".as_slice(), random, &github_checksum(random)].concat();
        let mut text = b"x\n".repeat(5000);
        text.extend_from_slice(b"token = '");
        text.extend_from_slice(&token);
        text.extend_from_slice(b"'\n");
        text.extend(b"y\n".repeat(5000));
        for chunk in [1, 7, 4096, 10_000, 1 << 20] {
            let hits = scan(&text, chunk);
            assert_eq!(hits.len(), 1, "chunk {chunk}");
            assert_eq!(hits[0].line, 5001, "chunk {chunk}");
            assert_eq!(hits[0].shown, "ghp_…");
        }
        // One changed checksum character: not a token.
        let mut bad = token.clone();
        bad[39] = if bad[39] == b'a' { b'b' } else { b'a' };
        assert!(scan(&bad, 64).is_empty());
    }
}
