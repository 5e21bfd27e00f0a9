#!/usr/bin/env bash
# Unpacks the Boot jar the way the container image runs it (config/Dockerfile): extracted, its
# libraries beside it as plain jars, with an application class-data-sharing (CDS) archive of the
# classes in config/cds/classes.lst; once per build of the jar (or change of the list or the JVM
# options). Prints the java arguments that launch it, one per line, after the JVM options:
#   scripts/exploded.sh [JAR]     default jobs/target/pipeline-archiver.jar -> jobs/target/exploded
#     -XX:SharedArchiveFile=/…/jobs/target/exploded/application.jsa
#     -jar
#     /…/jobs/target/exploded/pipeline-archiver.jar
# scripts/demo.sh and scripts/bench.sh run the job so: classes come mapped from the archive, parsed
# and verified already, instead of being read from jars nested in the jar (README "Performance").
# Where the archive cannot be made (another JDK, no list), the same launch runs without it, slower.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JAR="${1:-jobs/target/pipeline-archiver.jar}"
[[ -f "$JAR" ]] || { echo "exploded: $JAR does not exist (mvn -DskipTests package)" >&2; exit 2; }
# absolute: the archive records the class path it was made with, and a launch from another
# directory must name the same jar
DIR="$(cd "$(dirname "$JAR")" && pwd)/exploded"
LIST="$ROOT/config/cds/classes.lst"
OPTIONS="$ROOT/config/jvm.options"
APP="$DIR/$(basename "$JAR")"
if [[ ! -f "$DIR/.extracted" || "$JAR" -nt "$DIR/.extracted" || "$LIST" -nt "$DIR/.extracted" || "$OPTIONS" -nt "$DIR/.extracted" ]]; then
  rm -rf "$DIR"
  java -Djarmode=tools -jar "$JAR" extract --destination "$DIR" >/dev/null
  if [[ -f "$LIST" ]]; then
    # the static dump loads the listed classes from the same class path the launch uses, with the
    # launch's options (collector, heap); it runs no code of the job and needs no database
    java @"$OPTIONS" -Xshare:dump -XX:SharedClassListFile="$LIST" -XX:SharedArchiveFile="$DIR/application.jsa" \
      -cp "$APP" >"$DIR/cds-dump.log" 2>&1 \
      || { echo "exploded: no CDS archive (the job starts without it): $(tail -n 1 "$DIR/cds-dump.log")" >&2; rm -f "$DIR/application.jsa"; }
  fi
  touch "$DIR/.extracted"
fi
[[ -f "$DIR/application.jsa" ]] && echo "-XX:SharedArchiveFile=$DIR/application.jsa"
echo "-jar"
echo "$APP"
