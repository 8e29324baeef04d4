#!/usr/bin/env python3
"""Record every state of chora's built-in templates in data/template-history.tar.gz.

`chora update` merges a user's edits with a new render 3-way; the merge base is what an earlier
chora rendered for the recorded answers. chora ships the history of its built-in templates so
that base can be rendered again anywhere (fresh or shallow clone, after `git gc`), and the blob
id recorded in .chora-answers.yml proves it exact. A state is the content of `templates/`, of
`data/action-pins.tsv`, of the runtime tables (`data/chora-releases.tsv`, `data/runtime-pins.tsv`)
and the crate version; its id is content-derived, so recording is
idempotent and the archive only ever grows (states already recorded are kept even if the git
history that produced them is rewritten).

Run it after changing anything under templates/ or those data files (a unit test,
`template::history::tests::the_current_templates_are_in_the_history`, fails until you do):

    python3 scripts/template-history.py          # add the git history's and the working tree's states
    python3 scripts/template-history.py --check  # exit 1 if the working tree's state is missing

Output is deterministic (sorted members, zero timestamps), so the file only changes when a
state is added.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARCHIVE = REPO / "data" / "template-history.tar.gz"
PINS = "data/action-pins.tsv"
# The runtime tables (chora-cli releases by hash, uv's version): part of a state when present.
RUNTIME = ["data/chora-releases.tsv", "data/runtime-pins.tsv"]
FORMAT = 1


def blob_id(data: bytes) -> str:
    """The git blob id of `data`, as `git hash-object` computes it."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def state_id(version: str, files: dict[str, str]) -> str:
    """Content-derived id of a state (the same computation as src/template/history.rs)."""
    text = version + "\n" + "".join(f"{p}\t{b}\n" for p, b in sorted(files.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def crate_version(cargo_toml: str) -> str:
    in_package = False
    for line in cargo_toml.splitlines():
        if line.strip().startswith("["):
            in_package = line.strip() == "[package]"
        m = re.match(r'\s*version\s*=\s*"([^"]+)"', line)
        if in_package and m:
            return m.group(1)
    raise SystemExit("template-history: no [package] version in Cargo.toml")


def git(*args: str) -> bytes:
    return subprocess.run(["git", "-C", str(REPO), *args], check=True, capture_output=True).stdout


def git_states(blobs: dict[str, bytes]) -> list[tuple[str, dict[str, str]]]:
    """States of every commit (oldest first) that touched the templates, the pins or the version."""
    try:
        commits = git("rev-list", "--reverse", "HEAD", "--", "templates", PINS, *RUNTIME, "Cargo.toml").split()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return []
    states = []
    for commit in (c.decode() for c in commits):
        listing = git("ls-tree", "-r", "-z", commit, "--", "templates", PINS, *RUNTIME).split(b"\0")
        files = {}
        for entry in filter(None, listing):
            meta, path = entry.split(b"\t", 1)
            _mode, kind, oid = meta.split()
            if kind != b"blob":
                continue
            files[path.decode()] = oid.decode()
            if oid.decode() not in blobs:
                blobs[oid.decode()] = git("cat-file", "blob", oid.decode())
        if not any(re.fullmatch(r"templates/[^/]+/template\.yml", p) for p in files) or PINS not in files:
            continue
        version = crate_version(git("show", f"{commit}:Cargo.toml").decode())
        states.append((version, files))
    return states


def worktree_state(blobs: dict[str, bytes]) -> tuple[str, dict[str, str]]:
    """The state a build of the working tree embeds (every file under templates/, as include_dir sees it)."""
    files = {}
    paths = [p for p in (REPO / "templates").rglob("*") if p.is_file()] + [REPO / PINS]
    paths += [REPO / p for p in RUNTIME if (REPO / p).is_file()]
    for path in paths:
        data = path.read_bytes()
        oid = blob_id(data)
        blobs[oid] = data
        files[path.relative_to(REPO).as_posix()] = oid
    return crate_version((REPO / "Cargo.toml").read_text()), files


def read_archive() -> tuple[list[dict], dict[str, bytes]]:
    if not ARCHIVE.exists():
        return [], {}
    blobs = {}
    manifest = {"snapshots": []}
    with tarfile.open(ARCHIVE, "r:gz") as tar:
        for member in tar.getmembers():
            data = tar.extractfile(member).read() if member.isfile() else b""
            if member.name == "manifest.json":
                manifest = json.loads(data)
            elif member.name.startswith("blobs/"):
                blobs[member.name[len("blobs/"):]] = data
    return manifest["snapshots"], blobs


def write_archive(snapshots: list[dict], blobs: dict[str, bytes]) -> None:
    used = sorted({b for s in snapshots for b in s["files"].values()})
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))

        manifest = {"format": FORMAT, "snapshots": snapshots}
        add("manifest.json", (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode())
        for oid in used:
            add(f"blobs/{oid}", blobs[oid])
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
        gz.write(raw.getvalue())
    ARCHIVE.write_bytes(out.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check that the working tree's state is recorded")
    args = parser.parse_args()

    snapshots, blobs = read_archive()
    known = {s["id"] for s in snapshots}
    current_version, current_files = worktree_state(blobs)
    current_id = state_id(current_version, current_files)
    if args.check:
        if current_id in known:
            print(f"template-history: the working tree's state {current_id} is recorded")
            return 0
        print(f"template-history: state {current_id} is not recorded; run python3 scripts/template-history.py", file=sys.stderr)
        return 1

    added = 0
    for version, files in [*git_states(blobs), (current_version, current_files)]:
        sid = state_id(version, files)
        if sid in known:
            continue
        snapshots.append({"id": sid, "chora_version": version, "files": files})
        known.add(sid)
        added += 1
    write_archive(snapshots, blobs)
    print(f"template-history: {len(snapshots)} state(s) in {ARCHIVE.relative_to(REPO)} ({added} added, {ARCHIVE.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
