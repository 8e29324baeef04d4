//! The content checks of one distribution, as an [`Inspect`]or of the archive reader: every
//! member's name goes to the stray-content rules, its bytes to the secret scanner, in the one
//! pass that also hashes them. Findings come out when the file is done.

use std::collections::BTreeMap;
use std::path::Path;

use super::finding::{Finding, Severity};
use super::report::{VetOptions, Waived};
use super::secrets::{self, Hit, Scanner};
use super::stray::{self, Backend, Stray};
use crate::publish::dist::members::Inspect;
use crate::publish::dist::{DistFilename, DistKind};

/// The largest pyproject.toml / WHEEL read for the backend's name.
const MAX_BUILD_FILE: usize = 256 * 1024;

/// One stray rule's first member and how many more members it applies to.
struct StrayGroup {
    stray: Stray,
    member: String,
    more: usize,
}

/// The content checks of one file, fed by the reader.
pub struct Content<'a> {
    file: String,
    kind: DistKind,
    /// An sdist's top folder with its `/` (empty for a wheel).
    root: String,
    options: &'a VetOptions,
    scanner: Scanner,
    member: String,
    scanning: bool,
    capture: Option<Vec<u8>>,
    pyproject: Option<Vec<u8>>,
    wheel_file: Option<Vec<u8>>,
    strays: BTreeMap<&'static str, StrayGroup>,
    /// Secrets: (member, hit; `line` 0 when the file name is the finding).
    hits: Vec<(String, Hit)>,
}

impl<'a> Content<'a> {
    pub fn new(path: &Path, filename: &DistFilename, options: &'a VetOptions) -> Self {
        Content {
            file: path.display().to_string(),
            kind: filename.kind,
            root: match filename.kind {
                DistKind::Sdist => format!("{}/", filename.stem()),
                DistKind::Wheel => String::new(),
            },
            options,
            scanner: Scanner::default(),
            member: String::new(),
            scanning: false,
            capture: None,
            pyproject: None,
            wheel_file: None,
            strays: BTreeMap::new(),
            hits: Vec::new(),
        }
    }

    fn inner<'m>(&self, member: &'m str) -> &'m str {
        member.strip_prefix(self.root.as_str()).unwrap_or(member)
    }

    /// The build backend the file names: an sdist's pyproject.toml `[build-system]`, a wheel's
    /// WHEEL `Generator`.
    pub fn backend(&self) -> Option<Backend> {
        if let Some(bytes) = &self.pyproject {
            let text = String::from_utf8_lossy(bytes);
            let doc = toml_edit::Document::parse(text.as_ref()).ok()?;
            let value = doc
                .as_table()
                .get("build-system")?
                .get("build-backend")?
                .as_str()?
                .to_string();
            return Some(Backend::from_text(&value));
        }
        let text = String::from_utf8_lossy(self.wheel_file.as_deref()?).into_owned();
        text.lines()
            .find_map(|l| l.strip_prefix("Generator:"))
            .map(Backend::from_text)
    }

    /// Every finding, and the secret findings an `--allow-secret` waived.
    pub fn into_findings(self) -> (Vec<Finding>, Vec<Waived>) {
        let backend = self.backend().unwrap_or(Backend::Unknown);
        let mut findings = Vec::new();
        let mut waived = Vec::new();
        for (member, hit) in &self.hits {
            let inner = self.inner(member);
            let file_rule = hit.line == 0;
            let message = if file_rule {
                format!("{}: the file must not be published", hit.what)
            } else {
                format!("{} ({})", hit.what, hit.shown)
            };
            let finding = Finding {
                rule: hit.rule,
                severity: Severity::Error,
                file: self.file.clone(),
                member: Some(member.clone()),
                line: (!file_rule).then_some(hit.line),
                message,
                fix: Some(format!(
                    "revoke it if it is real, remove it from the project; {}; or, for a known fake, --allow-secret '{}:{}=REASON'",
                    backend.exclude(self.kind, inner),
                    hit.rule,
                    inner
                )),
            };
            match self
                .options
                .allow_secret
                .iter()
                .find(|w| w.waives(hit.rule, member, inner))
            {
                Some(w) => waived.push(Waived {
                    finding: Finding {
                        severity: Severity::Warning,
                        fix: None,
                        ..finding
                    },
                    waiver: w.spec(),
                    reason: w.reason.clone(),
                }),
                None => findings.push(finding),
            }
        }
        for group in self.strays.into_values() {
            let s = &group.stray;
            let more = match group.more {
                0 => String::new(),
                1 => " (and 1 more member like it)".to_string(),
                n => format!(" (and {n} more members like it)"),
            };
            let fix = match s.rule {
                stray::WHEEL_SRC => stray::src_fix(backend),
                stray::LARGE => format!(
                    "check that it belongs in the distribution ({}); raise or disable the limit with --max-member-size MIB (0: no limit)",
                    backend.exclude(self.kind, &s.pattern)
                ),
                _ => backend.exclude(self.kind, &s.pattern),
            };
            findings.push(Finding {
                rule: s.rule,
                severity: s.severity,
                file: self.file.clone(),
                member: Some(group.member),
                line: None,
                message: format!("{}{more}", s.what),
                fix: Some(fix),
            });
        }
        (findings, waived)
    }

    fn flush_member(&mut self) {
        if self.scanning {
            for hit in self.scanner.finish() {
                self.hits.push((self.member.clone(), hit));
            }
            self.scanning = false;
        }
        if let Some(bytes) = self.capture.take() {
            if self.kind == DistKind::Sdist {
                self.pyproject = Some(bytes);
            } else {
                self.wheel_file = Some(bytes);
            }
        }
    }
}

impl Inspect for Content<'_> {
    fn start(&mut self, name: &str, size: u64, is_dir: bool) {
        self.flush_member();
        let inner = self.inner(name).to_string();
        if let Some(s) = stray::classify(
            self.kind,
            &inner,
            is_dir,
            size,
            self.options.max_member_size.filter(|&m| m > 0),
        ) {
            match self.strays.get_mut(s.rule) {
                Some(group) => group.more += 1,
                None => {
                    self.strays.insert(
                        s.rule,
                        StrayGroup {
                            stray: s,
                            member: name.to_string(),
                            more: 0,
                        },
                    );
                }
            }
        }
        if is_dir {
            return;
        }
        if let Some((rule, what)) = secrets::file_rule(name) {
            self.hits.push((
                name.to_string(),
                Hit {
                    rule,
                    line: 0,
                    shown: String::new(),
                    what,
                },
            ));
        }
        self.member = name.to_string();
        let record = self.kind == DistKind::Wheel
            && name
                .split_once('/')
                .is_some_and(|(dir, f)| dir.ends_with(".dist-info") && f == "RECORD");
        // RECORD holds member paths and their hashes only.
        self.scanning = !record;
        if self.scanning {
            self.scanner.start();
        }
        let build_file = match self.kind {
            DistKind::Sdist => inner == "pyproject.toml",
            DistKind::Wheel => name
                .split_once('/')
                .is_some_and(|(dir, f)| dir.ends_with(".dist-info") && f == "WHEEL"),
        };
        self.capture = build_file.then(Vec::new);
    }

    fn data(&mut self, chunk: &[u8]) {
        if self.scanning {
            self.scanner.data(chunk);
        }
        if let Some(buf) = self.capture.as_mut() {
            let room = MAX_BUILD_FILE.saturating_sub(buf.len());
            buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
    }

    fn finish(&mut self) {
        self.flush_member();
    }
}
