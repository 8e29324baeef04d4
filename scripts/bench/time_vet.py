"""Time `chora-publish check` (content vetting on) against `twine check`, for scripts/bench/vet.sh.

Usage: python time_vet.py RUNS WORK CHORA_PUBLISH TWINE [VET_FLOOR]

WORK is an empty scratch folder (the caller removes it); CHORA_PUBLISH the release build;
TWINE the pinned twine (.tools/bin/twine); VET_FLOOR, when given, the release build of
examples/vet_floor.rs (the same files read in-process without and with the content checks).

What it does, in one run on one machine:
  1. builds 5 wheels of 20 MiB each in WORK (benchpkg0..4), deterministic (seeded), with the
     mix of a real wheel: Python modules (functions, classes, docstrings, comments drawn from
     a generated vocabulary), a native extension of binary-ish data (machine-code-like
     structure, zero padding, tables of small integers, a random third) and JSON data files,
     all deflate-compressed (zipfile, level 6) as wheel builders write them; METADATA
     (Metadata-Version 2.1 with a Markdown description, so twine check has a README to
     render), WHEEL and a RECORD with the sha256 and size of every member, so both checks
     pass;
  2. one untimed warm-up run of each tool: both must exit 0; chora-publish's JSON report must
     hold the 5 files with no finding and twine must print PASSED for each (so both checked
     the same files and neither stopped early);
  3. RUNS timed runs per tool, alternating (chora-publish, twine, then again) so that drifts
     in machine load hit both alike: `chora-publish check FILES` and `twine check FILES`;
  4. prints the machine, a table of CPU (user + sys, median and min) and wall time, the ratio
     chora/twine and whether the target (chora <= 0.5 x twine's CPU, medians) is met; with
     VET_FLOOR, the CPU of the same read without the content checks (the archive checks,
     RECORD and digests chora-publish did before content vetting) and with them.

Measurement: each tool is started with subprocess.Popen and reaped with os.wait4, whose
rusage gives that one process's user and system CPU time (and that of any children it waited
for; neither tool starts any). twine runs as the console script (its interpreter start-up and
imports are part of its figures, as they are for a user). The files are freshly written, so
both read them from the page cache.
"""

import hashlib
import base64
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import zipfile

MiB = 1024 * 1024
COUNT = 5
SIZE = 20 * MiB
TARGET = 0.5   # chora-publish CPU <= 0.5 x twine's (medians)

WORDS = ("account address adapter alpha archive array base batch buffer cache channel chunk "
         "client column config context count cursor data decode default delta digest encode "
         "entry event factor field filter format frame graph handle header index input item "
         "kernel layer length limit matrix member message method model module name node "
         "offset option output packet parser path payload point pool queue range reader "
         "record region report request result sample scale schema scope score section "
         "server session shape signal source stage state status stream string table target "
         "task tensor token total tree value vector weight window worker writer").split()
KEYWORDS = ["return", "yield", "raise", "assert", "del", "pass"]


def ident(rng, parts=2):
    return "_".join(rng.choice(WORDS) for _ in range(parts))


def python_lines(rng, n):
    """A pool of plausible Python source lines."""
    lines = []
    for _ in range(n):
        kind = rng.random()
        indent = "    " * rng.randint(0, 3)
        if kind < 0.08:
            lines.append("def %s(%s, %s=None):" % (ident(rng), ident(rng, 1), ident(rng, 1)))
        elif kind < 0.12:
            lines.append("class %s%s:" % (rng.choice(WORDS).title(), rng.choice(WORDS).title()))
        elif kind < 0.25:
            lines.append('%s"""%s the %s of the %s, or None when %s."""' % (
                indent, rng.choice(WORDS).title(), rng.choice(WORDS), ident(rng, 1),
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))))
        elif kind < 0.35:
            lines.append("%s# %s" % (indent, " ".join(rng.choice(WORDS)
                                                       for _ in range(rng.randint(3, 12)))))
        elif kind < 0.55:
            lines.append("%s%s = %s.%s(%s, %d)" % (indent, ident(rng), ident(rng, 1),
                                                   ident(rng), ident(rng, 1), rng.randint(0, 4096)))
        elif kind < 0.7:
            lines.append("%sif %s is not None and %s > %d:" % (indent, ident(rng), ident(rng, 1),
                                                              rng.randint(0, 100)))
        elif kind < 0.8:
            lines.append("%s%s %s(%s)" % (indent, rng.choice(KEYWORDS), ident(rng), ident(rng, 1)))
        elif kind < 0.9:
            lines.append("%sfor %s in self.%s:" % (indent, ident(rng, 1), ident(rng)))
        else:
            lines.append("%sself.%s = %r" % (indent, ident(rng), ident(rng, 3)))
    return lines


def python_module(rng, pool, size):
    out = ['"""%s."""' % " ".join(rng.choice(WORDS) for _ in range(8)).capitalize(),
           "", "import os", "import sys", ""]
    total = 0
    while total < size:
        line = rng.choice(pool)
        out.append(line)
        total += len(line) + 1
    return ("\n".join(out) + "\n").encode()


def binaryish(rng, size):
    """Native-extension-like bytes: code-like runs, zero padding, small-integer tables and a
    random (already compressed-looking) third."""
    parts = []
    total = 0
    opcodes = bytes(rng.randrange(256) for _ in range(64))
    while total < size:
        kind = rng.random()
        n = rng.randint(4096, 65536)
        if kind < 0.35:
            block = os.urandom(n)
        elif kind < 0.65:
            block = bytes(opcodes[rng.randrange(64)] if i % 4 == 0 else rng.randrange(16)
                          for i in range(n // 8)) * 8
        elif kind < 0.8:
            block = b"\0" * n
        else:
            block = b"".join(rng.randrange(1024).to_bytes(4, "little") for _ in range(n // 4))
        parts.append(block)
        total += len(block)
    return b"".join(parts)[:size]


def json_data(rng, size):
    rows = []
    total = 0
    while total < size:
        row = json.dumps({ident(rng, 1): rng.randint(0, 10 ** 6), "name": ident(rng, 3),
                          "score": round(rng.random(), 6)})
        rows.append(row)
        total += len(row) + 2
    return ("[\n" + ",\n".join(rows) + "\n]\n").encode()


def b64_digest(data):
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def make_wheel(folder, index, pool):
    rng = random.Random(1000 + index)
    name = "benchpkg%d" % index
    version = "1.0"
    path = os.path.join(folder, "%s-%s-cp312-cp312-manylinux_2_17_x86_64.whl" % (name, version))
    dist_info = "%s-%s.dist-info" % (name, version)
    record = []
    when = (2026, 1, 1, 0, 0, 0)

    def add(zf, arcname, data):
        info = zipfile.ZipInfo(arcname, date_time=when)
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, data, compresslevel=6)
        record.append("%s,sha256=%s,%d" % (arcname, b64_digest(data), len(data)))

    with zipfile.ZipFile(path, "w") as zf:
        # About half of the compressed size is the extension, the rest modules and data.
        add(zf, "%s/_native.cpython-312-x86_64-linux-gnu.so" % name, binaryish(rng, 14 * MiB))
        add(zf, "%s/__init__.py" % name, b"from ._native import *\n__version__ = '1.0'\n")
        i = 0
        while zf.fp.tell() < SIZE - 256 * 1024:
            i += 1
            if i % 10 == 0:
                add(zf, "%s/data/table_%03d.json" % (name, i), json_data(rng, rng.randint(50_000, 400_000)))
            else:
                sub = ident(rng, 1)
                add(zf, "%s/%s/%s_%03d.py" % (name, sub, ident(rng, 1), i),
                    python_module(rng, pool, rng.randint(2_000, 120_000)))
        metadata = ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n"
                    "Summary: chora-publish vetting benchmark wheel\n"
                    "Description-Content-Type: text/markdown\n\n"
                    "# %s\n\nA benchmark wheel: modules, an extension and data.\n\n"
                    "- one\n- two\n\n```python\nimport %s\n```\n" % (name, version, name, name))
        add(zf, "%s/METADATA" % dist_info, metadata.encode())
        add(zf, "%s/WHEEL" % dist_info, b"Wheel-Version: 1.0\nGenerator: chora-bench\n"
            b"Root-Is-Purelib: false\nTag: cp312-cp312-manylinux_2_17_x86_64\n")
        record.append("%s/RECORD,," % dist_info)
        info = zipfile.ZipInfo("%s/RECORD" % dist_info, date_time=when)
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, ("\n".join(record) + "\n").encode())
    return path, len(record) - 1


def timed(cmd):
    """(exit code, user s, sys s, wall s, stdout) of one run of cmd."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    out = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_utime, usage.ru_stime, wall, out.decode(errors="replace")


def must(cmd):
    code, user, sys_, wall, out = timed(cmd)
    if code != 0:
        sys.stderr.write(out)
        sys.exit("failed (exit %d, expected 0): %s" % (code, " ".join(cmd)))
    return user, sys_, wall, out


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit("usage: time_vet.py RUNS WORK CHORA_PUBLISH TWINE [VET_FLOOR]")
    runs, work, chora, twine = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    floor = sys.argv[5] if len(sys.argv) == 6 else None

    print("building %d wheels of %d MiB..." % (COUNT, SIZE // MiB))
    pool = python_lines(random.Random(7), 20_000)
    wheels = []
    members = 0
    unpacked = 0
    for i in range(COUNT):
        path, n = make_wheel(work, i, pool)
        wheels.append(path)
        members += n
        with zipfile.ZipFile(path) as zf:
            unpacked += sum(info.file_size for info in zf.infolist())
    packed = sum(os.path.getsize(w) for w in wheels)
    print("set: %d wheels, %.1f MiB on disk, %.1f MiB unpacked (%.1fx), %d members"
          % (COUNT, packed / MiB, unpacked / MiB, unpacked / packed, members))

    tools = {
        "chora-publish check": [chora, "check"] + wheels,
        "twine check": [twine, "check"] + wheels,
    }
    # Warm-up: both pass, on every file.
    _, _, _, out = must([chora, "check", "--format", "json"] + wheels)
    report = json.loads(out)
    if len(report["files"]) != COUNT or report["findings"] or not report["summary"]["ok"]:
        sys.exit("chora-publish check did not pass the set cleanly:\n" + out)
    _, _, _, out = must(tools["twine check"])
    if out.count("PASSED") != COUNT:
        sys.exit("twine check did not pass every file:\n" + out)

    times = {tool: [] for tool in tools}
    for _ in range(runs):
        for tool, cmd in tools.items():
            user, sys_, wall, _ = must(cmd)
            times[tool].append((user + sys_, user, sys_, wall))

    print()
    print("machine: %d cores, %s %s, %s; Python %s" % (
        os.cpu_count(), platform.system(), platform.release(), platform.machine(),
        platform.python_version()))
    print("runs: %d per tool, alternating, after one warm-up each" % runs)
    print()
    print("%-22s %10s %10s %10s %10s %10s" % ("tool", "CPU s", "user s", "sys s", "min CPU", "wall s"))
    med = {}
    for tool, ts in times.items():
        cpu = statistics.median(t[0] for t in ts)
        med[tool] = cpu
        print("%-22s %10.3f %10.3f %10.3f %10.3f %10.3f" % (
            tool, cpu, statistics.median(t[1] for t in ts), statistics.median(t[2] for t in ts),
            min(t[0] for t in ts), statistics.median(t[3] for t in ts)))
    ratio = med["chora-publish check"] / med["twine check"]
    print()
    print("ratio chora-publish/twine CPU: %.2f (median)" % ratio)
    print("target <= %.1f x twine's CPU: %s" % (TARGET, "met" if ratio <= TARGET else "NOT met"))

    if floor:
        _, _, _, out = must([floor, str(runs)] + wheels)
        f = json.loads(out)
        print()
        print("in-process (examples/vet_floor, median of %d):" % runs)
        print("  read without content checks (archive, RECORD, digests): %.3f s CPU" % f["structural_cpu"])
        print("  read with content checks (as check does):              %.3f s CPU" % f["vetted_cpu"])
        print("  content checks' share: %.3f s CPU (%.0f %%)" % (
            f["vetted_cpu"] - f["structural_cpu"],
            100.0 * (f["vetted_cpu"] - f["structural_cpu"]) / f["vetted_cpu"]))
        print("  floor / twine: %.2f" % (f["structural_cpu"] / med["twine check"]))


if __name__ == "__main__":
    main()
