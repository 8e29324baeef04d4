//! A tiny DER writer (just what certificates, CSRs and SCTs need), PEM in the exact form
//! `cryptography` writes (64 columns, LF, trailing newline), and UTC time formatting.

use super::super::util::{b64, b64_decode};

/// Tag-length-value with a definite DER length.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

/// SEQUENCE of already-encoded parts.
pub fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// SET of already-encoded parts (callers give them in DER order).
pub fn set(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x31, &parts.concat())
}

/// Context-specific constructed `[n]` (explicit tagging).
pub fn explicit(n: u8, content: &[u8]) -> Vec<u8> {
    tlv(0xa0 | n, content)
}

/// OBJECT IDENTIFIER from dotted text.
pub fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted
        .split('.')
        .map(|a| a.parse().expect("OID arc"))
        .collect();
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            groups.push(0x80 | (rest & 0x7f) as u8);
            rest >>= 7;
        }
        groups.reverse();
        body.extend_from_slice(&groups);
    }
    tlv(0x06, &body)
}

/// INTEGER from unsigned big-endian bytes.
pub fn uint(be: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = be.iter().copied().skip_while(|b| *b == 0).collect();
    if v.is_empty() || v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    tlv(0x02, &v)
}

pub fn int(n: u64) -> Vec<u8> {
    uint(&n.to_be_bytes())
}

pub fn boolean(b: bool) -> Vec<u8> {
    tlv(0x01, &[if b { 0xff } else { 0 }])
}

pub fn octets(b: &[u8]) -> Vec<u8> {
    tlv(0x04, b)
}

pub fn utf8(s: &str) -> Vec<u8> {
    tlv(0x0c, s.as_bytes())
}

/// BIT STRING with no unused bits.
pub fn bits(b: &[u8]) -> Vec<u8> {
    let mut v = vec![0];
    v.extend_from_slice(b);
    tlv(0x03, &v)
}

/// An `Extension` (critical only encoded when true, as DER demands).
pub fn extension(oid_text: &str, critical: bool, value: &[u8]) -> Vec<u8> {
    let mut parts = vec![oid(oid_text)];
    if critical {
        parts.push(boolean(true));
    }
    parts.push(octets(value));
    seq(&parts)
}

/// A `Name` with organization and common name (UTF8String).
pub fn name(organization: &str, common_name: &str) -> Vec<u8> {
    let rdn = |o: &str, v: &str| set(&[seq(&[oid(o), utf8(v)])]);
    seq(&[rdn("2.5.4.10", organization), rdn("2.5.4.3", common_name)])
}

/// (year, month, day, hour, minute, second) of a Unix time.
pub fn civil(unix: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (secs / 3600) as u32,
        (secs % 3600 / 60) as u32,
        (secs % 60) as u32,
    )
}

/// UTCTime (`YYMMDDHHMMSSZ`; valid for 1950..2050).
pub fn utc_time(unix: i64) -> Vec<u8> {
    let (y, mo, d, h, mi, s) = civil(unix);
    let text = format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z", y % 100);
    tlv(0x17, text.as_bytes())
}

/// RFC 3339 `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(unix: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(unix);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// PEM with 64-column base64, LF line ends and a trailing newline.
pub fn pem(label: &str, der: &[u8]) -> String {
    let body = b64(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The DER inside the first PEM block labelled `label`.
pub fn pem_decode(text: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text.get(start..)?.find(&end)?;
    let body: String = text
        .get(start..stop)?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    b64_decode(&body)
}
