#!/usr/bin/env bash
# Checks the dashboard against Grafana's published dashboard schema: the TypeScript types of the npm
# package @grafana/schema (Grafana generates them from its CUE schema), compiled with TypeScript. The
# JSON becomes an object literal typed as Dashboard, so a missing required field, a value of the wrong
# type or an unknown property fails the check.
#   config/grafana/check-dashboard.sh [dashboard.json]
# Needs node and npm; the two packages are installed once into a cache directory
# (GRAFANA_SCHEMA_CHECK_DIR, default ~/.cache/pipeline-archiver/grafana-schema-check).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dashboard="${1:-$here/pipeline-archiver-dashboard.json}"
schema_version=13.2.3
typescript_version=5.9.3
work="${GRAFANA_SCHEMA_CHECK_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pipeline-archiver/grafana-schema-check}"

command -v npm >/dev/null || { echo "check-dashboard.sh: npm is required (Debian: apt-get install npm)" >&2; exit 3; }
mkdir -p "$work"
installed() { # package version: whether that version is in the cache
  [[ -f "$work/node_modules/$1/package.json" ]] &&
    grep -q "\"version\": *\"$2\"" "$work/node_modules/$1/package.json"
}
if ! installed @grafana/schema "$schema_version" || ! installed typescript "$typescript_version"; then
  npm install --prefix "$work" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "@grafana/schema@$schema_version" "typescript@$typescript_version" >&2
fi

# JSON has no enums: each of the schema's string enums (ThresholdsMode, MappingType, ...) is taken as the
# union of its values; everything else is checked as the schema types it.
{
  echo "import type { Dashboard } from '@grafana/schema';"
  echo 'type Json<T> = T extends string ? `${T}` : T extends number | boolean | null | undefined ? T'
  echo '  : T extends Array<infer U> ? Array<Json<U>> : T extends object ? { [K in keyof T]: Json<T[K]> } : T;'
  printf 'export const dashboard: Json<Dashboard> = '
  cat "$dashboard"
  echo ';'
} > "$work/check.ts"
cd "$work"
if node node_modules/typescript/bin/tsc --noEmit --strict --skipLibCheck --module esnext \
    --moduleResolution bundler --target es2022 check.ts; then
  echo "check-dashboard.sh: $(basename "$dashboard") conforms to @grafana/schema $schema_version (Dashboard)"
else
  echo "check-dashboard.sh: $(basename "$dashboard") does not conform to @grafana/schema $schema_version (lines refer to $work/check.ts, line 4 = line 1 of the JSON)" >&2
  exit 1
fi
