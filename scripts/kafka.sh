#!/usr/bin/env bash
# Resolves Apache Kafka's broker (org.apache.kafka:kafka_2.13) and all its runtime dependencies
# from Maven Central into a local cache, once. The tests (internal/kafkatest, PROFILESTREAM_KAFKA=real)
# and `make chaos` start brokers from these jars with `java -cp 'libs/*' kafka.Kafka`.
#
#   scripts/kafka.sh libs    resolve (if needed) and print the directory holding the jars
#
# Environment: KAFKA_VERSION (default 4.4.0), PROFILESTREAM_KAFKA_HOME (default
# ~/.cache/profilestream/kafka-$KAFKA_VERSION). Needs java (17+) and mvn. Idempotent: a complete
# cache is marked with libs/.complete and not resolved again; concurrent callers wait on a lock.
set -euo pipefail
ver="${KAFKA_VERSION:-4.4.0}"
home="${PROFILESTREAM_KAFKA_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/profilestream/kafka-$ver}"
log4j="2.25.5" # slf4j 1.7 binding for Kafka's log4j2 (the broker logs nothing without one)

cmd="${1:-libs}"
case "$cmd" in
libs) ;;
*) echo "usage: $0 libs" >&2; exit 2 ;;
esac

if [ -f "$home/libs/.complete" ]; then
  echo "$home/libs"
  exit 0
fi
for tool in java mvn; do
  command -v "$tool" >/dev/null 2>&1 || { echo "kafka.sh: $tool is missing (scripts/ensure-deps.sh installs it)" >&2; exit 1; }
done
mkdir -p "$home"
exec 9>"$home/.lock"
flock 9
if [ ! -f "$home/libs/.complete" ]; then
  echo "kafka.sh: resolving org.apache.kafka:kafka_2.13:$ver and its dependencies into $home/libs" >&2
  rm -rf "$home/libs" "$home/libs.tmp"
  cat >"$home/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>profilestream</groupId><artifactId>kafka-broker-libs</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$ver</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$log4j</version></dependency>
  </dependencies>
</project>
POM
  if ! mvn -q -B -Dstyle.color=never -f "$home/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$home/libs.tmp" >"$home/mvn.log" 2>&1; then
    tail -n 30 "$home/mvn.log" | sed "s/\x1b\[[0-9;]*m//g" >&2
    echo "kafka.sh: FAILED to resolve Apache Kafka $ver with Maven (log: $home/mvn.log)" >&2
    exit 1
  fi
  ls "$home/libs.tmp"/kafka_2.13-"$ver".jar >/dev/null
  mv "$home/libs.tmp" "$home/libs"
  touch "$home/libs/.complete"
fi
echo "$home/libs"
