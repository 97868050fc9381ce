#!/usr/bin/env bash
# Start a real Apache Kafka broker (single-node KRaft, PLAINTEXT) on 127.0.0.1:<port>.
# Jars come from Maven Central through mvn (tests/captures/kafka/pom.xml).
#
# usage: kafka-broker.sh [port]            (default 19092; runs in the foreground)
#        kafka-broker.sh --resolve-only    (fetches the jars of KAFKA_VERSION and exits: CI setup)
# env:   KAFKA_VERSION (default 3.9.1), KAFKA_DATA_DIR (default: a fresh temp dir),
#        KAFKA_HEAP (default -Xmx512m),
#        KAFKA_EXTRA_PROPS (extra server.properties lines, e.g.
#        "group.coordinator.rebalance.protocols=classic,consumer" for KIP-848 groups),
#        KAFKA_SASL_PORT (a SASL_PLAINTEXT listener on that port too; its mechanisms and
#        JAAS configuration come in KAFKA_EXTRA_PROPS),
#        KAFKA_SSL_PORT (an SSL listener on that port too; its key store comes in
#        KAFKA_EXTRA_PROPS),
#        KAFKA_SASL_SSL_PORT (a SASL_SSL listener on that port too: both of the above),
#        KAFKA_REQUEST_LOG=1 (log every request and response as JSON, to compare a
#        client's conversation with Kafka against its conversation with Chronik)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PORT="${1:-19092}"
KAFKA_VERSION="${KAFKA_VERSION:-3.9.1}"
HEAP="${KAFKA_HEAP:--Xmx512m}"

# Kafka 4.x logs through log4j2 (3.x through reload4j): the SLF4J binding on the classpath
# and the logging configuration below follow the major version.
BINDING=()
if [[ "${KAFKA_VERSION%%.*}" -ge 4 ]]; then
  BINDING=(-Dslf4j.binding.groupId=org.apache.logging.log4j -Dslf4j.binding.artifactId=log4j-slf4j-impl
           -Dslf4j.binding.version=2.24.3)
fi
CP_FILE="${HERE}/kafka/.classpath-${KAFKA_VERSION}.txt"
if [[ ! -s "$CP_FILE" ]]; then
  (cd "${HERE}/kafka" && mvn -q -B -Dkafka.version="${KAFKA_VERSION}" "${BINDING[@]}" \
      dependency:build-classpath -Dmdep.outputFile="$CP_FILE") >&2
fi
[[ "$PORT" == --resolve-only ]] && exit 0
CONTROLLER_PORT="$((PORT + 1))"
CP="$(cat "$CP_FILE")"
EXTRA_LISTENERS=""
[[ -n "${KAFKA_SASL_PORT:-}" ]] && EXTRA_LISTENERS=",SASL_PLAINTEXT://127.0.0.1:${KAFKA_SASL_PORT}"
[[ -n "${KAFKA_SSL_PORT:-}" ]] && EXTRA_LISTENERS+=",SSL://127.0.0.1:${KAFKA_SSL_PORT}"
[[ -n "${KAFKA_SASL_SSL_PORT:-}" ]] && EXTRA_LISTENERS+=",SASL_SSL://127.0.0.1:${KAFKA_SASL_SSL_PORT}"

WORK="${KAFKA_DATA_DIR:-$(mktemp -d /tmp/chronik-kafka.XXXXXX)}"
mkdir -p "$WORK/data"
cat > "$WORK/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${CONTROLLER_PORT}
listeners=PLAINTEXT://127.0.0.1:${PORT},CONTROLLER://127.0.0.1:${CONTROLLER_PORT}${EXTRA_LISTENERS}
advertised.listeners=PLAINTEXT://127.0.0.1:${PORT}${EXTRA_LISTENERS}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=${WORK}/data
num.partitions=1
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
min.insync.replicas=1
default.replication.factor=1
group.initial.rebalance.delay.ms=0
log.flush.interval.messages=1000000
${KAFKA_EXTRA_PROPS:-}
PROPS
cat > "$WORK/log4j.properties" <<'PROPS'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
PROPS
# The same, for log4j2 (Kafka 4.x).
cat > "$WORK/log4j2.properties" <<'PROPS'
appender.stderr.type=Console
appender.stderr.name=STDERR
appender.stderr.target=SYSTEM_ERR
appender.stderr.layout.type=PatternLayout
appender.stderr.layout.pattern=[%d] %p %m (%c)%n
rootLogger.level=WARN
rootLogger.appenderRef.stderr.ref=STDERR
logger.kafkaserver.name=kafka.server.KafkaServer
logger.kafkaserver.level=INFO
logger.brokerserver.name=kafka.server.BrokerServer
logger.brokerserver.level=INFO
PROPS
if [[ -n "${KAFKA_REQUEST_LOG:-}" ]]; then
  echo "log4j.logger.kafka.request.logger=DEBUG" >> "$WORK/log4j.properties"
  printf '%s\n' logger.request.name=kafka.request.logger logger.request.level=DEBUG >> "$WORK/log4j2.properties"
fi

JAVA_OPTS=("$HEAP" -Xms128m -XX:+UseG1GC -Djava.awt.headless=true
           "-Dlog4j.configuration=file:${WORK}/log4j.properties"
           "-Dlog4j2.configurationFile=file:${WORK}/log4j2.properties")
if [[ ! -f "$WORK/data/meta.properties" ]]; then
  CLUSTER_ID="$(java "${JAVA_OPTS[@]}" -cp "$CP" kafka.tools.StorageTool random-uuid)"
  java "${JAVA_OPTS[@]}" -cp "$CP" kafka.tools.StorageTool format \
       -t "$CLUSTER_ID" -c "$WORK/server.properties" >&2
fi
echo "kafka-broker: ${KAFKA_VERSION} on 127.0.0.1:${PORT}, dir ${WORK}" >&2
exec java "${JAVA_OPTS[@]}" -cp "$CP" kafka.Kafka "$WORK/server.properties"
