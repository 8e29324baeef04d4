"""Upload benchmark for scripts/bench/publish.sh: chora-publish against twine and uv publish.

Usage: python publish_bench.py [--no-large] [--runs N] [--large-runs N] [--hash-runs N]
           --repo REPO --work DIR

Run it with the test tools' venv Python (.tools/venv/bin/python: it has passlib for the
htpasswd file; the .tools/bin/python symlink does not see the venv's packages).
REPO is the repository root (tools in REPO/.tools, chora-publish in REPO/target/release), DIR
an empty scratch folder (the caller removes it).

What it does, in one run on one machine:
  1. builds the wheels in DIR: 5 x 20 MiB (benchpkg0..4) and, unless --no-large, one 1 GiB
     (benchlarge). Each is valid for chora-publish's pre-upload validation: METADATA
     (Metadata-Version 2.1, Name, Version), WHEEL and a RECORD with the sha256 and size of every
     member; the payload is os.urandom data stored uncompressed (ZIP_STORED), so no tool gains
     from compression and the file size is the bytes sent;
  2. starts the pinned pypiserver on 127.0.0.1 as tests/support/standin/pypiserver.rs does (htpasswd
     written by passlib with apr1, `-a update -P htpasswd --disable-fallback --hash-algo sha256
     --backend simple-dir`, user __token__, password pypi-test-token);
  3. for each set, runs of the three tools alternate (chora-publish, uv, twine, then again) so
     that drifts in machine load hit all alike; before each run the package folder is emptied,
     so every tool uploads every file; after it the folder must hold exactly the set's files
     with the same sha256, and the tool must have exited 0, or the benchmark stops;
  4. times `chora-publish check` on the 1 GiB wheel (best of --hash-runs, wall time; the file
     is read once, the upload digests computed on the way as the archive is verified), then
     checks chora's sha256 and blake2b-256 of the 1 GiB wheel (`upload --dry-run
     --report`, which sends nothing with a token) against Python's hashlib;
  5. measures the floor: single-core SHA-256 and BLAKE2b-256 rates on data in memory
     (examples/hash_floor.rs, the same libraries), and what the hashing chora-publish must do
     on each set (two upload digests + the RECORD sha256 of the members) costs in CPU at
     those rates, against chora-publish's and uv's CPU;
  6. prints the machine, a table and the ratios, and the targets met or missed.

Measurement. Each tool runs under GNU time (/usr/bin/time -f '%x %U %S %M'), which forks and
execs it and reads that one process's resource usage from wait4 (with any children it waited
for): client CPU = user + system time, peak RSS = ru_maxrss. Not
os.wait4 from here: Linux carries the RSS high-water mark of the process that forks across exec
into ru_maxrss, so a tool forked from this Python process would be reported at least as large
as Python; GNU time is a small C program. GNU time prints CPU times to 10 ms. pypiserver's own
CPU and memory are not counted. twine runs as `.tools/bin/twine` (a Python console script, so
its interpreter start-up is part of its figures, as it is for a user); uv is the native binary
pip installs. CPU is the median of the runs, peak RSS the largest; wall time is shown for
information only (the server and the loopback dominate it). The files are freshly written, so
they are read from the page cache, not the disk.
"""

import argparse
import base64
import hashlib
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import zipfile

USER = "__token__"
PASSWORD = "pypi-test-token"
MiB = 1024 * 1024
GiB = 1024 * MiB
CHUNK = 4 * MiB
GNU_TIME = "/usr/bin/time"

SMALL_COUNT = 5
SMALL_SIZE = 20 * MiB
LARGE_SIZE = 1 * GiB

TARGET_CPU_VS_UV = 0.6        # chora CPU <= 0.6 x uv's (5 x 20 MiB set)
TARGET_CPU_VS_FLOOR = 1.15    # chora CPU <= 1.15 x its own hashing floor (both sets)
TARGET_RSS_MIB = 15.0         # chora peak RSS <= 15 MiB
TARGET_RSS_GROWTH_MIB = 1.0   # "flat": 1 GiB set at most 1 MiB above the 20 MiB set

CHECK_WHEEL = "check, 1 GiB wheel (one read: file digests + RECORD sha256)"


def b64_digest(data_hash):
    return base64.urlsafe_b64encode(data_hash.digest()).rstrip(b"=").decode()


def make_wheel(folder, name, payload_size):
    """A wheel valid for chora-publish check: urandom payload (stored), METADATA, WHEEL, RECORD."""
    version = "1.0"
    path = os.path.join(folder, "%s-%s-py3-none-any.whl" % (name, version))
    dist_info = "%s-%s.dist-info" % (name, version)
    record = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        member = "%s/data.bin" % name
        info = zipfile.ZipInfo(member, date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        sha = hashlib.sha256()
        left = payload_size
        with zf.open(info, "w", force_zip64=payload_size >= 2 * GiB) as out:
            while left:
                block = os.urandom(min(CHUNK, left))
                sha.update(block)
                out.write(block)
                left -= len(block)
        record.append("%s,sha256=%s,%d" % (member, b64_digest(sha), payload_size))
        texts = [
            ("%s/__init__.py" % name, "DATA = 'data.bin'\n"),
            ("%s/METADATA" % dist_info,
             "Metadata-Version: 2.1\nName: %s\nVersion: %s\n"
             "Summary: chora-publish benchmark wheel\n" % (name, version)),
            ("%s/WHEEL" % dist_info,
             "Wheel-Version: 1.0\nGenerator: chora-bench\nRoot-Is-Purelib: true\n"
             "Tag: py3-none-any\n"),
        ]
        for arcname, text in texts:
            data = text.encode()
            zf.writestr(zipfile.ZipInfo(arcname, date_time=(2026, 1, 1, 0, 0, 0)), data)
            record.append("%s,sha256=%s,%d" % (arcname, b64_digest(hashlib.sha256(data)), len(data)))
        record.append("%s/RECORD,," % dist_info)
        zf.writestr(zipfile.ZipInfo("%s/RECORD" % dist_info, date_time=(2026, 1, 1, 0, 0, 0)),
                    ("\n".join(record) + "\n").encode())
    return path


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            block = f.read(CHUNK)
            if not block:
                return h.hexdigest()
            h.update(block)


# --- pypiserver ---------------------------------------------------------------------------------

class Server:
    def __init__(self, repo, work):
        venv = os.path.join(repo, ".tools", "venv", "bin")
        self.packages = os.path.join(work, "packages")
        os.makedirs(self.packages)
        htpasswd = os.path.join(work, "htpasswd")
        from passlib.apache import HtpasswdFile  # the tools venv has it
        h = HtpasswdFile(htpasswd, new=True, default_scheme="apr_md5_crypt")
        h.set_password(USER, PASSWORD)
        h.save()
        self.log_path = os.path.join(work, "pypiserver.log")
        last = ""
        for _ in range(3):
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                self.port = s.getsockname()[1]
            log = open(self.log_path, "wb")
            self.proc = subprocess.Popen(
                [os.path.join(venv, "pypi-server"), "run", "-i", "127.0.0.1",
                 "-p", str(self.port), "-a", "update", "-P", htpasswd,
                 "--disable-fallback", "--hash-algo", "sha256", "--backend", "simple-dir",
                 self.packages],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                env=dict(os.environ, PYTHONUNBUFFERED="1"))
            log.close()
            if self._wait_ready():
                self.url = "http://127.0.0.1:%d/" % self.port
                return
            self.stop()
            last = open(self.log_path, errors="replace").read()
            if "Address already in use" not in last:
                break
        sys.exit("pypiserver did not start:\n" + last)

    def _wait_ready(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/simple/" % self.port,
                                            timeout=2) as r:
                    if r.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def clear(self):
        for name in os.listdir(self.packages):
            os.remove(os.path.join(self.packages, name))

    def files(self):
        return sorted(os.listdir(self.packages))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- one measured run ---------------------------------------------------------------------------

def measure(cmd, env, log_path):
    """Run cmd under GNU time; return (exit code, cpu s, user s, sys s, peak RSS KiB, wall s).

    GNU time (a small C program) forks and execs cmd and reads that one process's resource
    usage from wait4: user and system CPU time and ru_maxrss. It is used rather than os.wait4
    here because Linux carries the RSS high-water mark of the forking process across exec into
    ru_maxrss: a tool started straight from this Python process would be reported at least as
    large as this process.
    """
    times_path = log_path + ".time"
    with open(log_path, "wb") as log:
        start = time.perf_counter()
        proc = subprocess.run([GNU_TIME, "-f", "%x %U %S %M", "-o", times_path, "--"] + cmd,
                              stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                              env=env, check=False)
        wall = time.perf_counter() - start
    last = open(times_path).read().split("\n")
    fields = [line for line in last if line.strip()][-1].split()
    try:
        code, user, sys_, rss = int(fields[0]), float(fields[1]), float(fields[2]), int(fields[3])
    except (ValueError, IndexError):
        sys.exit("cannot read GNU time's output %r (exit %d): %s"
                 % (open(times_path).read(), proc.returncode, " ".join(cmd)))
    return code, user + sys_, user, sys_, rss, wall


def tool_commands(repo, url, wheels):
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("TWINE_", "UV_", "CHORA_PUBLISH_"))}
    chora = os.path.join(repo, "target", "release", "chora-publish")
    twine = os.path.join(repo, ".tools", "bin", "twine")
    uv = os.path.join(repo, ".tools", "bin", "uv")
    return [
        ("chora-publish",
         [chora, "upload", "--auth", "token", "--repository-url", url] + wheels,
         dict(base_env, CHORA_PUBLISH_TOKEN=PASSWORD)),
        ("uv publish",
         [uv, "publish", "--publish-url", url, "--username", USER, "--password", PASSWORD,
          "--trusted-publishing", "never", "--no-progress"] + wheels,
         dict(base_env, UV_PYTHON_DOWNLOADS="never")),
        ("twine upload",
         [twine, "upload", "--repository-url", url, "--non-interactive",
          "--disable-progress-bar"] + wheels,
         dict(base_env, TWINE_USERNAME=USER, TWINE_PASSWORD=PASSWORD)),
    ]


def bench_set(label, wheels, runs, server, repo, work):
    expected = {os.path.basename(w): (os.path.getsize(w), file_sha256(w)) for w in wheels}
    tools = tool_commands(repo, server.url, wheels)
    results = {name: [] for name, _, _ in tools}
    for r in range(runs):
        for name, cmd, env in tools:
            server.clear()
            log_path = os.path.join(work, "%s-%s-%d.log" % (label.replace(" ", ""),
                                                            name.split()[0], r))
            code, cpu, user, sys_, rss, wall = measure(cmd, env, log_path)
            output = open(log_path, errors="replace").read()
            if code != 0:
                sys.exit("%s exited %d on set %s:\n%s\n--- pypiserver log (tail) ---\n%s"
                         % (name, code, label, output,
                            open(server.log_path, errors="replace").read()[-3000:]))
            got = server.files()
            if got != sorted(expected):
                sys.exit("%s (set %s) left %s in the package folder, expected %s\n%s"
                         % (name, label, got, sorted(expected), output))
            for fname in got:
                p = os.path.join(server.packages, fname)
                if (os.path.getsize(p), file_sha256(p)) != expected[fname]:
                    sys.exit("%s (set %s): %s on the server differs from the original"
                             % (name, label, fname))
            results[name].append((cpu, user, sys_, rss, wall))
            print("  %-14s run %d/%d: cpu %6.2f s (user %5.2f, sys %5.2f)  peak RSS %7.1f MiB"
                  "  wall %6.2f s  [%d files verified]"
                  % (name, r + 1, runs, cpu, user, sys_, rss / 1024, wall, len(got)), flush=True)
    server.clear()
    return results


def summarise(results):
    out = {}
    for name, rows in results.items():
        out[name] = {
            "cpu": statistics.median(r[0] for r in rows),
            "user": statistics.median(r[1] for r in rows),
            "sys": statistics.median(r[2] for r in rows),
            "rss": max(r[3] for r in rows) / 1024.0,  # MiB, worst run
            "wall": statistics.median(r[4] for r in rows),
            "runs": len(rows),
        }
    return out


# --- hashing ------------------------------------------------------------------------------------

def bench_hash(repo, work, large_wheel, runs):
    chora = os.path.join(repo, "target", "release", "chora-publish")
    rows = {}
    for label, path, want_code in ((CHECK_WHEEL, large_wheel, 0),):
        best = None
        for r in range(runs):
            log_path = os.path.join(work, "hash-%d-%d.log" % (want_code, r))
            code, cpu, _, _, rss, wall = measure([chora, "check", path], dict(os.environ), log_path)
            output = open(log_path, errors="replace").read()
            if code != want_code:
                sys.exit("chora-publish check %s: exit %d (expected %d):\n%s"
                         % (path, code, want_code, output))
            if best is None or wall < best[0]:
                best = (wall, cpu, rss)
        rows[label] = (os.path.getsize(path), best)
        print("  %-48s best of %d: %.3f s wall, %.2f s cpu, %.2f GB/s, peak RSS %.1f MiB"
              % (label, runs, best[0], best[1], os.path.getsize(path) / best[0] / 1e9,
                 best[2] / 1024), flush=True)

    # The digests themselves, on the 1 GiB wheel: chora's (upload --dry-run --report; a token
    # upload's dry run sends nothing) against Python's hashlib.
    report = os.path.join(work, "dry-run-report.json")
    log_path = os.path.join(work, "dry-run.log")
    with open(log_path, "wb") as log:
        code = subprocess.run([chora, "upload", "--auth", "token", "--dry-run",
                               "--repository-url", "http://127.0.0.1:9/", "--report", report,
                               large_wheel], stdin=subprocess.DEVNULL, stdout=log,
                              stderr=subprocess.STDOUT, check=False,
                              env=dict(os.environ, CHORA_PUBLISH_TOKEN=PASSWORD)).returncode
    if code != 0:
        sys.exit("chora-publish upload --dry-run exited %d:\n%s"
                 % (code, open(log_path, errors="replace").read()))
    got = json.load(open(report))["files"][0]
    sha, blake = hashlib.sha256(), hashlib.blake2b(digest_size=32)
    with open(large_wheel, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            sha.update(block)
            blake.update(block)
    if (got["sha256"], got["blake2_256"]) != (sha.hexdigest(), blake.hexdigest()):
        sys.exit("chora-publish's digests of %s differ from hashlib's: %s / %s"
                 % (large_wheel, got, (sha.hexdigest(), blake.hexdigest())))
    print("  digests of the 1 GiB wheel (sha256, blake2b-256) equal hashlib's", flush=True)
    return rows


def bench_floor(repo):
    """Single-core SHA-256 and BLAKE2b-256 rates (examples/hash_floor.rs: the code
    chora-publish uses, data in memory, best of 5). Returns the parsed JSON: sha256_gbps,
    blake2b_gbps (blake2b_simd, as chora-publish configures it)."""
    exe = os.path.join(repo, "target", "release", "examples", "hash_floor")
    proc = subprocess.run([exe], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, check=False)
    if proc.returncode != 0:
        sys.exit("hash_floor failed:\n" + proc.stdout.decode(errors="replace"))
    return json.loads(proc.stdout)


def floor_seconds(floor, total_bytes):
    """CPU seconds the checks require for TOTAL_BYTES of wheels at this core's rates: the two
    upload digests of every file plus the RECORD sha256 of its (stored) members."""
    sha, blake = floor["sha256_gbps"] * 1e9, floor["blake2b_gbps"] * 1e9
    return total_bytes / sha + total_bytes / blake + total_bytes / sha


def print_floor(floor, summaries, totals):
    """What the work chora-publish must do costs on this core, whatever the implementation."""
    sha, blake = floor["sha256_gbps"], floor["blake2b_gbps"]
    print("floor on this core (examples/hash_floor, in memory, one thread): sha256 %.2f GB/s,"
          " blake2b-256 %.2f GB/s (blake2b_simd)" % (sha, blake))
    print("  one file's sha256 + blake2b-256 on any number of threads: at most %.2f GB/s"
          " (BLAKE2b is one sequential stream)" % min(sha, blake))
    for label, s in summaries:
        need = floor_seconds(floor, totals[label])
        c, uv = s["chora-publish"]["cpu"], s["uv publish"]["cpu"]
        print("  %s: upload digests + RECORD sha256 = %.2f s CPU before reading or sending a byte;"
              " chora-publish %.2f s = %.2f x floor; uv %.2f s"
              % (label, need, c, c / need, uv))


# --- report -------------------------------------------------------------------------------------

def machine():
    model = mhz = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name") and model == "?":
                model = line.split(":", 1)[1].strip()
            if line.startswith("cpu MHz") and mhz == "?":
                mhz = line.split(":", 1)[1].strip()
        flags = next(line for line in open("/proc/cpuinfo") if line.startswith("flags")).split()
    except (OSError, StopIteration):
        flags = []
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = "%.1f GiB" % (int(line.split()[1]) / 1024 / 1024)
    except OSError:
        pass
    feats = ",".join(f for f in ("sha_ni", "avx2", "avx512f") if f in flags) or "none"
    return "%s, %d cores (nproc), %s MHz, %s RAM, %s, Linux %s, CPU features %s" % (
        model, os.cpu_count(), mhz, mem, platform.machine(), platform.release(), feats)


def cpu_stat():
    """(steal, total) jiffies of all CPUs from /proc/stat, or None."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal (guest time is already in user)
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


def version_of(cmd):
    try:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, check=False).stdout.decode()
        return out.strip().splitlines()[0]
    except (OSError, IndexError):
        return "?"


def verdict(ok):
    return "met" if ok else "MISSED"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--no-large", action="store_true", help="skip the 1 GiB set and the hash rate")
    ap.add_argument("--runs", type=int, default=5, help="runs per tool, 5 x 20 MiB set")
    ap.add_argument("--large-runs", type=int, default=5, help="runs per tool, 1 GiB set")
    ap.add_argument("--hash-runs", type=int, default=3)
    args = ap.parse_args()
    repo, work = os.path.abspath(args.repo), os.path.abspath(args.work)

    print("machine: " + machine())
    print("load average at start: %.2f %.2f %.2f" % os.getloadavg())
    stat_start = cpu_stat()
    print("tools: %s; %s; %s; %s" % (
        version_of([os.path.join(repo, "target", "release", "chora-publish"), "--version"]),
        version_of([os.path.join(repo, ".tools", "bin", "uv"), "--version"]),
        version_of([os.path.join(repo, ".tools", "bin", "twine"), "--version"]),
        "pypiserver " + version_of([os.path.join(repo, ".tools", "venv", "bin", "pypi-server"),
                                    "--version"])))

    sets = [("5 x 20 MiB", SMALL_COUNT, SMALL_SIZE, "benchpkg", args.runs)]
    if not args.no_large:
        sets.append(("1 x 1 GiB", 1, LARGE_SIZE, "benchlarge", args.large_runs))

    print("building wheels in %s ..." % work, flush=True)
    wheel_sets = []
    for label, count, size, prefix, runs in sets:
        folder = os.path.join(work, "wheels-" + prefix)
        os.makedirs(folder)
        names = [prefix + str(i) for i in range(count)] if count > 1 else [prefix]
        wheels = [make_wheel(folder, n, size) for n in names]
        wheel_sets.append((label, wheels, runs))
    chora = os.path.join(repo, "target", "release", "chora-publish")
    for label, wheels, _ in wheel_sets:
        proc = subprocess.run([chora, "check"] + wheels, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, check=False)
        if proc.returncode != 0:
            sys.exit("the %s wheels are not valid for chora-publish check:\n%s"
                     % (label, proc.stdout.decode(errors="replace")))

    server = Server(repo, os.path.join(work, "server"))
    print("pypiserver on %s" % server.url, flush=True)
    summaries = []
    totals = {label: sum(os.path.getsize(w) for w in wheels) for label, wheels, _ in wheel_sets}
    try:
        for label, wheels, runs in wheel_sets:
            total = sum(os.path.getsize(w) for w in wheels)
            print("set %s (%d file(s), %.1f MiB):" % (label, len(wheels), total / MiB), flush=True)
            summaries.append((label, summarise(bench_set(label, wheels, runs, server, repo,
                                                         work))))
    finally:
        server.stop()

    hash_rows = None
    if not args.no_large:
        print("hashing (chora-publish check):", flush=True)
        hash_rows = bench_hash(repo, work, wheel_sets[-1][1][0], args.hash_runs)
    floor = bench_floor(repo)

    print()
    print("load average at end: %.2f %.2f %.2f" % os.getloadavg())
    stat_end = cpu_stat()
    if stat_start and stat_end and stat_end[1] > stat_start[1]:
        print("CPU time stolen by the hypervisor during the run: %.1f%% (above a few per cent,"
              " wall times and rates are noisy)"
              % (100.0 * (stat_end[0] - stat_start[0]) / (stat_end[1] - stat_start[1])))
    print()
    print("CPU = user+sys of the client process (median of runs); peak RSS = max RSS of the client"
          " process (worst run); wall for information")
    header = "| set | tool | runs | CPU s | user s | sys s | peak RSS MiB | wall s |"
    print(header)
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for label, s in summaries:
        for name in ("chora-publish", "uv publish", "twine upload"):
            v = s[name]
            print("| %s | %s | %d | %.2f | %.2f | %.2f | %.1f | %.2f |"
                  % (label, name, v["runs"], v["cpu"], v["user"], v["sys"], v["rss"], v["wall"]))
    print()
    print("| set | CPU chora/uv | CPU chora/twine | RSS chora/uv | RSS chora/twine |")
    print("|---|---:|---:|---:|---:|")
    for label, s in summaries:
        c, u, t = s["chora-publish"], s["uv publish"], s["twine upload"]
        print("| %s | %.2f | %.2f | %.2f | %.2f |" % (
            label, c["cpu"] / u["cpu"], c["cpu"] / t["cpu"], c["rss"] / u["rss"],
            c["rss"] / t["rss"]))
    print()
    print_floor(floor, summaries, totals)
    print()
    print("targets (medians of the alternating runs):")
    for label, s in summaries:
        ratio = s["chora-publish"]["cpu"] / floor_seconds(floor, totals[label])
        print("  client CPU <= %.2f x its hashing floor (%s): %.2f x -> %s"
              % (TARGET_CPU_VS_FLOOR, label, ratio, verdict(ratio <= TARGET_CPU_VS_FLOOR)))
    for label, s in summaries[:1]:
        ratio = s["chora-publish"]["cpu"] / s["uv publish"]["cpu"]
        print("  client CPU <= %.1f x uv's (%s): %.2f x -> %s"
              % (TARGET_CPU_VS_UV, label, ratio, verdict(ratio <= TARGET_CPU_VS_UV)))
    for label, s in summaries:
        rss = s["chora-publish"]["rss"]
        print("  peak RSS <= %.0f MiB (%s): %.1f MiB -> %s"
              % (TARGET_RSS_MIB, label, rss, verdict(rss <= TARGET_RSS_MIB)))
    if len(summaries) == 2:
        growth = summaries[1][1]["chora-publish"]["rss"] - summaries[0][1]["chora-publish"]["rss"]
        print("  peak RSS flat from 20 MiB to 1 GiB files (growth <= %.0f MiB): %+.1f MiB -> %s"
              % (TARGET_RSS_GROWTH_MIB, growth, verdict(growth <= TARGET_RSS_GROWTH_MIB)))
    if hash_rows:
        size, (_wall, cpu, _rss) = hash_rows[CHECK_WHEEL]
        print("  (information) %s: %.2f s CPU = %.2f x its floor"
              % (CHECK_WHEEL, cpu, cpu / floor_seconds(floor, size)))
    else:
        print("  hashing: not measured (--no-large)")


if __name__ == "__main__":
    main()
