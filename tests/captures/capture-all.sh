#!/usr/bin/env bash
# Regenerates tests/data/captures/: runs the real Apache Kafka broker (Maven jars), and for
# each client captures the loopback traffic with tcpdump and splits it into frames.
# Needs root (tcpdump), mvn, java, go, python3 with kafka-python and confluent-kafka, kcat.
#
# usage: tests/captures/capture-all.sh [client ...]
#   clients: kcat confluent-kafka kafka-python sarama sarama-v0.10.2 java java-kip848
#            java-4.4 java-4.4-kip848
#            (default: all; the stock Kafka 3.9.1 broker serves all but java-kip848, which gets
#            a broker of its own with the KIP-848 consumer group protocol enabled, and the
#            java-4.4 sessions: kafka-clients 4.4.0 against a Kafka 4.4.0 broker, so that the
#            frames are the 4.x versions both speak)
# env:   PORT (default 39092), KEEP_PCAPS=1 keeps the pcaps in $WORK.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/tests/data/captures"
PORT="${PORT:-39092}"
CLIENTS=("$@")
[[ ${#CLIENTS[@]} -gt 0 ]] || CLIENTS=(kcat confluent-kafka kafka-python sarama sarama-v0.10.2 java java-kip848
                                       java-4.4 java-4.4-kip848)
WORK="$(mktemp -d /tmp/chronik-capture.XXXXXX)"
BROKER_PID=""
TCPDUMP_PID=""

cleanup() {
  [[ -n "$TCPDUMP_PID" ]] && kill "$TCPDUMP_PID" 2>/dev/null || true
  stop_broker
  [[ "${KEEP_PCAPS:-0}" == 1 ]] || rm -rf "$WORK"
}
trap cleanup EXIT

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "port $PORT is in use; set PORT" >&2; exit 1
fi

# --- build the clients --------------------------------------------------------------------
# The Java client at each release captured: kafka-clients 3.9.1 and 4.4.0, classes apart.
for release in 3.9.1 4.4.0; do
  if [[ " ${CLIENTS[*]} " == *" java"* ]]; then
    cp_file="$HERE/java/.classpath-$release.txt"
    (cd "$HERE/java" && mvn -q -B -Dkafka.version="$release" dependency:build-classpath -Dmdep.outputFile="$cp_file")
    mkdir -p "$WORK/java-classes-$release"
    javac -d "$WORK/java-classes-$release" -cp "$(cat "$cp_file")" "$HERE/java/src/CaptureClient.java"
  fi
done
java_cp() { echo "$(cat "$HERE/java/.classpath-$1.txt"):$WORK/java-classes-$1"; }  # of kafka-clients $1
if [[ " ${CLIENTS[*]} " == *" sarama"* ]]; then
  (cd "$HERE/sarama" && go build -o "$WORK/sarama-capture" .)
fi

# --- broker -------------------------------------------------------------------------------
# start_broker PROFILE: (re)starts the broker with a fresh data dir unless it already runs
# with PROFILE ("stock", or "kip848": the KIP-848 consumer group protocol enabled, both
# Kafka 3.9.1; "kafka-4.4": Kafka 4.4.0, whose consumer groups speak both protocols).
BROKER_PROFILE=""
start_broker() {
  local profile="$1" extra="" version=3.9.1
  [[ "$profile" == "$BROKER_PROFILE" ]] && return 0
  stop_broker
  [[ "$profile" == kip848 ]] && extra="group.coordinator.rebalance.protocols=classic,consumer"
  [[ "$profile" == kafka-4.4 ]] && version=4.4.0
  rm -rf "$WORK/kafka"
  KAFKA_VERSION="$version" KAFKA_EXTRA_PROPS="$extra" KAFKA_DATA_DIR="$WORK/kafka" "$HERE/kafka-broker.sh" "$PORT" \
      > "$WORK/broker-$profile.log" 2>&1 &
  BROKER_PID=$!  # kafka-broker.sh exec's java: this is the JVM
  for _ in $(seq 1 120); do
    if kcat -b "127.0.0.1:$PORT" -L -m 2 >/dev/null 2>&1; then break; fi
    kill -0 "$BROKER_PID" 2>/dev/null || { cat "$WORK/broker-$profile.log" >&2; exit 1; }
    sleep 1
  done
  kcat -b "127.0.0.1:$PORT" -L -m 2 >/dev/null
  BROKER_PROFILE="$profile"
  echo "broker up on $PORT ($profile)" >&2
}
stop_broker() {
  if [[ -n "$BROKER_PID" ]]; then
    kill "$BROKER_PID" 2>/dev/null || true
    wait "$BROKER_PID" 2>/dev/null || true
    BROKER_PID=""
  fi
  BROKER_PROFILE=""
}

run_client() {
  local name="$1"; shift
  local pcap="$WORK/$name.pcap"
  tcpdump -i lo -s 0 -B 8192 -U -n -w "$pcap" "tcp port $PORT" 2>"$WORK/tcpdump-$name.log" &
  TCPDUMP_PID=$!
  sleep 1.5
  echo "== $name: $*" >&2
  timeout 180 "$@"
  sleep 1
  kill -INT "$TCPDUMP_PID"; wait "$TCPDUMP_PID" 2>/dev/null || true
  TCPDUMP_PID=""
  grep -E "dropped by kernel" "$WORK/tcpdump-$name.log" >&2 || true
  python3 "$HERE/split_frames.py" "$pcap" "$PORT" "$OUT/$name" --client "$name"
}

B="127.0.0.1:$PORT"
for client in "${CLIENTS[@]}"; do
  case "$client" in
    java-kip848)     start_broker kip848 ;;
    java-4.4*)       start_broker kafka-4.4 ;;
    *)               start_broker stock ;;
  esac
  case "$client" in
    kcat)            run_client kcat "$HERE/kcat_client.sh" "$B" kcat-topic ;;
    confluent-kafka) run_client confluent-kafka python3 "$HERE/confluent_kafka_client.py" "$B" confluent-topic ;;
    kafka-python)    run_client kafka-python python3 "$HERE/kafka_python_client.py" "$B" kafka-python-topic ;;
    sarama)          run_client sarama "$WORK/sarama-capture" -broker "$B" -version 3.9.0 -topic sarama-topic ;;
    sarama-v0.10.2)  run_client sarama-v0.10.2 "$WORK/sarama-capture" -broker "$B" -version 0.10.2.0 -topic sarama-old-topic ;;
    java)            run_client java java -Xmx256m -cp "$(java_cp 3.9.1)" CaptureClient "$B" java-topic classic ;;
    java-kip848)     run_client java-kip848 java -Xmx256m -cp "$(java_cp 3.9.1)" CaptureClient "$B" java-kip848-topic consumer ;;
    java-4.4)        run_client java-4.4 java -Xmx256m -cp "$(java_cp 4.4.0)" CaptureClient "$B" java-44-topic classic ;;
    java-4.4-kip848) run_client java-4.4-kip848 java -Xmx256m -cp "$(java_cp 4.4.0)" CaptureClient "$B" java-44-kip848-topic consumer ;;
    *) echo "unknown client $client" >&2; exit 2 ;;
  esac
done
python3 "$HERE/summarize.py" "$OUT" > "$OUT/SUMMARY.md"
echo "done: $OUT" >&2
