#!/usr/bin/env bash
# Prints the JVM options of an argument file on one line (default: config/jvm.options, the options of
# every launch of the job), as the java launcher reads it for what this project puts there: options
# separated by white space, '#' at the start of a word comments out the rest of the line. Quotes are
# refused (the launcher would treat them specially; ArchiverProcess in the tests refuses them too).
#   scripts/jvm-options.sh              ->  -Xmx256m -XX:InitialHeapSize=256m ...
set -euo pipefail
FILE="${1:-$(dirname "$0")/../config/jvm.options}"
[[ -r "$FILE" ]] || { echo "jvm-options: $FILE cannot be read" >&2; exit 2; }
if grep -q "[\"']" "$FILE"; then echo "jvm-options: $FILE: quoted options are not supported" >&2; exit 2; fi
awk '{ for (i = 1; i <= NF; i++) { if ($i ~ /^#/) break; printf "%s%s", (n++ ? " " : ""), $i } } END { print "" }' "$FILE"
