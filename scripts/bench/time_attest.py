"""Time `chora-publish sign` against pypi-attestations' signing, for scripts/bench/attest.sh.

Usage: python time_attest.py ROUNDS CHORA_PUBLISH STANDINS

Starts the stand-ins (STANDINS prints one JSON line, then serves until its stdin closes), makes
5 wheels, then per round signs them with each tool into a fresh folder. CPU is the child's
user + sys (os.wait4 rusage); wall is time.perf_counter around the process. A warm-up run of
each comes first and is not timed. Each run must exit 0 and write 5 attestation files.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
import hashlib
import base64

TARGET = 10.0
FILES = 5

# What `pypi-attestations sign` does (pypi_attestations/_cli.py), with the stand-ins' trust
# config instead of the production one: detect the ambient identity (audience sigstore), one
# signer, Attestation.sign per file, write <file>.publish.attestation.
PY_SIGN = r"""
import sys
from pathlib import Path
from sigstore.models import ClientTrustConfig
from sigstore.oidc import IdentityToken, detect_credential
from sigstore.sign import SigningContext
from pypi_attestations import Attestation, Distribution

trust = ClientTrustConfig.from_json(Path(sys.argv[1]).read_text())
ctx = SigningContext.from_trust_config(trust)
token = IdentityToken(detect_credential())
out = Path(sys.argv[2])
with ctx.signer(token, cache=True) as signer:
    for p in sys.argv[3:]:
        dist = Distribution.from_file(Path(p))
        att = Attestation.sign(signer, dist)
        (out / (Path(p).name + ".publish.attestation")).write_text(att.model_dump_json())
"""


def wheel(path, name, payload):
    dist_info = f"{name}-1.0.dist-info"
    files = {
        f"{name}/__init__.py": payload,
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for n, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{n},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for n, data in files.items():
            z.writestr(n, data)


def timed(cmd, env, cwd):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{cmd[0]} failed:\n{output.decode(errors='replace')}")
    return usage.ru_utime + usage.ru_stime, wall


def main():
    rounds, chora, standins = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    server = subprocess.Popen([standins], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    info = json.loads(server.stdout.readline())
    work = tempfile.mkdtemp(prefix="chora-bench-attest.")
    dist = os.path.join(work, "dist")
    os.makedirs(dist)
    paths = []
    for i in range(FILES):
        p = os.path.join(dist, f"benchpkg{i}-1.0-py3-none-any.whl")
        wheel(p, f"benchpkg{i}", os.urandom(1 << 20))
        paths.append(p)
    env = {"PATH": os.environ.get("PATH", ""), **info["env"]}

    def run_chora(out):
        return timed([chora, "sign", "--attestations-dir", out,
                      "--sigstore-fulcio-url", info["fulcio_url"],
                      "--sigstore-rekor-url", info["rekor_url"],
                      "--sigstore-trust-root", info["trusted_root"], *paths], env, work)

    def run_python(out):
        return timed([sys.executable, "-c", PY_SIGN, info["trust_config"], out, *paths], env, work)

    tools = {"chora-publish sign": run_chora, "pypi-attestations (Python)": run_python}
    results = {name: [] for name in tools}
    for r in range(rounds + 1):
        for name, fn in tools.items():
            out = tempfile.mkdtemp(dir=work)
            cpu, wall = fn(out)
            made = [f for f in os.listdir(out) if f.endswith(".publish.attestation")]
            if len(made) != FILES:
                sys.exit(f"{name} wrote {len(made)} attestations, expected {FILES}")
            if r > 0:
                results[name].append((cpu, wall))
    server.stdin.close()
    server.wait()

    print(f"Signing {FILES} distributions against the Sigstore stand-ins, {rounds} rounds (medians):")
    med = {}
    for name, runs in results.items():
        cpu = statistics.median(c for c, _ in runs)
        wall = statistics.median(w for _, w in runs)
        med[name] = (cpu, wall)
        print(f"  {name:28} CPU {cpu * 1000:8.1f} ms   wall {wall * 1000:8.1f} ms")
    (c_cpu, c_wall), (p_cpu, p_wall) = med["chora-publish sign"], med["pypi-attestations (Python)"]
    ratio = p_cpu / c_cpu if c_cpu else float("inf")
    print(f"  CPU ratio pypi-attestations / chora-publish: {ratio:.1f}x (target >= {TARGET:.0f}x: "
          f"{'met' if ratio >= TARGET else 'MISSED'})")
    print(f"  wall ratio: {p_wall / c_wall:.1f}x")


if __name__ == "__main__":
    main()
