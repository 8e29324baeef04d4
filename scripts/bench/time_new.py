"""Time `chora new` against `copier copy` in the same run, for scripts/bench/new.sh.

Usage: python time_new.py WORKDIR N_CHORA N_COPIER -- CHORA_CMD... -- COPIER_CMD...
Each command gets the destination folder appended as its last argument ({dest} anywhere in it
is replaced instead, if present). Each run writes into a fresh folder under WORKDIR that does
not exist yet. One untimed warm-up run of each comes first. Then the runs alternate between the
two tools so that drifts in machine load hit both alike. Wall time of the whole process
(time.perf_counter around subprocess.run), which is what a user waits for.

Before timing, the outputs of the warm-up runs are compared file by file (answers files aside)
and the differences are listed, so that a reader can see that both did the same work.
"""

import os
import statistics
import subprocess
import sys
import time

from tree_compare import compare

def command(template, dest):
    if any("{dest}" in arg for arg in template):
        return [arg.replace("{dest}", dest) for arg in template]
    return template + [dest]


def run(template, dest):
    cmd = command(template, dest)
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode(errors="replace"))
        sys.exit("failed (exit %d): %s" % (proc.returncode, " ".join(cmd)))
    return elapsed * 1000.0


def main():
    args = sys.argv[1:]
    workdir, n_chora, n_copier = args[0], int(args[1]), int(args[2])
    rest = args[3:]
    if rest[:1] != ["--"] or rest[1:].count("--") != 1:
        sys.exit("usage: time_new.py WORKDIR N_CHORA N_COPIER -- CHORA_CMD... -- COPIER_CMD...")
    split = rest.index("--", 1)
    tools = {"chora": rest[1:split], "copier": rest[split + 1:]}
    counts = {"chora": n_chora, "copier": n_copier}
    seq = {"chora": 0, "copier": 0}

    def fresh(tool):
        seq[tool] += 1
        parent = os.path.join(workdir, "%s-%03d" % (tool, seq[tool]))
        os.makedirs(parent)
        return os.path.join(parent, "bench-pkg")

    warm = {tool: fresh(tool) for tool in tools}
    for tool, cmd in tools.items():
        run(cmd, warm[tool])
    compare(warm["chora"], warm["copier"], "chora", "copier",
            heading="outputs", only_label="only from %s", skip_git=False)

    times = {tool: [] for tool in tools}
    for i in range(max(counts.values())):
        for tool, cmd in tools.items():
            if i < counts[tool]:
                times[tool].append(run(cmd, fresh(tool)))

    print()
    print("%-8s %5s %12s %12s %12s" % ("tool", "runs", "median ms", "min ms", "max ms"))
    for tool, ts in times.items():
        print("%-8s %5d %12.1f %12.1f %12.1f"
              % (tool, len(ts), statistics.median(ts), min(ts), max(ts)))
    med = {t: statistics.median(ts) for t, ts in times.items()}
    low = {t: min(ts) for t, ts in times.items()}
    print()
    print("ratio copier/chora: %.1fx (median), %.1fx (min)"
          % (med["copier"] / med["chora"], low["copier"] / low["chora"]))


if __name__ == "__main__":
    main()
