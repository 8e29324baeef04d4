"""Time `chora migrate --check` against `zizmor --offline` over the corpus, for
scripts/bench/migrate.sh.

Usage: python3 time_migrate.py ROUNDS CORPUS WORK CHORA ZIZMOR

Lays out one repository per corpus file under WORK (<id>/.github/workflows/<file name>), then
runs each tool once per repository per round, alternating tools by round. Wall time of each
whole process (time.perf_counter around subprocess.run). Exit statuses are checked: chora must
exit 0, 1 or 2 (nothing to do / migration needed / refused) and never crash; zizmor 0 or 10-14
(its finding severities). A warm-up round of each comes first and is not timed.
"""

import csv
import os
import shutil
import statistics
import subprocess
import sys
import time

TARGET_RATIO = 10.0


def layout(corpus, work):
    repos = []
    with open(os.path.join(corpus, "index.tsv"), newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            repo = os.path.join(work, row["id"])
            dest = os.path.join(repo, ".github", "workflows")
            os.makedirs(dest)
            shutil.copyfile(os.path.join(corpus, "files", row["id"] + ".yml"),
                            os.path.join(dest, os.path.basename(row["path"])))
            repos.append(repo)
    return repos


def run(cmd, ok):
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok:
        sys.stderr.write(proc.stdout.decode(errors="replace")[-4000:])
        sys.exit("unexpected exit %d: %s" % (proc.returncode, " ".join(cmd)))
    return elapsed * 1000.0, proc.returncode, proc.stdout.decode(errors="replace")


def main():
    if len(sys.argv) != 6:
        sys.exit("usage: time_migrate.py ROUNDS CORPUS WORK CHORA ZIZMOR")
    rounds = int(sys.argv[1])
    corpus, work, chora, zizmor = sys.argv[2:]
    repos = layout(corpus, work)
    tools = {
        "chora": (lambda r: [chora, "migrate", "--check", r], {0, 1, 2}),
        "zizmor": (lambda r: [zizmor, "--offline", "--no-progress", r], {0, 10, 11, 12, 13, 14}),
    }
    print("repositories: %d (one corpus file each); rounds: %d after one warm-up" % (len(repos), rounds))
    flagged = {}
    for tool, (cmd, ok) in tools.items():
        results = [run(cmd(r), ok) for r in repos]
        codes = [code for _, code, _ in results]
        print("warm-up %-6s exit statuses: %s"
              % (tool, {c: codes.count(c) for c in sorted(set(codes))}))
        if tool == "chora":
            flagged[tool] = sum(1 for c in codes if c in (1, 2))
        else:
            flagged[tool] = sum(1 for _, _, out in results if "use-trusted-publishing" in out)
    print("files flagged for token publishing: chora %d (exit 1 or 2), zizmor %d"
          " (a use-trusted-publishing finding)" % (flagged["chora"], flagged["zizmor"]))
    totals = {tool: [] for tool in tools}
    per_file = {tool: [] for tool in tools}
    for i in range(rounds):
        order = list(tools) if i % 2 == 0 else list(reversed(list(tools)))
        for tool in order:
            cmd, ok = tools[tool]
            times = [run(cmd(r), ok)[0] for r in repos]
            totals[tool].append(sum(times))
            per_file[tool].extend(times)
    print()
    print("%-7s %7s %16s %16s %14s" % ("tool", "rounds", "median round ms", "median file ms", "max file ms"))
    for tool in tools:
        print("%-7s %7d %16.1f %16.2f %14.1f" % (
            tool, rounds, statistics.median(totals[tool]), statistics.median(per_file[tool]),
            max(per_file[tool])))
    ratio = statistics.median(totals["zizmor"]) / statistics.median(totals["chora"])
    file_ratio = statistics.median(per_file["zizmor"]) / statistics.median(per_file["chora"])
    print()
    print("ratio zizmor/chora: %.1fx per round (median), %.1fx per file (median); target >= %.0fx: %s"
          % (ratio, file_ratio, TARGET_RATIO, "met" if ratio >= TARGET_RATIO else "NOT met"))


if __name__ == "__main__":
    main()
