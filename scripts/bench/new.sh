#!/usr/bin/env bash
# Benchmark: `chora new` with the default template (python-package) against `copier copy` of an
# equivalent copier template, on the same machine in the same run; prints a table and the ratio
# copier/chora. Not part of the test suite or CI (timings are never asserted).
#
#   bash scripts/bench/new.sh [N_CHORA [N_COPIER]]     (defaults: 30 and 10)
#
# The copier template is generated here, in a temporary folder, from chora's own
# templates/python-package by scripts/bench/make_copier_template.py (there is no network access
# to fetch a published one, and an equivalent template makes the comparison fair):
#   - template.yml's questions become copier.yml questions with the same types, defaults,
#     validators (the cross-answer checks join the last question's validator) and conditions;
#   - `.jinja` files are copied as they are (default delimiters);
#   - `.jinja-gh` files, which chora renders with [[ ]] [% %] [# #] delimiters so that GitHub's
#     ${{ }} passes through, are converted to default delimiters (literal {{ {% {# escaped) and
#     renamed `.jinja`: copier has one delimiter style per template, and converting keeps the
#     rendering work the same instead of turning those files into plain copies;
#   - chora's template functions (uses(), git_config(), the pep503 and python_identifier
#     filters, chora_version, current_year) come from a small Jinja extension, so copier runs
#     with --trust and the extension on PYTHONPATH;
#   - copier writes its answers file as chora writes .chora-answers.yml.
# The script compares the two outputs file by file before timing and lists any difference.
#
# Both tools get every answer on the command line plus --defaults, write into a fresh folder
# each run, and are timed as whole processes (Python's time.perf_counter around
# subprocess.run): the wall time a user waits, including copier's interpreter start-up.
# chora is built with `cargo build --release`; copier is the pinned one from
# scripts/install-test-tools.sh (.tools/bin/copier). git is not run by either (--no-git).
set -euo pipefail

n_chora="${1:-30}"
n_copier="${2:-10}"
# shellcheck source=scripts/bench/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
bench_setup new

"$py" scripts/bench/make_copier_template.py \
  templates/python-package data/action-pins.tsv "$version" "$work/copier"

answers=(
  project_name=bench-pkg
  author_name=Bench
  author_email=bench@example.org
  github_owner=bench-org
  copyright_year=2026
)
chora_cmd=("$chora" new --defaults --no-git)
copier_cmd=(env "PYTHONPATH=$work/copier/ext" "$copier_bin" copy --quiet --trust --defaults)
for a in "${answers[@]}"; do
  chora_cmd+=(--data "$a")
  copier_cmd+=(--data "$a")
done
copier_cmd+=("$work/copier/template")

echo "machine: $(nproc) cores, $(uname -sr); $("$chora" --version 2>/dev/null || echo chora); $("$copier_bin" --version)"
echo "runs: chora $n_chora, copier $n_copier (after one warm-up run each)"
mkdir -p "$work/runs"
"$py" scripts/bench/time_new.py "$work/runs" "$n_chora" "$n_copier" \
  -- "${chora_cmd[@]}" -- "${copier_cmd[@]}"
