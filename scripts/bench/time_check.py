"""Time `chora check` against `copier update --pretend` in the same run, for scripts/bench/check.sh.

Usage: python time_check.py N_CHORA N_COPIER CHORA_PROJECT COPIER_PROJECT -- CHORA_CMD... -- COPIER_CMD...

The commands are run as given (they name their project themselves), always on the same two
committed projects; neither writes anything. Every run must exit 0: a failure stops the
benchmark with the command's output. One untimed warm-up run of each comes first; its output is
shown, the two projects' git working trees are checked to be still clean afterwards, and the two
projects are compared file by file (.git and the answers files aside) so that a reader can see
that both tools check the same files. Then the runs alternate between the two tools so that
drifts in machine load hit both alike. Wall time of the whole process (time.perf_counter around
subprocess.run), which is what a user or a pre-commit hook waits for.
"""

import os
import statistics
import subprocess
import sys
import time

from tree_compare import compare

TARGET_MS = 10.0


def run(cmd, capture=False):
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout.decode(errors="replace"))
        sys.exit("failed (exit %d, expected 0): %s" % (proc.returncode, " ".join(cmd)))
    if capture:
        return proc.stdout.decode(errors="replace")
    return elapsed * 1000.0


def clean(project):
    proc = subprocess.run(["git", "status", "--porcelain"], cwd=project,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0 or proc.stdout.strip():
        sys.stderr.write(proc.stdout.decode(errors="replace"))
        sys.exit("the project changed or is not a clean git tree: %s" % project)


def main():
    args = sys.argv[1:]
    rest = args[4:]
    if len(args) < 4 or rest[:1] != ["--"] or rest[1:].count("--") != 1:
        sys.exit("usage: time_check.py N_CHORA N_COPIER CHORA_PROJECT COPIER_PROJECT"
                 " -- CHORA_CMD... -- COPIER_CMD...")
    counts = {"chora": int(args[0]), "copier": int(args[1])}
    projects = {"chora": args[2], "copier": args[3]}
    split = rest.index("--", 1)
    tools = {"chora": rest[1:split], "copier": rest[split + 1:]}

    for tool, cmd in tools.items():
        out = run(cmd, capture=True).strip().splitlines()
        print("warm-up %s (exit 0): %s" % (tool, out[-1] if out else "(no output)"))
        clean(projects[tool])
    compare(projects["chora"], projects["copier"], "chora", "copier",
            heading="projects", only_label="only in %s's project", skip_git=True)

    times = {tool: [] for tool in tools}
    for i in range(max(counts.values())):
        for tool, cmd in tools.items():
            if i < counts[tool]:
                times[tool].append(run(cmd))
    for project in projects.values():
        clean(project)

    print()
    print("%-8s %5s %12s %12s %12s" % ("tool", "runs", "median ms", "min ms", "max ms"))
    for tool, ts in times.items():
        print("%-8s %5d %12.1f %12.1f %12.1f"
              % (tool, len(ts), statistics.median(ts), min(ts), max(ts)))
    med = {t: statistics.median(ts) for t, ts in times.items()}
    low = {t: min(ts) for t, ts in times.items()}
    print()
    print("ratio copier/chora: %.0fx (median), %.0fx (min)"
          % (med["copier"] / med["chora"], low["copier"] / low["chora"]))
    print("target chora check < %.0f ms (median): %s (%.1f ms)"
          % (TARGET_MS, "met" if med["chora"] < TARGET_MS else "NOT met", med["chora"]))


if __name__ == "__main__":
    main()
