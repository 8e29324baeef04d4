#!/usr/bin/env python3
"""Make the standalone release archives of chora from the release wheels, with SHA-256 sums.

Usage: archive.py --wheels DIR --version V --extras DIR --out DIR [--include FILE]...

For each platform, the binaries come out of that platform's wheel, so an archive holds the very
executables that PyPI serves (Linux: the musllinux wheels, whose binaries are static):

    *-musllinux_*_x86_64.whl   x86_64-unknown-linux-musl   tar.gz
    *-musllinux_*_aarch64.whl  aarch64-unknown-linux-musl  tar.gz
    *-macosx_*_x86_64.whl      x86_64-apple-darwin         tar.gz
    *-macosx_*_arm64.whl       aarch64-apple-darwin        tar.gz
    *-win_amd64.whl            x86_64-pc-windows-msvc      zip

Each archive `chora-cli-V-<target>.<ext>` has one top folder of the same name holding `chora`
and `chora-publish` (`.exe` on Windows), the `--include` files (README.md, ...) and the
contents of `--extras` (`man/`, `completions/`, made by the binaries themselves). Entries are
sorted, with fixed times and owners, so the same inputs give the same bytes. Next to each archive
goes `<archive>.sha256`, and `SHA256SUMS` lists every archive (the `sha256sum -c` format).
Every platform above must have exactly one wheel. Exit status: 0 done, 1 a wheel is missing,
duplicated or broken, 2 bad usage.
"""

import argparse
import gzip
import hashlib
import io
import os
import re
import sys
import tarfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wheel_binaries  # noqa: E402

# (platform tag pattern at the end of the wheel name, Rust target, archive format)
PLATFORMS = (
    (re.compile(r"musllinux_\d+_\d+_x86_64"), "x86_64-unknown-linux-musl", "tar.gz"),
    (re.compile(r"musllinux_\d+_\d+_aarch64"), "aarch64-unknown-linux-musl", "tar.gz"),
    (re.compile(r"macosx_\d+_\d+_x86_64"), "x86_64-apple-darwin", "tar.gz"),
    (re.compile(r"macosx_\d+_\d+_arm64"), "aarch64-apple-darwin", "tar.gz"),
    (re.compile(r"win_amd64"), "x86_64-pc-windows-msvc", "zip"),
)
# 1980-01-01, the earliest time a zip entry can carry; used for every entry of both formats.
FIXED_TIME = 315532800


class ArchiveError(Exception):
    """A reason the archives cannot be made."""


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def wheel_for_each_platform(wheels_dir: str) -> list[tuple[str, str, str]]:
    """(wheel path, target, format) for every platform, in PLATFORMS order."""
    names = sorted(n for n in os.listdir(wheels_dir) if n.endswith(".whl"))
    chosen = []
    for pattern, target, fmt in PLATFORMS:
        matches = [n for n in names if pattern.search(n[:-4].rsplit("-", 1)[-1])]
        if len(matches) != 1:
            found = ", ".join(matches) or "none"
            raise ArchiveError(f"need exactly one wheel for {target}, found: {found}")
        chosen.append((os.path.join(wheels_dir, matches[0]), target, fmt))
    return chosen


def tree_files(root: str) -> list[tuple[str, str]]:
    """(relative `/` path, absolute path) of every regular file under root, sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            out.append((rel, full))
    return sorted(out)


def write_tar_gz(path: str, entries: list[tuple[str, bytes, int]]) -> None:
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for name, data, mode in entries:
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    info.mode = mode
                    info.mtime = FIXED_TIME
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    tar.addfile(info, io.BytesIO(data))


def write_zip(path: str, entries: list[tuple[str, bytes, int]]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)


def make_archive(
    wheel: str, target: str, fmt: str, version: str, extras: str, includes: list[str], out: str
) -> str:
    top = f"chora-cli-{version}-{target}"
    staging = os.path.join(out, f".staging-{target}")
    try:
        binaries = wheel_binaries.extract(wheel, staging)
    except wheel_binaries.WheelError as e:
        raise ArchiveError(str(e)) from e
    entries: list[tuple[str, bytes, int]] = []
    for path in binaries:
        with open(path, "rb") as f:
            entries.append((f"{top}/{os.path.basename(path)}", f.read(), 0o755))
        os.remove(path)
    os.rmdir(staging)
    for path in includes:
        with open(path, "rb") as f:
            entries.append((f"{top}/{os.path.basename(path)}", f.read(), 0o644))
    for rel, full in tree_files(extras):
        with open(full, "rb") as f:
            entries.append((f"{top}/{rel}", f.read(), 0o644))
    entries.sort(key=lambda e: e[0])
    names = [e[0] for e in entries]
    if len(set(names)) != len(names):
        raise ArchiveError(f"{top}: two files have the same name in the archive")

    archive = os.path.join(out, f"{top}.{fmt}")
    (write_zip if fmt == "zip" else write_tar_gz)(archive, entries)
    with open(archive + ".sha256", "w", encoding="utf-8", newline="\n") as f:
        f.write(f"{sha256_file(archive)}  {os.path.basename(archive)}\n")
    return archive


def write_sums(out: str, archives: list[str]) -> str:
    path = os.path.join(out, "SHA256SUMS")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for archive in sorted(archives, key=os.path.basename):
            f.write(f"{sha256_file(archive)}  {os.path.basename(archive)}\n")
    return path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--extras", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--include", action="append", default=[])
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[0-9A-Za-z.+-]+", args.version):
        print(f"::error::invalid version {args.version!r}")
        return 2
    os.makedirs(args.out, exist_ok=True)
    try:
        archives = [
            make_archive(wheel, target, fmt, args.version, args.extras, args.include, args.out)
            for wheel, target, fmt in wheel_for_each_platform(args.wheels)
        ]
    except (ArchiveError, OSError) as e:
        print(f"::error::{e}")
        return 1
    sums = write_sums(args.out, archives)
    with open(sums, encoding="utf-8") as f:
        sys.stdout.write(f.read())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
