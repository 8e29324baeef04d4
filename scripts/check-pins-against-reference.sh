#!/usr/bin/env bash
# Compare the project's action pins (data/action-pins.tsv) with the reference recommendations
# (../shared/reference/recommended-pins.tsv beside the repository, or the file given as $1).
#
#   bash scripts/check-pins-against-reference.sh [REFERENCE.tsv]
#
# A maintainer runs this when the reference changes; it is not part of the test suite, which
# must pass in a fresh clone of the project alone (tests/workflow_policy.rs checks the data
# file's own shape and that it pins every action the templates use). After updating
# data/action-pins.tsv, also update the date in its `# Source:` header line.
#
# Compares action, tag and commit SHA (the reference's first three columns; its header line
# starting with `repo` is skipped). Prints one line per difference and exits 1 if there is any,
# 0 if the two agree, 2 if a file cannot be read.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ours="$repo/data/action-pins.tsv"
reference="${1:-$repo/../shared/reference/recommended-pins.tsv}"

for f in "$ours" "$reference"; do
  if [[ ! -r "$f" ]]; then
    echo "check-pins: cannot read $f" >&2
    exit 2
  fi
done

# awk reads the reference first (NR == FNR), then ours; a pin is action<TAB>tag<TAB>sha.
awk -F '\t' -v ours="$ours" -v reference="$reference" '
  NR == FNR {
    if ($0 ~ /^#/ || $0 ~ /^[[:space:]]*$/ || $1 == "repo") next
    ref[$1] = $2 "\t" $3
    ref_order[++n_ref] = $1
    next
  }
  $0 ~ /^#/ || $0 ~ /^[[:space:]]*$/ { next }
  {
    have[$1] = $2 "\t" $3
    if (!($1 in ref)) {
      printf "only in %s: %s %s %s\n", ours, $1, $2, $3
      bad++
    } else if (ref[$1] != have[$1]) {
      split(ref[$1], r, "\t")
      printf "%s: ours %s %s, reference %s %s\n", $1, $2, $3, r[1], r[2]
      bad++
    }
  }
  END {
    for (i = 1; i <= n_ref; i++) {
      a = ref_order[i]
      if (!(a in have)) {
        split(ref[a], r, "\t")
        printf "missing from %s: %s %s %s\n", ours, a, r[1], r[2]
        bad++
      }
    }
    if (bad) {
      printf "check-pins: %d difference(s) between %s and %s\n", bad, ours, reference
      exit 1
    }
    printf "check-pins: %d pins agree with %s\n", n_ref, reference
  }
' "$reference" "$ours"
