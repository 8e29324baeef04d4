#!/usr/bin/env python3
"""Check that a release tag names the crate version in Cargo.toml.

Usage: check_tag.py TAG [--manifest Cargo.toml]

TAG must be `v` followed by the exact `[package] version` of the manifest, a SemVer version
without build metadata: 1.2.3, or a pre-release 1.2.3-alpha.1 / -beta.1 / -rc.1 (the forms
maturin turns into the PEP 440 versions 1.2.3a1 / 1.2.3b1 / 1.2.3rc1 on PyPI).

On success prints the versions and, when GITHUB_OUTPUT is set, appends
`version=<crate version>`, `python_version=<PEP 440 version>` and `prerelease=true|false` to it.
Exit status: 0 match, 1 mismatch or invalid tag, 2 unreadable manifest or bad usage.
"""

import argparse
import os
import re
import sys
import tomllib

SEMVER = re.compile(
    r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(?:-(alpha|beta|rc)\.(0|[1-9][0-9]*))?"
)
PEP440_PRE = {"alpha": "a", "beta": "b", "rc": "rc"}


def python_version(version: str) -> str:
    """The PEP 440 spelling of a SemVer version that SEMVER matches."""
    match = SEMVER.fullmatch(version)
    if match is None:
        raise ValueError(version)
    major, minor, patch, pre, number = match.groups()
    base = f"{major}.{minor}.{patch}"
    return base if pre is None else f"{base}{PEP440_PRE[pre]}{number}"


def crate_version(manifest: str) -> str:
    with open(manifest, "rb") as f:
        data = tomllib.load(f)
    package = data.get("package")
    version = package.get("version") if isinstance(package, dict) else None
    if not isinstance(version, str):
        raise ValueError(f"{manifest} has no literal [package] version")
    return version


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag")
    parser.add_argument("--manifest", default="Cargo.toml")
    args = parser.parse_args(argv)

    try:
        version = crate_version(args.manifest)
    except (OSError, tomllib.TOMLDecodeError, ValueError) as e:
        print(f"::error::cannot read the crate version: {e}")
        return 2

    tag = args.tag
    if not tag.startswith("v") or SEMVER.fullmatch(tag[1:]) is None:
        print(
            f"::error::Tag {tag!r} is not v<MAJOR>.<MINOR>.<PATCH>, optionally with "
            "-alpha.N, -beta.N or -rc.N (for example v1.2.3 or v1.2.3-rc.1)."
        )
        return 1
    if tag[1:] != version:
        print(
            f"::error::Tag {tag!r} does not match version {version!r} in {args.manifest}. "
            f"Set version = {tag[1:]!r} there (or tag v{version}), then tag again."
        )
        return 1

    pyver = python_version(version)
    prerelease = "true" if "-" in version else "false"
    print(f"Releasing chora-cli {version} (PyPI version {pyver}, prerelease: {prerelease})")
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as f:
            f.write(f"version={version}\npython_version={pyver}\nprerelease={prerelease}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
