"""Time `chora audit` against `zizmor --offline`, for scripts/bench/audit.sh.

Usage: python3 time_audit.py ROUNDS CORPUS WORK CHORA ZIZMOR

Part 1, the corpus: one repository per corpus file under WORK/corpus (layout of
time_migrate.py); each round times each tool once per repository and once over all of them,
alternating the tools' order by round. Part 2: 1,000 `chora new` projects, each with its own
name, cycling through four answer sets, audited by one `chora audit --repos-from` process per
round. Wall
time of whole processes; exit statuses checked (chora 0/1, zizmor 0 or 10-14).
"""

import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from time_migrate import layout, run  # noqa: E402  (the same layout and process timer)

CORPUS_TARGET = 5.0
SCALE_REPOS = 1000
SCALE_TARGET_S = 2.0
CHORA_OK = {0, 1}
ZIZMOR_OK = {0, 10, 11, 12, 13, 14}


def chora_cmd(chora, dirs):
    return [chora, "audit", "--no-report", "--fail-on", "never", "--format", "json", *dirs]


def corpus_part(rounds, corpus, work, chora, zizmor):
    repos = layout(corpus, os.path.join(work, "corpus"))
    modes = {
        ("chora", "per-repo"): lambda: [run(chora_cmd(chora, [r]), CHORA_OK)[0] for r in repos],
        ("zizmor", "per-repo"): lambda: [run([zizmor, "--offline", "--no-progress", r], ZIZMOR_OK)[0]
                                         for r in repos],
        ("chora", "all"): lambda: [run(chora_cmd(chora, repos), CHORA_OK)[0]],
        ("zizmor", "all"): lambda: [run([zizmor, "--offline", "--no-progress", *repos], ZIZMOR_OK)[0]],
    }
    print("part 1: %d corpus repositories; rounds: %d after one warm-up" % (len(repos), rounds))
    for mode in modes.values():
        mode()
    totals = {key: [] for key in modes}
    for i in range(rounds):
        keys = list(modes) if i % 2 == 0 else list(reversed(list(modes)))
        for key in keys:
            totals[key].append(sum(modes[key]()))
    print("%-7s %-9s %16s" % ("tool", "mode", "median round ms"))
    for (tool, mode), values in totals.items():
        print("%-7s %-9s %16.1f" % (tool, mode, statistics.median(values)))
    for mode in ("per-repo", "all"):
        ratio = statistics.median(totals[("zizmor", mode)]) / statistics.median(totals[("chora", mode)])
        print("ratio zizmor/chora (%s): %.1fx; target >= %.0fx: %s"
              % (mode, ratio, CORPUS_TARGET, "met" if ratio >= CORPUS_TARGET else "NOT met"))


# Answer sets the generated repositories cycle through (an organisation's mix).
VARIANTS = [
    [],
    ["pypi_auth_method=token"],
    ["codecov=true", "safety=true", "bandit=true"],
    ["publish_testpypi=false", "attestations=false"],
]


def scale_part(rounds, work, chora):
    home = os.path.join(work, "home")
    os.makedirs(home)
    env = dict(os.environ, HOME=home)
    root = os.path.join(work, "scale")
    os.makedirs(root)
    names = []
    for i in range(SCALE_REPOS):
        name = "repo-%04d" % i
        cmd = [chora, "new", os.path.join(root, name), "--defaults", "--no-git"]
        answers = ["project_name=bench-%04d" % i, "author_name=Bench",
                   "author_email=bench@example.org", "github_owner=bench-org",
                   *VARIANTS[i % len(VARIANTS)]]
        for a in answers:
            cmd += ["--data", a]
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
        names.append(name)
    listing = os.path.join(root, "repos.txt")
    with open(listing, "w") as f:
        f.write("\n".join(names) + "\n")
    cmd = [chora, "audit", "--no-report", "--fail-on", "never", "--format", "json",
           "--repos-from", listing]
    run(cmd, CHORA_OK)
    times = [run(cmd, CHORA_OK)[0] for _ in range(rounds)]
    median_s = statistics.median(times) / 1000.0
    print()
    print("part 2: %d generated repositories (each its own name; %d answer sets), one process;"
          " rounds: %d" % (SCALE_REPOS, len(VARIANTS), rounds))
    print("chora audit --repos-from: median %.2f s, max %.2f s; target < %.0f s: %s"
          % (median_s, max(times) / 1000.0, SCALE_TARGET_S,
             "met" if median_s < SCALE_TARGET_S else "NOT met"))


def main():
    if len(sys.argv) != 6:
        sys.exit("usage: time_audit.py ROUNDS CORPUS WORK CHORA ZIZMOR")
    rounds = int(sys.argv[1])
    corpus, work, chora, zizmor = sys.argv[2:]
    corpus_part(rounds, corpus, work, chora, zizmor)
    scale_part(rounds, work, chora)


if __name__ == "__main__":
    main()
