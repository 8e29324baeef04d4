"""File-by-file comparison of the two trees a benchmark produced (chora's and copier's), so that
a reader can see both tools did the same work. Shared by time_new.py and time_check.py."""

import filecmp
import os

ANSWERS_FILES = {".chora-answers.yml", ".copier-answers.yml"}


def tree(root, skip_git):
    """Relative path -> absolute path of every file under root (.git left out if skip_git)."""
    files = {}
    for dirpath, dirs, names in os.walk(root):
        if skip_git:
            dirs[:] = [d for d in dirs if d != ".git"]
        for name in names:
            path = os.path.join(dirpath, name)
            files[os.path.relpath(path, root)] = path
    return files


def compare(a_root, b_root, a_name, b_name, heading, only_label, skip_git):
    """Print how many files are identical and list the differences (answers files aside).
    only_label is a format with one %s for the tool name, e.g. "only from %s"."""
    a, b = tree(a_root, skip_git), tree(b_root, skip_git)
    common = set(a) & set(b) - ANSWERS_FILES
    only_a = sorted(set(a) - set(b) - ANSWERS_FILES)
    only_b = sorted(set(b) - set(a) - ANSWERS_FILES)
    differ = sorted(p for p in common if not filecmp.cmp(a[p], b[p], shallow=False))
    print("%s: %d files identical" % (heading, len(common) - len(differ)), end="")
    if not (only_a or only_b or differ):
        skipped = ".git and answers files" if skip_git else "answers files"
        print(" (all of them; %s not compared)" % skipped)
        return
    print("; differences:")
    for p in only_a:
        print("  %s: %s" % (only_label % a_name, p))
    for p in only_b:
        print("  %s: %s" % (only_label % b_name, p))
    for p in differ:
        print("  differ: %s" % p)
