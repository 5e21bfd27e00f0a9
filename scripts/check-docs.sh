#!/usr/bin/env bash
# Checks the manual and docs/ (run by scripts/test.sh before the build):
#  - README.md stays a manual: at most 420 lines (the rest belongs under docs/);
#  - every relative Markdown link in README.md and docs/ points at a file inside the repository;
#  - every JVM option of config/jvm.options is named in README.md, and README.md says how many there are;
#  - every decision record is listed in docs/decisions/README.md.
# Exit 0, or 1 with one line per problem.
set -euo pipefail
cd "$(dirname "$0")/.."

problems=0
problem() { echo "check-docs: $*" >&2; problems=$((problems + 1)); }

lines=$(wc -l < README.md)
((lines <= 420)) || problem "README.md has $lines lines; keep it a manual (at most 420) and move the rest under docs/"

ROOT="$PWD"
while IFS= read -r -d '' file; do
  dir="$(dirname "$file")"
  # every ](target) of the file; grep reads the whole file (no early exit under pipefail)
  while IFS= read -r link; do
    target="${link#](}"; target="${target%)}"; target="${target%%#*}"
    [[ -z "$target" || "$target" =~ ^[a-z]+: ]] && continue
    resolved="$(realpath -m "$dir/$target")"
    if [[ "$resolved" != "$ROOT"/* ]]; then
      problem "$file: link $target points outside the repository"
    elif [[ ! -e "$resolved" ]]; then
      problem "$file: link $target points at nothing"
    fi
  done < <(grep -o '\]([^) ]*)' "$file" || true)
done < <(find README.md docs -name '*.md' -print0)

read -r -a options <<< "$(scripts/jvm-options.sh)"
for option in "${options[@]}"; do
  grep -qF -- "$option" README.md || problem "README.md does not name $option of config/jvm.options"
done
words=(zero one two three four five six seven eight nine ten eleven twelve)
count="${words[${#options[@]}]:-${#options[@]}}"
grep -q "holds $count options" README.md \
  || problem "README.md does not say that config/jvm.options holds $count options"

for record in docs/decisions/[0-9][0-9][0-9][0-9]-*.md; do
  grep -qF "($(basename "$record"))" docs/decisions/README.md \
    || problem "docs/decisions/README.md does not list $(basename "$record")"
done

((problems == 0)) || { echo "check-docs: $problems problem(s)" >&2; exit 1; }
echo "check-docs: README.md ($lines lines), docs/ and their links are consistent"
