#!/usr/bin/env bash
# Unpacks the Boot jar the way the container image runs it (config/Dockerfile: `extract --launcher`,
# started with org.springframework.boot.loader.launch.JarLauncher), once per build of the jar, and
# prints the directory. scripts/demo.sh and scripts/bench.sh run the job from it, as the image does:
# classes load from plain files instead of jars nested in the jar (~0.5 s less start).
#   scripts/exploded.sh [JAR]     default jobs/target/pipeline-archiver.jar -> jobs/target/exploded
set -euo pipefail
JAR="${1:-jobs/target/pipeline-archiver.jar}"
DIR="$(dirname "$JAR")/exploded"
[[ -f "$JAR" ]] || { echo "exploded: $JAR does not exist (mvn -DskipTests package)" >&2; exit 2; }
# re-extract when the jar is newer, or when the directory is not the launcher layout (another tool's, an older release's)
if [[ ! -f "$DIR/.extracted" || "$JAR" -nt "$DIR/.extracted" || ! -f "$DIR/org/springframework/boot/loader/launch/JarLauncher.class" ]]; then
  rm -rf "$DIR"
  java -Djarmode=tools -jar "$JAR" extract --launcher --destination "$DIR" >/dev/null
  touch "$DIR/.extracted"
fi
echo "$DIR"
