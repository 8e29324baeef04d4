//! `name/look-alike`: a first release whose PEP 503 name is a few edits away from a popular
//! PyPI project (typosquatting, or an honest name users will mistype).
//!
//! The popular projects are bundled (data/popular-pypi-projects.tsv: the 5,000 most-downloaded
//! PyPI projects, late 2026). The distance is the optimal-string-alignment Damerau–Levenshtein
//! distance (insert, delete, substitute, swap two neighbours) between normalised names. Short
//! names need care: within 2 edits of a 4-letter name lies most of the 4-letter alphabet, so
//! the allowed distance depends on the shorter of the two names ([`max_distance`]):
//! 1–3 characters never match; 4–5 characters match only by the typos that make squats of
//! short names (a letter left out, doubled or added, two neighbours swapped — never a
//! substitution and never at the first letter, which turn ordinary words into other ordinary
//! words: `lint`/`pint`, `graph`/`igraph`), see [`short_typo`]; 6–7 characters match at distance
//! 1, 8 and more at distance 2.
//! A name that *is* a popular project (exactly, after normalisation) is never a look-alike.
//!
//! "First release" needs the index: a project the index has no file for. Without an index the
//! rule is skipped (the caller says so); with one, projects that already exist are left alone.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use super::super::dist::{self, Dist};
use super::super::index::Existing;
use super::{Finding, Severity};

/// The rule id.
pub const RULE: &str = "name/look-alike";

/// data/popular-pypi-projects.tsv: `rank<TAB>name`, `#` comments and a header line.
const POPULAR_TSV: &str = include_str!("../../../data/popular-pypi-projects.tsv");

/// One popular project: its normalised name and download rank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Popular {
    pub name: String,
    pub rank: u32,
}

/// The bundled popular projects, normalised, in rank order.
pub fn popular() -> &'static [Popular] {
    static LIST: OnceLock<Vec<Popular>> = OnceLock::new();
    LIST.get_or_init(|| {
        POPULAR_TSV
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (rank, name) = l.split_once('\t')?;
                Some(Popular {
                    name: dist::normalize_name(name.trim()),
                    rank: rank.trim().parse().ok()?,
                })
            })
            .collect()
    })
}

fn popular_set() -> &'static BTreeSet<&'static str> {
    static SET: OnceLock<BTreeSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| popular().iter().map(|p| p.name.as_str()).collect())
}

/// The largest distance at which two names count as look-alikes, by the shorter name's length
/// in characters (0: never).
pub fn max_distance(shorter: usize) -> usize {
    match shorter {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Optimal-string-alignment distance between `a` and `b`, or `None` when it exceeds `limit`
/// (checked cheaply on the lengths first, then row by row).
pub fn distance_within(a: &[u8], b: &[u8], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let width = b.len() + 1;
    let mut before: Vec<usize> = vec![0; width];
    let mut prev: Vec<usize> = (0..width).collect();
    let mut cur: Vec<usize> = vec![0; width];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[b.len()]).filter(|d| *d <= limit)
}

/// For short names: `a` and `b` differ by one character inserted or deleted, or by two
/// neighbouring characters swapped, at any position but the first.
pub fn short_typo(a: &[u8], b: &[u8]) -> bool {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    match long.len() - short.len() {
        1 => {
            // The first position where they differ is the inserted character.
            let at = long
                .iter()
                .zip(short)
                .position(|(x, y)| x != y)
                .unwrap_or(short.len());
            at > 0 && long[at + 1..] == short[at..]
        }
        0 => {
            let Some(at) = a.iter().zip(b).position(|(x, y)| x != y) else {
                return false;
            };
            at > 0
                && at + 1 < a.len()
                && a[at] == b[at + 1]
                && a[at + 1] == b[at]
                && a[at + 2..] == b[at + 2..]
        }
        _ => false,
    }
}

/// The popular project `name` (any form) looks like, with the distance: the closest, then the
/// most downloaded. `None` when `name` is itself popular or nothing is close enough.
pub fn look_alike(name: &str) -> Option<(&'static Popular, usize)> {
    let normalized = dist::normalize_name(name);
    if popular_set().contains(normalized.as_str()) {
        return None;
    }
    let n = normalized.as_bytes();
    let mut best: Option<(&'static Popular, usize)> = None;
    for p in popular() {
        let limit = max_distance(n.len().min(p.name.len()));
        if limit == 0 {
            continue;
        }
        if n.len().min(p.name.len()) <= 5 {
            if best.is_none() && short_typo(n, p.name.as_bytes()) {
                best = Some((p, 1));
                break;
            }
            continue;
        }
        let limit = match best {
            Some((_, d)) => limit.min(d.saturating_sub(1)),
            None => limit,
        };
        if limit == 0 {
            continue;
        }
        if let Some(d) = distance_within(n, p.name.as_bytes(), limit) {
            best = Some((p, d));
            if d == 1 {
                break;
            }
        }
    }
    best
}

/// `name/look-alike` warnings for the batch: one per new project (the first file of it), only
/// for projects the index has no file for.
pub fn findings(dists: &[Dist], existing: &Existing) -> Vec<Finding> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for d in dists {
        let project = &d.filename.normalized_name;
        if !seen.insert(project.clone()) {
            continue;
        }
        if existing
            .projects
            .get(project)
            .is_some_and(|f| !f.is_empty())
        {
            continue;
        }
        let Some((p, distance)) = look_alike(project) else {
            continue;
        };
        let edits = if distance == 1 { "edit" } else { "edits" };
        out.push(Finding {
            rule: RULE,
            severity: Severity::Warning,
            file: d.path.display().to_string(),
            member: None,
            line: None,
            message: format!(
                "{project} is a first release and its name is {distance} {edits} from {}, \
                 the #{} most-downloaded project on PyPI; users who mistype one get the other",
                p.name, p.rank
            ),
            fix: Some(format!(
                "if {project} is meant, go on (this is a warning); if you meant {}, fix the name \
                 in pyproject.toml ([project] name) and rebuild",
                p.name
            )),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        let d = |a: &str, b: &str| distance_within(a.as_bytes(), b.as_bytes(), 2);
        assert_eq!(d("requests", "requests"), Some(0));
        assert_eq!(d("reqeusts", "requests"), Some(1));
        assert_eq!(d("requets", "requests"), Some(1));
        assert_eq!(d("requestss", "requests"), Some(1));
        assert_eq!(d("rqeuets", "requests"), Some(2));
        assert_eq!(d("flask", "django"), None);
        assert_eq!(d("ab", "abcde"), None);
    }

    #[test]
    fn short_typos() {
        let t = |a: &str, b: &str| short_typo(a.as_bytes(), b.as_bytes());
        assert!(t("nmpy", "numpy") && t("numpy", "nmpy") && t("numpyy", "numpy"));
        assert!(t("nupmy", "numpy"));
        assert!(!t("unmpy", "numpy"), "first letter");
        assert!(!t("jumpy", "numpy") && !t("numpy", "numpy") && !t("ujson", "json"));
    }

    #[test]
    fn the_bundled_list_loads() {
        let list = popular();
        assert_eq!(list.len(), 5000);
        assert_eq!(list[0].rank, 1);
        assert!(list.iter().all(|p| p.name == dist::normalize_name(&p.name)));
    }

    #[test]
    fn look_alikes_and_not() {
        assert_eq!(
            look_alike("reqeusts").map(|(p, d)| (p.name.as_str(), d)),
            Some(("requests", 1))
        );
        assert_eq!(
            look_alike("Python_DateUtil").map(|(p, _)| p.name.as_str()),
            None
        );
        assert_eq!(
            look_alike("pythondateutil").map(|(p, _)| p.name.as_str()),
            Some("python-dateutil")
        );
        assert!(look_alike("requests").is_none());
        // Short names: "six" has thousands of 2-edit neighbours; none counts.
        assert!(look_alike("sux").is_none());
        assert_eq!(
            look_alike("nmpy").map(|(p, _)| p.name.as_str()),
            Some("numpy")
        );
        assert_eq!(
            look_alike("nupmy").map(|(p, _)| p.name.as_str()),
            Some("numpy")
        );
        assert!(look_alike("lint").is_none(), "pint: a substitution");
        assert!(look_alike("graph").is_none(), "igraph: at the first letter");
        assert!(look_alike("chora-cli").is_none());
    }
}
