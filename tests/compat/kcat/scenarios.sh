#!/usr/bin/env bash
# kcat (librdkafka) compatibility scenarios. Prints one COMPAT-RESULT line per operation.
# Operations kcat has no command for (admin, transactions) are declared "not supported" by
# tests/compat/run, not here. kcat cannot create topics: it relies on the broker creating
# them on first use (auto.create.topics.enable, one partition); the group scenarios that
# need 8 partitions have the broker's admin endpoint create the topic.
#
# usage: CHRONIK_BOOTSTRAP=host:port [CHRONIK_ADMIN_URL=http://host:port] scenarios.sh
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
  case "$2" in pass) passed=$((passed + 1)) ;; fail) failed=$((failed + 1)) ;; esac
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

scenario() {  # ops... -- command...   (exit status 2 with a reason: not supported by the client)
  local ops=() out rc
  while [ "$1" != "--" ]; do ops+=("$1"); shift; done
  shift
  out="$("$@" 2>&1)"
  rc=$?
  if [ "$rc" = 0 ]; then
    for op in "${ops[@]}"; do result "$op" pass ""; done
  elif [ "$rc" = 2 ]; then
    for op in "${ops[@]}"; do result "$op" unsupported "$out"; done
  else
    for op in "${ops[@]}"; do result "$op" fail "${out:-exit status $rc} $(err)"; done
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

# --- balanced consumers (-G) in the background on an 8-partition topic
parts=8
declare -A pids=()

# topic8 TOPIC: kcat has no CreateTopics (and auto-creation gives one partition); the
# broker's admin endpoint, which tests/compat/run passes in CHRONIK_ADMIN_URL, creates it.
topic8() {
  [ -n "${CHRONIK_ADMIN_URL:-}" ] ||
    { echo "no 8-partition topic: kcat cannot create topics and CHRONIK_ADMIN_URL is not set"; return 1; }
  python3 -c 'import json, sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/v1/topics", method="POST",
    data=json.dumps({"name": sys.argv[2], "partitions": int(sys.argv[3])}).encode(),
    headers={"Content-Type": "application/json"}), timeout=10)' \
    "$CHRONIK_ADMIN_URL" "$1" "$parts" 2>&1 | tail -n 1
}

# produce8 TOPIC START COUNT: messages m<i> (value i) to partition i % 8.
produce8() {
  local t="$1" start="$2" count="$3" p i
  for ((p = 0; p < parts; p++)); do
    for ((i = start + (p - start % parts + parts) % parts; i < start + count; i += parts)); do
      echo "m$i:$i"
    done | k -P -t "$t" -p "$p" -K: || { echo "produce to partition $p failed: $(err)"; return 1; }
  done
}

# member NAME GROUP TOPIC [kcat options]: a balanced consumer; its records ("<partition>
# <offset> <key>") go to $work/NAME.out, its rebalance lines to $work/NAME.err. kcat commits
# automatically (and, librdkafka's auto-commit, when its partitions are revoked).
member() {
  local n="$1" g="$2" t="$3"
  shift 3
  kcat -b "$b" -G "$g" -X auto.offset.reset=earliest -X auto.commit.interval.ms=200 -u \
    -f '%p %o %k\n' "$@" "$t" > "$work/$n.out" 2> "$work/$n.err" &
  pids[$n]=$!
}

assigned() {  # NAME: the partitions it owns now, from its rebalance lines (eager ones name
  # everything, incremental ones only what changed: both add up the same way)
  awk '/rebalanced/ {
      add = index($0, "assigned:") > 0
      n = split($0, f, "[")
      for (i = 2; i <= n; i++) { p = f[i] + 0; if (add) own[p] = 1; else delete own[p] }
    }
    END { for (p in own) print p }' "$work/$1.err" | sort -n | tr '\n' ' '
}

split8() {  # NAME...: every partition owned by exactly one of them, each owning some
  local n all=""
  for n in "$@"; do
    [ -n "$(assigned "$n")" ] || return 1
    all+="$(assigned "$n")"
  done
  [ "$(printf '%s' "$all" | tr ' ' '\n' | grep . | sort -n | tr '\n' ' ')" = "0 1 2 3 4 5 6 7 " ]
}

wait_split() {  # what NAME...
  local what="$1" deadline=$((SECONDS + 30)) n
  shift
  until split8 "$@"; do
    if ((SECONDS > deadline)); then
      echo -n "timed out after 30 s waiting for $what:"
      for n in "$@"; do echo -n " $n owns [$(assigned "$n")]"; done
      return 1
    fi
    sleep 0.2
  done
}

stop_member() {  # NAME: SIGTERM, after which kcat commits and leaves the group
  local pid="${pids[$1]}" i
  kill -TERM "$pid" 2> /dev/null
  # A kcat of librdkafka 2.0 once sent its LeaveGroup and never exited (a dry run's): after
  # 15 s it is killed, so that the check fails instead of holding the suite until its timeout.
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2> /dev/null && echo "member $1 did not exit within 15 s of SIGTERM" >> "$work/$1.err"
  wait "$pid" 2> /dev/null
  unset "pids[$1]"
}

stop_members() {
  local n
  for n in "${!pids[@]}"; do stop_member "$n"; done
}

# once TOTAL NAME...: m0..m<TOTAL-1> each read exactly once, from partition i % 8, and every
# member read something.
once() {
  local total="$1" n files=() got
  shift
  for n in "$@"; do
    [ -s "$work/$n.out" ] || { echo "member $n read nothing"; return 1; }
    files+=("$work/$n.out")
  done
  got="$(cat "${files[@]}" | awk -v total="$total" -v parts="$parts" '
    { k = substr($3, 2) + 0; seen[k]++; if ($1 != k % parts) wrong++ }
    END {
      for (i = 0; i < total; i++) { if (!(i in seen)) missing++; else if (seen[i] > 1) dup++ }
      printf "%d %d %d %d", NR, missing + 0, dup + 0, wrong + 0
    }')"
  read -r records missing dup wrong <<< "$got"
  [ "$records" = "$total" ] && [ "$missing" = 0 ] && [ "$dup" = 0 ] && [ "$wrong" = 0 ] ||
    { echo "read $records records for $total messages: $missing never read, $dup read more than once, $wrong from another partition"; return 1; }
}

wait_records() {  # total NAME...
  local total="$1" deadline=$((SECONDS + 30)) n count
  shift
  while :; do
    count=0
    for n in "$@"; do count=$((count + $(grep -c . "$work/$n.out"))); done
    ((count >= total)) && return 0
    ((SECONDS > deadline)) && { echo "timed out after 30 s waiting for $total records (read $count)"; return 1; }
    sleep 0.2
  done
}

# Two members split the topic, a third joins, the first leaves (SIGTERM: commit, LeaveGroup);
# every record is read exactly once.
rebalance_exactly_once() {
  local t="kcat-eo-$run" g="kcat-eo-g-$run" per=400
  topic8 "$t" || return 1
  produce8 "$t" 0 "$per" || return 1
  member eo-a "$g" "$t" -X session.timeout.ms=10000 -X heartbeat.interval.ms=1000
  member eo-b "$g" "$t" -X session.timeout.ms=10000 -X heartbeat.interval.ms=1000
  wait_split "two members to split the partitions" eo-a eo-b || { stop_members; return 1; }
  produce8 "$t" "$per" "$per" || { stop_members; return 1; }
  member eo-c "$g" "$t" -X session.timeout.ms=10000 -X heartbeat.interval.ms=1000
  wait_split "three members to split the partitions" eo-a eo-b eo-c || { stop_members; return 1; }
  produce8 "$t" $((2 * per)) "$per" || { stop_members; return 1; }
  stop_member eo-a
  wait_split "the two remaining members to split the partitions" eo-b eo-c || { stop_members; return 1; }
  produce8 "$t" $((3 * per)) "$per" || { stop_members; return 1; }
  wait_records $((4 * per)) eo-a eo-b eo-c || { stop_members; return 1; }
  sleep 0.5  # a duplicate delivered late would show up here
  stop_members
  once $((4 * per)) eo-a eo-b eo-c
}

# Two KIP-848 members (group.protocol=consumer) split the topic and read every record once.
consumer_protocol() {
  local t="kcat-kip848-$run" g="kcat-kip848-g-$run" count=800 probe
  if ! probe="$(timeout 10 kcat -b "$b" -X group.protocol=consumer -L 2>&1 > /dev/null)" &&
    printf '%s' "$probe" | grep -q 'No such configuration property'; then
    echo "librdkafka $(kcat -V 2>&1 | sed -n 's/.*librdkafka \([^ )]*\).*/\1/p') has no group.protocol property" \
      "(KIP-848 consumers need librdkafka 2.4 or newer): $(printf '%s' "$probe" | head -n 1)"
    return 2
  fi
  topic8 "$t" || return 1
  produce8 "$t" 0 $((count / 2)) || return 1
  member kip-a "$g" "$t" -X group.protocol=consumer
  member kip-b "$g" "$t" -X group.protocol=consumer
  wait_split "two members to split the partitions" kip-a kip-b || { stop_members; return 1; }
  produce8 "$t" $((count / 2)) $((count / 2)) || { stop_members; return 1; }
  wait_records "$count" kip-a kip-b || { stop_members; return 1; }
  sleep 0.5
  stop_members
  once "$count" kip-a kip-b
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
scenario group_rebalance group_rebalance_exactly_once -- rebalance_exactly_once
scenario group_consumer_protocol -- consumer_protocol
sasl_b="${CHRONIK_SASL_BOOTSTRAP:-$b}"
user=(-X sasl.username=compat -X sasl.password=compat-secret)
scenario sasl_plain -- secured "$sasl_b" -X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=PLAIN "${user[@]}"
scenario sasl_scram_sha_256 -- secured "$sasl_b" -X security.protocol=SASL_PLAINTEXT \
  -X sasl.mechanisms=SCRAM-SHA-256 "${user[@]}"
scenario sasl_scram_sha_512 -- secured "$sasl_b" -X security.protocol=SASL_PLAINTEXT \
  -X sasl.mechanisms=SCRAM-SHA-512 "${user[@]}"
# librdkafka's built-in unsecured JWT (alg none) for sub=compat.
scenario sasl_oauthbearer -- secured "$sasl_b" -X security.protocol=SASL_PLAINTEXT \
  -X sasl.mechanisms=OAUTHBEARER -X enable.sasl.oauthbearer.unsecure.jwt=true -X sasl.oauthbearer.config=principal=compat
tls_opts=()
[ -n "${CHRONIK_TLS_CA:-}" ] && tls_opts+=(-X "ssl.ca.location=$CHRONIK_TLS_CA")
scenario tls -- secured "${CHRONIK_TLS_BOOTSTRAP:-$b}" -X security.protocol=SSL "${tls_opts[@]}"
mtls() {  # the client certificate (PEM) and its unencrypted key
  [ -n "${CHRONIK_TLS_CLIENT_CERT:-}" ] && [ -n "${CHRONIK_TLS_CLIENT_KEY:-}" ] ||
    { echo "CHRONIK_TLS_CLIENT_CERT / CHRONIK_TLS_CLIENT_KEY are not set (no client certificate)"; return 1; }
  secured "${CHRONIK_MTLS_BOOTSTRAP:-$b}" -X security.protocol=SSL "${tls_opts[@]}" \
    -X "ssl.certificate.location=$CHRONIK_TLS_CLIENT_CERT" -X "ssl.key.location=$CHRONIK_TLS_CLIENT_KEY"
}
scenario mtls -- mtls
scenario sasl_ssl -- secured "${CHRONIK_SASL_SSL_BOOTSTRAP:-$b}" -X security.protocol=SASL_SSL "${tls_opts[@]}" \
  -X sasl.mechanisms=SCRAM-SHA-512 "${user[@]}"
echo "$passed passed, $failed failed"
