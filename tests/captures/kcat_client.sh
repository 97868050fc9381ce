#!/usr/bin/env bash
# kcat (librdkafka) client session for traffic capture.
# kcat has no admin commands: the topic is auto-created by the producer's metadata request,
# and it is not deleted.
# usage: kcat_client.sh BOOTSTRAP TOPIC
set -euo pipefail
B="${1:-127.0.0.1:19092}"
T="${2:-kcat-topic}"
G=kcat-group

kcat -b "$B" -X client.id=kcat-metadata -L >/dev/null
for codec in none gzip snappy lz4 zstd; do
  for i in 0 1 2; do echo "key-$i:value $i with $codec compression"; done |
    kcat -b "$B" -X client.id="kcat-producer-$codec" -X compression.codec="$codec" \
         -X linger.ms=20 -X allow.auto.create.topics=true \
         -P -t "$T" -p 0 -K: -H h1=v1 -H codec="$codec"
done
kcat -b "$B" -X client.id=kcat-consumer -C -t "$T" -o beginning -e -q \
     -f '%k %s %h\n' >/dev/null
kcat -b "$B" -X client.id=kcat-group-consumer -X heartbeat.interval.ms=500 \
     -X enable.auto.commit=true -X auto.commit.interval.ms=200 \
     -X auto.offset.reset=earliest -G "$G" "$T" -e -q >/dev/null
kcat -b "$B" -X client.id=kcat-query -Q -t "$T:0:0" >/dev/null
kcat -b "$B" -X client.id=kcat-query -Q -t "$T:0:-1" >/dev/null || true
echo "kcat done" >&2
