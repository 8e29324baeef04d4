//! Content vetting in `chora-publish check`: secrets and stray files inside wheels and sdists
//! (docs/chora-publish.md, "Content vetting"). Every fixture is built here; every secret is a
//! well-formed FAKE generated in code (valid checksums and structure, random bodies), never a
//! real one. Also: the comparison with detect-secrets on the same members, the JSON report,
//! and a 1 GiB wheel vetted in bounded memory.

mod dists;

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use dists::{Sdist, Wheel};
use serde_json::Value;

/// A deterministic generator (xorshift), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URLSAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base62 of the CRC-32, 6 characters: GitHub's token checksum, computed independently here.
fn github_checksum(random: &str) -> String {
    let mut n = crc32fast::hash(random.as_bytes()) as u64;
    let mut out = vec![b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = ALNUM[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out).unwrap()
}

fn fake_github(rng: &mut Rng, prefix: &str) -> String {
    let random = rng.pick(ALNUM, 30);
    format!("{prefix}_{random}{}", github_checksum(&random))
}

fn field(out: &mut Vec<u8>, kind: u8, data: &[u8]) {
    out.push(kind);
    out.push(data.len() as u8);
    out.extend_from_slice(data);
}

/// A PyPI token: `pypi-` and a version-2 macaroon (location, identifier, one caveat, a 32-byte
/// signature), base64url.
fn fake_pypi(rng: &mut Rng) -> String {
    let mut m = vec![2u8];
    field(&mut m, 1, b"pypi.org");
    field(&mut m, 2, &rng.bytes(32));
    m.push(0);
    field(&mut m, 2, br#"{"version": 1, "permissions": "user"}"#);
    m.push(0);
    m.push(0);
    field(&mut m, 6, &rng.bytes(32));
    format!("pypi-{}", URL_SAFE_NO_PAD.encode(m))
}

fn key_block(rng: &mut Rng, kind: &str) -> String {
    let label = if kind == "PGP " {
        "PGP PRIVATE KEY BLOCK".to_string()
    } else {
        format!("{kind}PRIVATE KEY")
    };
    let mut body = String::new();
    if kind == "PGP " {
        body.push_str("Version: fake 1.0\n\n");
    }
    for _ in 0..6 {
        body.push_str(&rng.pick(B64, 64));
        body.push('\n');
    }
    format!("-----BEGIN {label}-----\n{body}-----END {label}-----\n")
}

/// One fixture member per content rule: (rule, member file name, content, the line the secret
/// is on, the fake value that must never be printed).
fn positives() -> Vec<(&'static str, String, Vec<u8>, u64, String)> {
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    let mut out = Vec::new();
    let mut add = |rule, name: &str, text: String, line, value: String| {
        out.push((rule, name.to_string(), text.into_bytes(), line, value));
    };
    let pypi = fake_pypi(&mut rng);
    add(
        "secret/pypi-token",
        "pypi_token.py",
        format!("# settings\n\nTOKEN = \"{pypi}\"\n"),
        3,
        pypi,
    );
    for prefix in ["ghp", "gho", "ghu", "ghs", "ghr"] {
        let t = fake_github(&mut rng, prefix);
        add(
            "secret/github-token",
            &format!("github_{prefix}.py"),
            format!("x = 1\nGITHUB = '{t}'\n"),
            2,
            t,
        );
    }
    let pat = format!("github_pat_{}_{}", rng.pick(ALNUM, 22), rng.pick(ALNUM, 59));
    add(
        "secret/github-token",
        "github_pat.txt",
        format!("{pat}\n"),
        1,
        pat,
    );
    let gl = format!("glpat-{}", rng.pick(ALNUM, 20));
    add(
        "secret/gitlab-token",
        "gitlab.cfg",
        format!("[ci]\ntoken = {gl}\n"),
        2,
        gl,
    );
    let akia = format!("AKIA{}", rng.pick(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16));
    add(
        "secret/aws-access-key",
        "aws_id.py",
        format!("\n\n\nKEY_ID = \"{akia}\"\n"),
        4,
        akia,
    );
    let secret = loop {
        let s = rng.pick(B64, 40);
        if s.bytes().any(|b| b.is_ascii_digit()) {
            break s;
        }
    };
    add(
        "secret/aws-secret-key",
        "aws_secret.ini",
        format!("[default]\naws_secret_access_key = \"{secret}\"\n"),
        2,
        secret,
    );
    let google = format!("AIza{}", rng.pick(URLSAFE, 35));
    add(
        "secret/google-api-key",
        "maps.js",
        format!("const key = \"{google}\";\n"),
        1,
        google,
    );
    let sa_key = key_block(&mut rng, "").replace('\n', "\\n");
    add(
        "secret/google-service-account",
        "service.json",
        format!(
            "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"demo\",\n  \"private_key\": \"{sa_key}\"\n}}\n"
        ),
        2,
        sa_key[30..70].to_string(),
    );
    let slack = format!(
        "xoxb-{}-{}-{}",
        rng.pick(b"0123456789", 12),
        rng.pick(b"0123456789", 13),
        rng.pick(ALNUM, 24)
    );
    add(
        "secret/slack-token",
        "slack.yml",
        format!("slack:\n  token: {slack}\n"),
        2,
        slack,
    );
    for (kind, name) in [
        ("RSA ", "rsa.pem"),
        ("EC ", "ec.pem"),
        ("OPENSSH ", "openssh.key"),
        ("PGP ", "pgp.asc"),
        ("", "pkcs8.pem"),
    ] {
        let block = key_block(&mut rng, kind);
        let body = block.lines().find(|l| l.len() == 64).unwrap().to_string();
        add("secret/private-key", name, format!("\n{block}"), 2, body);
    }
    out
}

/// Files that are secrets by their name.
fn secret_files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("secret/dotenv-file", ".env"),
        ("secret/pypirc-file", ".pypirc"),
        ("secret/netrc-file", ".netrc"),
        ("secret/ssh-key-file", "id_ed25519"),
    ]
}

/// Members that look like secrets to a careless scanner and are not.
fn negatives() -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng(42);
    let mut out = Vec::new();
    let uuids: String = (0..20)
        .map(|_| {
            let h = rng.pick(b"0123456789abcdef", 32);
            format!(
                "{}-{}-{}-{}-{}\n",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            )
        })
        .collect();
    out.push(("uuids.txt".to_string(), uuids.into_bytes()));
    let hashes: String = (0..20)
        .map(|_| {
            format!(
                "sha256:{}\naws_hash = \"{}\"\n",
                rng.pick(b"0123456789abcdef", 64),
                rng.pick(b"0123456789abcdef", 40)
            )
        })
        .collect();
    out.push(("hashes.txt".to_string(), hashes.into_bytes()));
    let blob = STANDARD.encode(rng.bytes(200_000));
    out.push(("blob.b64".to_string(), blob.into_bytes()));
    let binary = rng.bytes(300_000);
    out.push(("native.so".to_string(), binary));
    // A GitHub-looking token whose checksum is wrong.
    let mut bad = fake_github(&mut rng, "ghp");
    let last = bad.pop().unwrap();
    bad.push(if last == 'a' { 'b' } else { 'a' });
    // AWS's documentation example, a parser that mentions a key header, a short "xoxb-".
    out.push((
        "lookalikes.py".to_string(),
        format!(
            "BAD = '{bad}'\nEXAMPLE = 'AKIAIOSFODNN7EXAMPLE'\nHEADER = '-----BEGIN RSA PRIVATE KEY-----'\nif line.startswith(HEADER): pass\nSLACK = 'xoxb-not-a-token'\nPYPI = 'pypi-AgEIcHlwaS5vcmcnotamacaroon'\nASIA = 'Asia/Tokyo'\n"
        )
        .into_bytes(),
    ));
    out.push((".env.example".to_string(), b"TOKEN=\n".to_vec()));
    // A scanner's own prefix table, as a native binary's read-only data holds it (chora-publish's
    // does): every GitLab prefix followed by the next.
    out.push((
        "scanner.so".to_string(),
        b"\0\0pypi-AgEghp_gho_ghu_ghs_ghr_github_pat_glpat-gldt-glptt-glrt-gloas-glcbt-glft-glimt-glagent-glsoat-glffct-GR1348941AKIAASIAABIAACCAA3T\0GR1348941A3TawsAWSAwsxoxhooks.slack.com\0\0".to_vec(),
    ));
    out
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn check(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_chora-publish"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg("check")
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json_check(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let r = check(dir, &all);
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", r.stdout, r.stderr));
    (r.code, v, r.stdout + &r.stderr)
}

fn findings(v: &Value) -> Vec<(String, String, Option<u64>, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["member"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn every_secret_rule_refuses_a_wheel_and_an_sdist_with_member_line_and_redacted_value() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = positives();
    let mut rules_seen = std::collections::BTreeSet::new();
    for (i, (rule, name, content, line, value)) in cases.iter().enumerate() {
        for sdist in [false, true] {
            let dir = tmp.path().join(format!("{i}-{sdist}"));
            std::fs::create_dir_all(&dir).unwrap();
            let member = format!("demo_pkg/{name}");
            let path = if sdist {
                Sdist::demo().file(&member, content).write(&dir)
            } else {
                Wheel::demo().file(&member, content).write(&dir)
            };
            let (code, v, all) = json_check(&dir, &[path_str(&path)]);
            assert_eq!(code, 2, "{rule} {name}: {all}");
            let found = findings(&v);
            let expected_member = if sdist {
                format!("demo_pkg-0.1.0/{member}")
            } else {
                member.clone()
            };
            assert!(
                found.iter().any(|(r, m, l, s)| r == rule
                    && *m == expected_member
                    && *l == Some(*line)
                    && s == "error"),
                "{rule} {name} (sdist {sdist}): {found:?}"
            );
            assert!(
                !all.contains(value.as_str()),
                "{rule}: the value was printed: {all}"
            );
            // The text output: `file → member:line`, the rule, the value's first 4 characters.
            let text = check(&dir, &[path_str(&path)]);
            assert_eq!(text.code, 2);
            let shown = format!("→ {expected_member}:{line}: ");
            assert!(
                text.stderr.contains(&shown) && text.stderr.contains(&format!("[{rule}]")),
                "{}",
                text.stderr
            );
            assert!(!text.stderr.contains(value.as_str()) && !text.stdout.contains(value.as_str()));
            rules_seen.insert(*rule);
        }
    }
    assert_eq!(rules_seen.len(), 9, "{rules_seen:?}");
    assert_eq!(cases.len(), 18);
}

#[test]
fn secret_files_are_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let files = secret_files();
    for (rule, name) in &files {
        let dir = tmp.path().join(name.trim_start_matches('.'));
        std::fs::create_dir_all(&dir).unwrap();
        let path = Sdist::demo()
            .file(&format!("config/{name}"), b"x = 1\n")
            .write(&dir);
        let (code, v, all) = json_check(&dir, &[path_str(&path)]);
        assert_eq!(code, 2, "{all}");
        let found = findings(&v);
        assert!(
            found.iter().any(|(r, m, l, _)| r == rule
                && m.ends_with(&format!("config/{name}"))
                && l.is_none()),
            "{found:?}"
        );
    }
    assert_eq!(files.len(), 4);
}

#[test]
fn look_alikes_do_not_trip_and_a_clean_distribution_passes_silently() {
    let tmp = tempfile::tempdir().unwrap();
    let mut wheel = Wheel::demo();
    let mut sdist = Sdist::demo();
    let negatives = negatives();
    for (name, content) in &negatives {
        wheel = wheel.file(&format!("demo_pkg/{name}"), content);
        sdist = sdist.file(&format!("tests/fixtures/{name}"), content);
    }
    let w = wheel.write(tmp.path());
    let s = sdist.write(tmp.path());
    let (code, v, all) = json_check(tmp.path(), &[path_str(&w), path_str(&s)]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(v["findings"].as_array().unwrap().len(), 0, "{all}");
    assert_eq!(v["summary"]["files"], 2);
    let text = check(tmp.path(), &[path_str(&w), path_str(&s)]);
    assert_eq!(text.code, 0);
    assert_eq!(text.stderr, "", "a clean check prints no warning");
    assert_eq!(negatives.len(), 7);
}

#[test]
fn allow_secret_waives_with_the_reason_in_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, name, content, _, value) = positives().remove(1);
    let path = Sdist::demo()
        .file(&format!("tests/fixtures/{name}"), &content)
        .write(tmp.path());
    let p = path_str(&path);
    let waiver = "secret/github-token:tests/fixtures/*=fake token for the parser tests";
    let (code, v, all) = json_check(tmp.path(), &["--allow-secret", waiver, p]);
    assert_eq!(code, 0, "{all}");
    let waived = v["waived"].as_array().unwrap();
    assert_eq!(waived.len(), 1, "{all}");
    assert_eq!(waived[0]["rule"], "secret/github-token");
    assert_eq!(waived[0]["waiver"], "secret/github-token:tests/fixtures/*");
    assert_eq!(waived[0]["reason"], "fake token for the parser tests");
    assert_eq!(v["summary"]["waived"], 1);
    assert!(!all.contains(&value));
    // Another rule, or another folder, waives nothing.
    for other in [
        "secret/gitlab-token:tests/fixtures/*",
        "secret/github-token:docs/*",
    ] {
        let (code, _, all) = json_check(tmp.path(), &["--allow-secret", other, p]);
        assert_eq!(code, 2, "{other}: {all}");
    }
    let text = check(tmp.path(), &["--allow-secret", waiver, p]);
    assert_eq!(text.code, 0);
    assert!(
        text.stdout.contains("waived") && text.stdout.contains("fake token for the parser tests"),
        "{}",
        text.stdout
    );
    let bad = check(tmp.path(), &["--allow-secret", "secret/nonsense:x", p]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("not a secret rule"), "{}", bad.stderr);
}

#[test]
fn stray_content_is_reported_with_the_fix_for_the_build_backend() {
    let tmp = tempfile::tempdir().unwrap();
    let hatch =
        b"[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n";
    // rule, member, severity, an sdist (true) or a wheel
    let cases: &[(&str, &str, &str, bool)] = &[
        (
            "stray/bytecode",
            "demo_pkg/__pycache__/core.cpython-312.pyc",
            "error",
            true,
        ),
        ("stray/bytecode", "demo_pkg/core.pyc", "warning", false),
        ("stray/vcs", ".git/config", "error", true),
        ("stray/vcs", ".hg/store/data", "error", true),
        ("stray/editor-os-file", "docs/.DS_Store", "warning", true),
        (
            "stray/editor-os-file",
            ".idea/workspace.xml",
            "warning",
            true,
        ),
        (
            "stray/editor-os-file",
            "demo_pkg/core.py.swp",
            "warning",
            true,
        ),
        ("stray/editor-os-file", "demo_pkg/core.py~", "warning", true),
        (
            "stray/wheel-src-prefix",
            "src/demo_pkg/__init__.py",
            "error",
            false,
        ),
        ("stray/wheel-tests", "tests/test_core.py", "warning", false),
    ];
    for (i, (rule, member, severity, sdist)) in cases.iter().enumerate() {
        let dir = tmp.path().join(i.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        let path = if *sdist {
            Sdist::demo()
                .without_file("pyproject.toml")
                .file("pyproject.toml", hatch)
                .file(member, b"x\n")
                .write(&dir)
        } else {
            Wheel::demo().file(member, b"x\n").write(&dir)
        };
        let (code, v, all) = json_check(&dir, &[path_str(&path)]);
        assert_eq!(
            code,
            if *severity == "error" { 2 } else { 0 },
            "{rule} {member}: {all}"
        );
        let f = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == *rule)
            .unwrap_or_else(|| panic!("{rule} {member}: {all}"));
        assert_eq!(f["severity"], *severity);
        let fix = f["fix"].as_str().unwrap();
        if *sdist {
            assert!(
                fix.contains("[tool.hatch.build.targets.sdist] exclude"),
                "{fix}"
            );
            assert_eq!(v["files"][0]["backend"], "hatchling");
        }
    }
    assert_eq!(cases.len(), 10);

    // The size limit: a warning over --max-member-size, none with 0.
    let dir = tmp.path().join("large");
    std::fs::create_dir_all(&dir).unwrap();
    let path = Wheel::demo()
        .file("demo_pkg/data.bin", &Rng(9).bytes(3 << 20))
        .write(&dir);
    let (code, v, _) = json_check(&dir, &["--max-member-size", "2", path_str(&path)]);
    assert_eq!(code, 0);
    assert_eq!(
        findings(&v)
            .iter()
            .filter(|f| f.0 == "stray/large-member")
            .count(),
        1
    );
    let (_, v, _) = json_check(&dir, &["--max-member-size", "0", path_str(&path)]);
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
    let (_, v, _) = json_check(&dir, &[path_str(&path)]);
    assert_eq!(
        v["findings"].as_array().unwrap().len(),
        0,
        "3 MiB is under the default 64 MiB"
    );
}

#[test]
fn the_json_report_holds_files_findings_waivers_and_the_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, name, content, _, _) = positives().remove(0);
    let bad = Sdist::demo()
        .file(&format!("demo_pkg/{name}"), &content)
        .file("demo_pkg/__pycache__/x.pyc", b"\0")
        .file("demo_pkg/__pycache__/y.pyc", b"\0")
        .write(tmp.path());
    let good = Wheel::demo()
        .file("demo_pkg/.DS_Store", b"\0")
        .write(tmp.path());
    let missing = tmp.path().join("demo_pkg-9.9-py3-none-any.whl");
    let (code, v, _) = json_check(
        tmp.path(),
        &[path_str(&good), path_str(&bad), path_str(&missing)],
    );
    assert_eq!(code, 2);
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    assert_eq!(files[0]["status"], "ok");
    assert_eq!(files[0]["kind"], "wheel");
    assert_eq!(files[0]["name"], "demo-pkg");
    assert_eq!(files[0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(files[1]["status"], "refused");
    assert_eq!(files[2]["status"], "refused");
    let rules: Vec<String> = findings(&v).into_iter().map(|f| f.0).collect();
    assert_eq!(
        rules,
        [
            "stray/editor-os-file",
            "secret/pypi-token",
            "stray/bytecode",
            "dist/file"
        ],
        "{v:#}"
    );
    let bytecode = &v["findings"][2];
    assert!(
        bytecode["message"]
            .as_str()
            .unwrap()
            .contains("(and 1 more member like it)"),
        "{bytecode}"
    );
    assert_eq!(v["summary"]["errors"], 3);
    assert_eq!(v["summary"]["warnings"], 1);
    assert_eq!(v["summary"]["ok"], false);
    assert_eq!(v["waived"].as_array().unwrap().len(), 0);
}

/// detect-secrets, from the tools virtualenv (scripts/install-test-tools.sh).
fn detect_secrets() -> PathBuf {
    let dir = std::env::var_os("CHORA_TOOLS_DIR")
        .expect("CHORA_TOOLS_DIR names the tools folder (scripts/install-test-tools.sh)");
    let path = PathBuf::from(dir).join("bin/detect-secrets");
    assert!(
        path.exists(),
        "{} is missing: run scripts/install-test-tools.sh",
        path.display()
    );
    path
}

/// detect-secrets' plugins for the kinds chora-publish looks for.
const DETECT_SECRETS_KINDS: &[&str] = &[
    "AWSKeyDetector",
    "GitHubTokenDetector",
    "GitLabTokenDetector",
    "PrivateKeyDetector",
    "PypiTokenDetector",
    "SlackDetector",
];

#[test]
fn chora_finds_at_least_what_detect_secrets_finds_on_the_same_members() {
    let tool = detect_secrets();
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("members");
    std::fs::create_dir_all(tree.join("demo_pkg")).unwrap();
    let mut wheel = Wheel::demo();
    for (_, name, content, _, _) in positives() {
        std::fs::write(tree.join("demo_pkg").join(&name), &content).unwrap();
        wheel = wheel.file(&format!("demo_pkg/{name}"), &content);
    }
    let path = wheel.write(tmp.path());
    // Every plugin but the kinds compared is disabled.
    let listed = Command::new(&tool)
        .args(["scan", "--list-all-plugins"])
        .output()
        .unwrap();
    assert!(listed.status.success());
    let plugins: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert!(
        DETECT_SECRETS_KINDS
            .iter()
            .all(|k| plugins.iter().any(|p| p == k)),
        "{plugins:?}"
    );
    let mut cmd = Command::new(&tool);
    cmd.current_dir(&tree).args(["scan", "--all-files"]);
    for p in plugins
        .iter()
        .filter(|p| !DETECT_SECRETS_KINDS.contains(&p.as_str()))
    {
        cmd.args(["--disable-plugin", p]);
    }
    let out = cmd.arg(".").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut expected = Vec::new();
    for (file, results) in theirs["results"].as_object().unwrap() {
        for r in results.as_array().unwrap() {
            let member = file.trim_start_matches("./").to_string();
            expected.push((
                member,
                r["line_number"].as_u64().unwrap(),
                r["type"].as_str().unwrap().to_string(),
            ));
        }
    }
    let (code, v, _) = json_check(tmp.path(), &[path_str(&path)]);
    assert_eq!(code, 2);
    let ours = findings(&v);
    for (member, line, kind) in &expected {
        assert!(
            ours.iter()
                .any(|(_, m, l, _)| m == member && *l == Some(*line)),
            "detect-secrets found a {kind} at {member}:{line} that chora-publish did not: {ours:?}"
        );
    }
    // detect-secrets finds these kinds in the fixtures (it has no Google or AWS-secret rule
    // among them; chora-publish finds those too, see above).
    let kinds: std::collections::BTreeSet<&str> = expected.iter().map(|e| e.2.as_str()).collect();
    assert!(kinds.len() >= 5, "{kinds:?}");
    assert!(
        ours.len() > expected.len(),
        "{} against {}",
        ours.len(),
        expected.len()
    );
}

/// Runs a command as a grandchild of the test and prints its peak resident set: forked (not
/// vforked) from this small interpreter, so the kernel's high-water mark carried over exec is
/// the interpreter's (about 9 MiB), not that of the test process, whose own memory (every test
/// thread of this binary) a direct child would inherit into its `ru_maxrss`.
const PEAK_RSS_OF: &str = "import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], 'w') as f:
    f.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
";

/// `chora-publish check --format json ARGS` in `dir`, and its peak resident set in KiB.
#[cfg(target_os = "linux")]
fn json_check_rss(dir: &Path, args: &[&str]) -> (i32, Value, String, i64) {
    let tools = std::env::var_os("CHORA_TOOLS_DIR")
        .expect("CHORA_TOOLS_DIR names the tools folder (scripts/install-test-tools.sh)");
    let python = PathBuf::from(tools).join("bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/install-test-tools.sh",
        python.display()
    );
    let rss_file = dir.join("rss.txt");
    let out = Command::new(&python)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .args(["-c", PEAK_RSS_OF])
        .arg(&rss_file)
        .arg(env!("CARGO_BIN_EXE_chora-publish"))
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));
    let rss: i64 = std::fs::read_to_string(&rss_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    (out.status.code().unwrap_or(-1), v, stdout + &stderr, rss)
}

/// A wheel of `size` bytes in one stored member of text-like lines (64 bytes each), a fake
/// GitHub token on the tenth line from the end, and a correct RECORD. Returns the token and
/// its 1-based line.
#[cfg(target_os = "linux")]
fn write_big_wheel(path: &Path, member: &str, size: u64) -> (String, u64) {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut rng = Rng(7);
    let line: Vec<u8> = format!("{}\n", rng.pick(ALNUM, 63)).into_bytes();
    let token = fake_github(&mut rng, "ghp");
    let lines = size / 64;
    // The member's sha256 for RECORD, by sha256sum (fast) fed the same bytes.
    let mut sum = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    zip.start_file(member, options).unwrap();
    let block: Vec<u8> = line.repeat(16 * 1024);
    let token_line = format!("TOKEN = '{token}'{}\n", "#".repeat(64 - 11 - token.len()));
    assert_eq!(token_line.len(), 64);
    let mut written = 0u64;
    let stdin = sum.stdin.as_mut().unwrap();
    let token_at = lines - 10;
    while written < lines {
        let n = (block.len() as u64 / 64).min(lines - written);
        let mut chunk = block[..(n * 64) as usize].to_vec();
        if (written..written + n).contains(&token_at) {
            let at = ((token_at - written) * 64) as usize;
            chunk[at..at + 64].copy_from_slice(token_line.as_bytes());
        }
        zip.write_all(&chunk).unwrap();
        stdin.write_all(&chunk).unwrap();
        written += n;
    }
    drop(sum.stdin.take());
    let out = sum.wait_with_output().unwrap();
    let hex = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let digest: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).unwrap())
        .collect();
    let dist_info = "demo_pkg-0.1.0.dist-info";
    let small = [
        (format!("{dist_info}/METADATA"), dists::metadata("demo-pkg", "0.1.0").into_bytes()),
        (format!("{dist_info}/WHEEL"), b"Wheel-Version: 1.0\nGenerator: chora-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n".to_vec()),
        (format!("{dist_info}/licenses/LICENSE"), dists::LICENSE.to_vec()),
    ];
    let mut record = format!(
        "{member},sha256={},{size}\n",
        URL_SAFE_NO_PAD.encode(&digest)
    );
    for (p, c) in &small {
        zip.start_file(p.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(c).unwrap();
        record.push_str(&format!("{p},{},{}\n", dists::record_hash(c), c.len()));
    }
    record.push_str(&format!("{dist_info}/RECORD,,\n"));
    zip.start_file(
        format!("{dist_info}/RECORD"),
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(record.as_bytes()).unwrap();
    zip.finish().unwrap();
    (token, token_at + 1)
}

/// A 1 GiB wheel (one stored member of text-like lines, a fake token near the end) is vetted
/// in streaming memory: the token is found with its line, and the peak resident set is that
/// of a 1 MiB wheel of the same shape (within 1 MiB), so no member is held whole. (The
/// absolute figure, ≤ 15 MiB for the release build, is scripts/bench/vet.sh's: a debug build's
/// code alone is larger.)
#[cfg(target_os = "linux")]
#[test]
fn a_1_gib_wheel_is_vetted_in_bounded_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let name = "demo_pkg-0.1.0-py3-none-any.whl";
    let member = "demo_pkg/data.txt";
    let mut peaks = Vec::new();
    for (folder, size) in [("small", 1u64 << 20), ("large", 1 << 30)] {
        let dir = tmp.path().join(folder);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        let (token, line) = write_big_wheel(&path, member, size);
        let (code, v, all, rss) = json_check_rss(&dir, &["--max-member-size", "0", name]);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(code, 2, "{all}");
        let found = findings(&v);
        assert_eq!(
            found,
            vec![(
                "secret/github-token".to_string(),
                member.to_string(),
                Some(line),
                "error".to_string()
            )],
            "{all}"
        );
        assert!(!all.contains(&token));
        peaks.push(rss);
    }
    assert_eq!(peaks.len(), 2);
    assert!(
        peaks[1] <= peaks[0] + 1024,
        "peak RSS {} KiB for 1 GiB against {} KiB for 1 MiB",
        peaks[1],
        peaks[0]
    );
}
