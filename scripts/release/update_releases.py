#!/usr/bin/env python3
"""Record a chora-cli release's wheel hashes in data/chora-releases.tsv, from PyPI's JSON API.

Usage: update_releases.py --version V [--file data/chora-releases.tsv]
                          [--json FILE | --index-url https://pypi.org] [--expect-dir DIST]

Reads `<index>/pypi/chora-cli/<V>/json` (or a saved copy with --json): every file of
`urls[]` whose name ends in `.whl`, with its `digests.sha256`. The names must be wheels of
chora-cli V, and the digests 64 lowercase hex digits. With --expect-dir, the wheels PyPI lists
must be exactly the `.whl` files in that folder (the ones this workflow built), byte for byte
by SHA-256: a release whose files PyPI holds differently is never recorded.

The file keeps its comments and the other versions' lines; the lines of V are replaced by one
line per wheel, `V<TAB>file name<TAB>sha256`, sorted by file name. A missing file is created
with the standard header. PyPI's JSON API may lag an upload by a few minutes, so a 404 is
retried (--attempts, with a growing delay). When GITHUB_OUTPUT is set, `changed=true|false`
is appended to it. Exit status: 0 recorded (or already up to date), 1 PyPI's data is missing,
malformed or differs from --expect-dir, 2 bad usage, 3 PyPI could not be read.
"""

import argparse
import hashlib
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

PROJECT = "chora-cli"
HEADER = (
    "# chora-cli releases on PyPI: version, wheel file name, sha256 (lowercase hex); "
    "one line per wheel.\n"
)
SHA256 = re.compile(r"[0-9a-f]{64}")
VERSION = re.compile(r"[0-9]+(\.[0-9]+)*((a|b|rc)[0-9]+)?(\.post[0-9]+)?(\.dev[0-9]+)?")


class ReleaseDataError(Exception):
    """PyPI's answer cannot be recorded."""


class FetchError(Exception):
    """PyPI could not be read."""


def fetch(index_url: str, version: str, attempts: int, delay: float) -> bytes:
    url = f"{index_url.rstrip('/')}/pypi/{PROJECT}/{version}/json"
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.read()
        except urllib.error.HTTPError as e:
            if e.code != 404 and e.code < 500:
                raise FetchError(f"{url}: HTTP {e.code}") from e
            reason = f"HTTP {e.code}"
        except (urllib.error.URLError, TimeoutError, OSError) as e:
            reason = str(e)
        if attempt == attempts:
            raise FetchError(f"{url}: {reason} after {attempts} attempts")
        print(f"{url}: {reason}; retrying in {delay:.0f}s", file=sys.stderr)
        time.sleep(delay)
        delay = min(delay * 2, 60)
    raise FetchError(url)


def wheels_from_json(raw: bytes, version: str) -> list[tuple[str, str]]:
    """(file name, sha256) of every wheel of the release, sorted by name."""
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise ReleaseDataError(f"PyPI's answer is not JSON: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("urls"), list):
        raise ReleaseDataError("PyPI's answer has no `urls` list")
    info = data.get("info")
    listed = info.get("version") if isinstance(info, dict) else None
    if listed is not None and listed != version:
        raise ReleaseDataError(f"PyPI answered for version {listed!r}, not {version!r}")
    prefix = f"{PROJECT.replace('-', '_')}-{version}-"
    wheels: dict[str, str] = {}
    for entry in data["urls"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("filename"), str):
            raise ReleaseDataError("a `urls` entry has no file name")
        name = entry["filename"]
        if not name.endswith(".whl"):
            continue
        if not name.startswith(prefix) or not re.fullmatch(r"[A-Za-z0-9_.+-]+", name):
            raise ReleaseDataError(f"{name!r} is not a wheel of {PROJECT} {version}")
        digests = entry.get("digests")
        digest = digests.get("sha256") if isinstance(digests, dict) else None
        if not isinstance(digest, str) or SHA256.fullmatch(digest) is None:
            raise ReleaseDataError(f"{name}: no valid lowercase sha256 digest")
        if name in wheels:
            raise ReleaseDataError(f"{name} is listed twice")
        wheels[name] = digest
    if not wheels:
        raise ReleaseDataError(f"PyPI lists no wheel for {PROJECT} {version}")
    return sorted(wheels.items())


def check_against(wheels: list[tuple[str, str]], expect_dir: str) -> None:
    local = {}
    for name in sorted(os.listdir(expect_dir)):
        if name.endswith(".whl"):
            digest = hashlib.sha256()
            with open(os.path.join(expect_dir, name), "rb") as f:
                while chunk := f.read(1 << 20):
                    digest.update(chunk)
            local[name] = digest.hexdigest()
    remote = dict(wheels)
    problems = []
    for name in sorted(set(local) | set(remote)):
        if name not in remote:
            problems.append(f"{name}: built here, not on PyPI")
        elif name not in local:
            problems.append(f"{name}: on PyPI, not built here")
        elif local[name] != remote[name]:
            problems.append(f"{name}: PyPI has sha256 {remote[name]}, built {local[name]}")
    if problems:
        raise ReleaseDataError("PyPI's wheels differ from the built ones:\n  " + "\n  ".join(problems))


def updated_text(old: str | None, version: str, wheels: list[tuple[str, str]]) -> str:
    lines = (old if old is not None else HEADER).splitlines(keepends=True)
    kept = []
    for line in lines:
        if not line.endswith("\n"):
            line += "\n"
        if not line.startswith("#") and line.split("\t", 1)[0] == version:
            continue
        kept.append(line)
    kept.extend(f"{version}\t{name}\t{digest}\n" for name, digest in wheels)
    return "".join(kept)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", required=True)
    parser.add_argument("--file", default="data/chora-releases.tsv")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--json", help="a saved answer of PyPI's JSON API for the version")
    source.add_argument("--index-url", default="https://pypi.org")
    parser.add_argument("--expect-dir")
    parser.add_argument("--attempts", type=int, default=8)
    parser.add_argument("--delay", type=float, default=10.0)
    args = parser.parse_args(argv)
    if VERSION.fullmatch(args.version) is None:
        print(f"::error::{args.version!r} is not a normalised PEP 440 release version")
        return 2

    try:
        if args.json is not None:
            with open(args.json, "rb") as f:
                raw = f.read()
        else:
            raw = fetch(args.index_url, args.version, max(args.attempts, 1), args.delay)
        wheels = wheels_from_json(raw, args.version)
        if args.expect_dir is not None:
            check_against(wheels, args.expect_dir)
    except FetchError as e:
        print(f"::error::cannot read PyPI: {e}")
        return 3
    except (ReleaseDataError, OSError) as e:
        print(f"::error::{e}")
        return 1

    try:
        with open(args.file, encoding="utf-8") as f:
            old = f.read()
    except FileNotFoundError:
        old = None
    new = updated_text(old, args.version, wheels)
    changed = new != old
    if changed:
        os.makedirs(os.path.dirname(args.file) or ".", exist_ok=True)
        with open(args.file, "w", encoding="utf-8", newline="\n") as f:
            f.write(new)
    print(f"{args.file}: {len(wheels)} wheels of {PROJECT} {args.version}"
          f" ({'updated' if changed else 'already up to date'})")
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as f:
            f.write(f"changed={'true' if changed else 'false'}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
