//! Stray content: members a distribution should not ship (bytecode in an sdist, VCS folders,
//! editor and OS files, oversized members, a wheel's top-level `tests/` or `src/`), each with the
//! fix for the build backend that made it. Decided from member names and sizes alone.
//!
//! Members that are unsafe to unpack (`..` or absolute paths, links, devices, FIFOs) never get
//! here: the archive readers refuse them (rule `dist/unsafe-member`).

use super::finding::Severity;
use crate::publish::dist::DistKind;

pub const BYTECODE: &str = "stray/bytecode";
pub const VCS: &str = "stray/vcs";
pub const EDITOR_OS: &str = "stray/editor-os-file";
pub const LARGE: &str = "stray/large-member";
pub const WHEEL_TESTS: &str = "stray/wheel-tests";
pub const WHEEL_SRC: &str = "stray/wheel-src-prefix";

/// The default `--max-member-size`: members unpacking to more are reported (a warning).
pub const DEFAULT_MAX_MEMBER_MIB: u64 = 64;

/// The build backend a distribution came from, as far as it says: an sdist's pyproject.toml
/// `[build-system] build-backend`, a wheel's WHEEL `Generator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Hatch,
    Setuptools,
    Flit,
    Maturin,
    Poetry,
    Pdm,
    Uv,
    Unknown,
}

impl Backend {
    /// From a `build-backend` value (`hatchling.build`) or a `Generator` (`hatchling 1.27.0`).
    pub fn from_text(text: &str) -> Backend {
        let t = text.trim().trim_matches('"').to_ascii_lowercase();
        if t.starts_with("hatch") {
            Backend::Hatch
        } else if t.starts_with("setuptools") || t.starts_with("bdist_wheel") {
            Backend::Setuptools
        } else if t.starts_with("flit") {
            Backend::Flit
        } else if t.starts_with("maturin") {
            Backend::Maturin
        } else if t.starts_with("poetry") {
            Backend::Poetry
        } else if t.starts_with("pdm") {
            Backend::Pdm
        } else if t.starts_with("uv") {
            Backend::Uv
        } else {
            Backend::Unknown
        }
    }

    /// The backend's name as users know it.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Hatch => "hatchling",
            Backend::Setuptools => "setuptools",
            Backend::Flit => "flit",
            Backend::Maturin => "maturin",
            Backend::Poetry => "poetry",
            Backend::Pdm => "pdm",
            Backend::Uv => "uv_build",
            Backend::Unknown => "unknown",
        }
    }

    /// How to leave `pattern` out of a `kind` distribution with this backend.
    pub fn exclude(self, kind: DistKind, pattern: &str) -> String {
        let sdist = kind == DistKind::Sdist;
        match (self, sdist) {
            (Backend::Hatch, true) => format!(
                "exclude it in pyproject.toml: [tool.hatch.build.targets.sdist] exclude = [\"{pattern}\"]"
            ),
            (Backend::Hatch, false) => format!(
                "exclude it in pyproject.toml: [tool.hatch.build.targets.wheel] exclude = [\"{pattern}\"]"
            ),
            (Backend::Setuptools, true) => format!(
                "exclude it in MANIFEST.in: `global-exclude {pattern}` (a folder: `prune <folder>`)"
            ),
            (Backend::Setuptools, false) => format!(
                "leave it out of the packages: pyproject.toml [tool.setuptools.packages.find] exclude = [\"{pattern}\"] (and MANIFEST.in `global-exclude {pattern}` for package data)"
            ),
            (Backend::Flit, true) => {
                format!("exclude it in pyproject.toml: [tool.flit.sdist] exclude = [\"{pattern}\"]")
            }
            (Backend::Flit, false) => {
                format!("flit puts the whole module folder in the wheel: move {pattern} out of it")
            }
            (Backend::Maturin, _) => format!(
                "exclude it in pyproject.toml: [tool.maturin] exclude = [{{ path = \"{pattern}\", format = \"{}\" }}]",
                if sdist { "sdist" } else { "wheel" }
            ),
            (Backend::Poetry, _) => {
                format!("exclude it in pyproject.toml: [tool.poetry] exclude = [\"{pattern}\"]")
            }
            (Backend::Pdm, _) => {
                format!("exclude it in pyproject.toml: [tool.pdm.build] excludes = [\"{pattern}\"]")
            }
            (Backend::Uv, true) => format!(
                "exclude it in pyproject.toml: [tool.uv.build-backend] source-exclude = [\"{pattern}\"]"
            ),
            (Backend::Uv, false) => format!(
                "exclude it in pyproject.toml: [tool.uv.build-backend] wheel-exclude = [\"{pattern}\"]"
            ),
            (Backend::Unknown, _) => format!(
                "exclude {pattern} in the build backend's configuration (hatch [tool.hatch.build.targets.{0}] exclude, setuptools MANIFEST.in global-exclude, flit [tool.flit.sdist] exclude, maturin [tool.maturin] exclude, poetry [tool.poetry] exclude)",
                if sdist { "sdist" } else { "wheel" }
            ),
        }
    }
}

/// One stray member: rule, severity, what it is and the exclude pattern to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stray {
    pub rule: &'static str,
    pub severity: Severity,
    pub what: String,
    pub pattern: String,
}

/// `member` is inside the archive's content root: an sdist's path below its top folder.
fn components(member: &str) -> impl Iterator<Item = &str> {
    member.trim_end_matches('/').split('/')
}

/// What is stray about one member (name and unpacked size), if anything. `path` is the member
/// path below an sdist's top folder (a wheel's member path as is).
pub fn classify(
    kind: DistKind,
    path: &str,
    is_dir: bool,
    size: u64,
    max: Option<u64>,
) -> Option<Stray> {
    let parts: Vec<&str> = components(path).collect();
    let base = parts.last().copied().unwrap_or_default();
    let sdist = kind == DistKind::Sdist;
    let stray = |rule, severity, what: String, pattern: &str| {
        Some(Stray {
            rule,
            severity,
            what,
            pattern: pattern.to_string(),
        })
    };
    if let Some(vcs) = parts
        .iter()
        .find(|p| matches!(**p, ".git" | ".hg" | ".svn" | ".bzr" | "_darcs" | "CVS"))
    {
        return stray(
            VCS,
            Severity::Error,
            format!("version-control data ({vcs}/): the repository's history and configuration"),
            vcs,
        );
    }
    if parts.contains(&"__pycache__")
        || base.ends_with(".pyc") && !is_dir
        || base.ends_with(".pyo") && !is_dir
    {
        let severity = if sdist {
            Severity::Error
        } else {
            Severity::Warning
        };
        return stray(
            BYTECODE,
            severity,
            "compiled bytecode (__pycache__/ or .pyc): built for one interpreter, rebuilt on install".into(),
            if parts.contains(&"__pycache__") {
                "__pycache__"
            } else {
                "*.pyc"
            },
        );
    }
    if let Some(editor) = parts.iter().find(|p| matches!(**p, ".idea" | ".vscode")) {
        return stray(
            EDITOR_OS,
            Severity::Warning,
            format!("editor settings ({editor}/)"),
            editor,
        );
    }
    if !is_dir {
        let editor_file = matches!(
            base,
            ".DS_Store" | "Thumbs.db" | "desktop.ini" | "ehthumbs.db"
        ) || base.ends_with(".swp")
            || base.ends_with(".swo")
            || (base.ends_with('~') && base.len() > 1)
            || (base.starts_with(".#"))
            || (base.starts_with('#') && base.ends_with('#') && base.len() > 2);
        if editor_file {
            let pattern = if base.ends_with(".swp") {
                "*.swp".to_string()
            } else if base.ends_with(".swo") {
                "*.swo".to_string()
            } else if base.ends_with('~') {
                "*~".to_string()
            } else {
                base.to_string()
            };
            return Some(Stray {
                rule: EDITOR_OS,
                severity: Severity::Warning,
                what: format!("an editor or OS file ({base})"),
                pattern,
            });
        }
        if let Some(max) = max
            && size > max
        {
            return Some(Stray {
                rule: LARGE,
                severity: Severity::Warning,
                what: format!(
                    "a member of {} MiB, over the {} MiB limit (--max-member-size)",
                    size >> 20,
                    max >> 20
                ),
                pattern: path.to_string(),
            });
        }
    }
    if !sdist && parts.len() >= 2 {
        let top = parts[0];
        if top == "src" {
            return stray(
                WHEEL_SRC,
                Severity::Error,
                "the wheel installs a top-level `src` package: imports would be `src.<package>`; the build took the project folder, not the package, as the package root".into(),
                "src",
            );
        }
        if matches!(top, "tests" | "test") {
            return stray(
                WHEEL_TESTS,
                Severity::Warning,
                format!(
                    "the wheel installs a top-level `{top}` package into site-packages, where it clashes with every other project that does"
                ),
                top,
            );
        }
    }
    None
}

/// The fix for a `src/` prefix, which is not an exclusion but the package root.
pub fn src_fix(backend: Backend) -> String {
    match backend {
        Backend::Hatch => "set the package folder: [tool.hatch.build.targets.wheel] packages = [\"src/<package>\"]".into(),
        Backend::Setuptools => "find packages below src: [tool.setuptools.packages.find] where = [\"src\"]".into(),
        Backend::Poetry => "declare the package below src: [tool.poetry] packages = [{ include = \"<package>\", from = \"src\" }]".into(),
        Backend::Pdm => "[tool.pdm.build] package-dir = \"src\"".into(),
        Backend::Maturin => "[tool.maturin] python-source = \"src\"".into(),
        Backend::Uv => "[tool.uv.build-backend] module-root = \"src\"".into(),
        Backend::Flit | Backend::Unknown => "point the build at the package below src/ (hatch: [tool.hatch.build.targets.wheel] packages = [\"src/<package>\"]; setuptools: [tool.setuptools.packages.find] where = [\"src\"])".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_classified() {
        let c = |kind, path: &str| classify(kind, path, false, 10, Some(1 << 20)).map(|s| s.rule);
        assert_eq!(
            c(DistKind::Sdist, "pkg/__pycache__/a.cpython-312.pyc"),
            Some(BYTECODE)
        );
        assert_eq!(c(DistKind::Sdist, ".git/config"), Some(VCS));
        assert_eq!(c(DistKind::Sdist, "docs/.DS_Store"), Some(EDITOR_OS));
        assert_eq!(c(DistKind::Sdist, "pkg/a.py~"), Some(EDITOR_OS));
        assert_eq!(c(DistKind::Wheel, "src/pkg/__init__.py"), Some(WHEEL_SRC));
        assert_eq!(c(DistKind::Wheel, "tests/test_a.py"), Some(WHEEL_TESTS));
        for fine in [
            ".gitignore",
            "pkg/a.py",
            "tests/test_a.py",
            "src/pkg/a.py",
            ".github/workflows/ci.yml",
        ] {
            assert_eq!(c(DistKind::Sdist, fine), None, "{fine}");
        }
        assert_eq!(
            classify(
                DistKind::Wheel,
                "pkg/big.bin",
                false,
                2 << 20,
                Some(1 << 20)
            )
            .map(|s| s.rule),
            Some(LARGE)
        );
    }
}
