#!/usr/bin/env bash
# kcat (librdkafka) compatibility scenarios. Prints one COMPAT-RESULT line per operation.
# Operations kcat has no command for (admin, transactions) are declared "not supported" by
# tests/compat/run, not here. kcat cannot create topics: it relies on the broker creating
# them on first use (auto.create.topics.enable, one partition).
#
# usage: CHRONIK_BOOTSTRAP=host:port scenarios.sh
set -uo pipefail
b="${CHRONIK_BOOTSTRAP:?CHRONIK_BOOTSTRAP is not set}"
run="$(date +%s%N | tail -c 7)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

result() {  # op status reason
  local reason
  reason="$(printf '%s' "$3" | tr '\n' ' ' | cut -c1-300 | sed 's/\\/\\\\/g; s/"/\\"/g')"
  printf 'COMPAT-RESULT {"op": "%s", "status": "%s", "reason": "%s"}\n' "$1" "$2" "$reason"
  if [ "$2" = pass ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

k() { timeout 30 kcat -b "$b" -m 10 "$@" 2> "$work/err"; }
err() { grep -v -e '^%7' -e CONFWARN "$work/err" | tail -n 2 | tr '\n' ' '; }

# messages N PREFIX: "k<i%7>:v<i>" lines for i in 0..N-1
messages() { for ((i = 0; i < $1; i++)); do echo "k$((i % 7)):$2$i"; done; }

# produce TOPIC N PREFIX [kcat -X options...]: keyed messages with headers.
produce() {
  local t="$1" n="$2" p="$3"
  shift 3
  messages "$n" "$p" | k -P -t "$t" -K: -H "src=kcat" -H "run=$run" "$@"
}

# expect_back TOPIC N PREFIX: the topic holds exactly those messages, with key and headers.
expect_back() {
  local t="$1" n="$2" p="$3" got want
  got="$(k -C -t "$t" -o beginning -e -q -f '%k:%s|%h\n' | sort)" || { echo "consume failed: $(err)"; return 1; }
  want="$(messages "$n" "$p" | sed "s/\$/|src=kcat,run=$run/" | sort)"
  if [ "$got" != "$want" ]; then
    echo "read back $(printf '%s' "$got" | grep -c .) records, want $n (first: $(printf '%s' "$got" | head -n 1))"
    return 1
  fi
}

scenario() {  # ops... -- command...
  local ops=() out
  while [ "$1" != "--" ]; do ops+=("$1"); shift; done
  shift
  if out="$("$@" 2>&1)"; then
    for op in "${ops[@]}"; do result "$op" pass ""; done
  else
    for op in "${ops[@]}"; do result "$op" fail "${out:-exit status $?} $(err)"; done
  fi
}

metadata() {
  k -L -J > "$work/md" || { echo "kcat -L failed: $(err)"; return 1; }
  grep -q '"brokers":\[{' "$work/md" || { echo "no broker in metadata: $(head -c 200 "$work/md")"; return 1; }
}

produce_acks_all() {
  produce "kcat-main-$run" 500 v -X acks=all || { echo "produce failed: $(err)"; return 1; }
  expect_back "kcat-main-$run" 500 v
}

codec() {
  produce "kcat-$1-$run" 300 v -z "$1" || { echo "produce failed: $(err)"; return 1; }
  expect_back "kcat-$1-$run" 300 v
}

acks() {
  produce "kcat-acks$1-$run" 200 v -X "acks=$1" || { echo "produce failed: $(err)"; return 1; }
  expect_back "kcat-acks$1-$run" 200 v
}

idempotent() {
  produce "kcat-idem-$run" 500 v -X enable.idempotence=true || { echo "produce failed: $(err)"; return 1; }
  expect_back "kcat-idem-$run" 500 v
}

from_offset() {
  local t="kcat-offset-$run" got
  produce "$t" 100 v || { echo "produce failed: $(err)"; return 1; }
  got="$(k -C -t "$t" -p 0 -o 40 -e -q -f '%o:%s\n')" || { echo "consume failed: $(err)"; return 1; }
  [ "$(printf '%s\n' "$got" | head -n 1)" = "40:v40" ] && [ "$(printf '%s\n' "$got" | grep -c .)" = 60 ] ||
    { echo "from offset 40 got $(printf '%s\n' "$got" | grep -c .) records, first $(printf '%s\n' "$got" | head -n 1)"; return 1; }
}

# Two batches a second apart; the timestamp between them is where the second one starts.
two_batches() {
  produce "$1" 20 a || return 1
  sleep 1.2
  mid=$(($(date +%s%3N) - 100))
  produce "$1" 20 b
}

by_timestamp() {
  local t="kcat-ts-$run" got
  two_batches "$t" || { echo "produce failed: $(err)"; return 1; }
  got="$(k -C -t "$t" -o "s@$mid" -e -q -f '%s\n')" || { echo "consume failed: $(err)"; return 1; }
  [ "$(printf '%s\n' "$got" | head -n 1)" = b0 ] && [ "$(printf '%s\n' "$got" | grep -c .)" = 20 ] ||
    { echo "from timestamp got $(printf '%s\n' "$got" | grep -c .) records, first $(printf '%s\n' "$got" | head -n 1)"; return 1; }
}

list_offsets() {
  local t="kcat-lo-$run" out
  two_batches "$t" || { echo "produce failed: $(err)"; return 1; }
  out="$(k -Q -t "$t:0:$mid")" || { echo "kcat -Q failed: $(err)"; return 1; }
  printf '%s' "$out" | grep -q "offset 20" || { echo "offset for the timestamp: $out"; return 1; }
}

# A balanced consumer (-G) reads everything and commits; a second run resumes after it.
group_consume() {  # group topic -> records read until the end
  k -C -G "$1" -X auto.offset.reset=earliest \
    -e -q -f '%s\n' "$2"
}
group_join() {
  local t="kcat-group-$run" got
  produce "$t" 100 v || { echo "produce failed: $(err)"; return 1; }
  got="$(group_consume "kcat-g-$run" "$t")" || { echo "group consumer failed"; return 1; }
  [ "$(printf '%s\n' "$got" | grep -c .)" = 100 ] || { echo "group consumer read $(printf '%s\n' "$got" | grep -c .) of 100"; return 1; }
}
group_resume() {
  local t="kcat-group-$run" got
  produce "$t" 5 w || { echo "produce failed: $(err)"; return 1; }
  got="$(group_consume "kcat-g-$run" "$t")" || { echo "group consumer failed"; return 1; }
  [ "$(printf '%s\n' "$got" | sort | tr '\n' ' ')" = "w0 w1 w2 w3 w4 " ] ||
    { echo "resumed group read $(printf '%s\n' "$got" | grep -c .) records, want the 5 new ones"; return 1; }
}

secured() {  # kcat -X options for the listener; metadata must come back
  local bootstrap="$1"
  shift
  timeout 30 kcat -b "$bootstrap" -m 10 -L "$@" > /dev/null 2> "$work/err" || { echo "metadata failed: $(err)"; return 1; }
}

echo "COMPAT-VERSION {\"version\": \"$(kcat -V 2>&1 | sed -n 's/.*Version \([^ ]*\) .*librdkafka \([^ )]*\).*/\1 (librdkafka \2)/p')\"}"
scenario metadata -- metadata
scenario produce_keys_headers produce_acks_all consume_beginning -- produce_acks_all
for c in gzip snappy lz4 zstd; do scenario "produce_$c" -- codec "$c"; done
scenario produce_acks_0 -- acks 0
scenario produce_acks_1 -- acks 1
scenario produce_idempotent -- idempotent
scenario consume_offset -- from_offset
scenario consume_timestamp -- by_timestamp
scenario list_offsets -- list_offsets
scenario group_join group_commit -- group_join
scenario group_resume -- group_resume
scenario sasl_plain -- secured "${CHRONIK_SASL_BOOTSTRAP:-$b}" -X security.protocol=SASL_PLAINTEXT \
  -X sasl.mechanisms=PLAIN -X sasl.username=compat -X sasl.password=compat-secret
tls_opts=(-X security.protocol=SSL)
[ -n "${CHRONIK_TLS_CA:-}" ] && tls_opts+=(-X "ssl.ca.location=$CHRONIK_TLS_CA")
scenario tls -- secured "${CHRONIK_TLS_BOOTSTRAP:-$b}" "${tls_opts[@]}"
echo "$passed passed, $failed failed"
