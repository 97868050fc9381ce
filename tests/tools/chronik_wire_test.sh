#!/usr/bin/env bash
# chronik-wire against real and malformed frames: decode, encode, roundtrip, clear errors.
# usage: chronik_wire_test.sh <path-to-chronik-wire> <repo-root>
set -u
wire=$1
root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# 1. A request built from JSON decodes back to the same JSON and round-trips.
cat > "$tmp/req.json" <<'JSON'
{"direction":"request","api_key":18,"api_version":3,"header":{"correlation_id":7,"client_id":"rdkafka"},
 "body":{"ClientSoftwareName":"kcat","ClientSoftwareVersion":"1.7.1"}}
JSON
"$wire" encode "$tmp/req.json" > "$tmp/req.bin" || fail "encode"
expected=$(printf '\x00\x00\x00\x1e\x00\x12\x00\x03\x00\x00\x00\x07\x00\x07rdkafka\x00\x05kcat\x061.7.1\x00' | od -An -tx1)
[ "$(od -An -tx1 < "$tmp/req.bin")" = "$expected" ] || fail "ApiVersions v3 request bytes differ from the hand-computed frame"
"$wire" decode --request "$tmp/req.bin" > "$tmp/req.out.json" || fail "decode"
grep -q '"ClientSoftwareName": "kcat"' "$tmp/req.out.json" || fail "decoded JSON lacks the body"
"$wire" roundtrip --request "$tmp/req.bin" > /dev/null || fail "roundtrip of our own frame"

# 2. Real client traffic, when captures are present: every frame round-trips byte for byte.
count=0
if [ -d "$root/tests/data/captures" ]; then
  while IFS= read -r f; do
    name=$(basename "$f")
    key=$(sed -E 's/.*-k([0-9]+)-v([0-9]+)\.bin/\1/' <<<"$name")
    ver=$(sed -E 's/.*-k([0-9]+)-v([0-9]+)\.bin/\2/' <<<"$name")
    case "$name" in
      *-req-*) "$wire" roundtrip --request "$f" > /dev/null 2> "$tmp/err" || fail "$f: $(cat "$tmp/err")" ;;
      *-resp-*) "$wire" roundtrip --response --api-key "$key" --api-version "$ver" "$f" > /dev/null 2> "$tmp/err" || fail "$f: $(cat "$tmp/err")" ;;
      *) continue ;;
    esac
    count=$((count + 1))
  done < <(find "$root/tests/data/captures" -name '*.bin' | sort)
fi
echo "captured frames round-tripped: $count"

# 3. Malformed input: one line on stderr, exit 1, never a crash.
check_error() {  # description, expected stderr fragment, command...
  local what=$1 want=$2
  shift 2
  "$@" > /dev/null 2> "$tmp/err"
  local rc=$?
  [ $rc -eq 1 ] || fail "$what: exit $rc, wanted 1"
  grep -q "$want" "$tmp/err" || fail "$what: stderr '$(cat "$tmp/err")' lacks '$want'"
  [ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "$what: more than one line on stderr"
}
head -c 10 "$tmp/req.bin" > "$tmp/short.bin"
check_error "truncated frame" "frame size says" "$wire" decode --request "$tmp/short.bin"
printf '\x00\x00\x00\x06\x03\xe8\x00\x09\x00\x00' > "$tmp/key.bin"
check_error "unknown api key" "unknown API key 1000" "$wire" decode --request "$tmp/key.bin"
printf '\x00\x00\x00\x08\x00\x12\x00\x09\x00\x00\x00\x01' > "$tmp/ver.bin"
check_error "unsupported version" "no version 9" "$wire" decode --request "$tmp/ver.bin"
printf '\x00\x00\x00\x0c\x00\x12\x00\x03\x00\x00\x00\x07\x7f\xff\x00\x00' > "$tmp/len.bin"
check_error "huge client id length" "malformed frame" "$wire" decode --request "$tmp/len.bin"
echo 'not json' > "$tmp/bad.json"
check_error "bad JSON" "not JSON" "$wire" encode "$tmp/bad.json"
echo '{"direction":"request","api_key":18,"api_version":3,"body":{"Nope":1}}' > "$tmp/field.json"
check_error "unknown field" "Nope: no such field" "$wire" encode "$tmp/field.json"
head -c 100000 /dev/urandom > "$tmp/random.bin"
"$wire" decode --request "$tmp/random.bin" > /dev/null 2>&1
[ $? -eq 1 ] || fail "random bytes: wanted exit 1"

# 4. A changed byte is reported by roundtrip with its offset.
cp "$tmp/req.bin" "$tmp/patched.bin"
printf '\x01' | dd of="$tmp/patched.bin" bs=1 seek=33 conv=notrunc 2>/dev/null  # tagged-field count 0 -> 1
"$wire" roundtrip --request "$tmp/patched.bin" > /dev/null 2>&1
[ $? -eq 1 ] || fail "roundtrip of a frame with a dangling tag count should fail"

# 5. The command line: --help and --version answer on stdout with exit 0; a usage error
# exits 2 and says how to get help.
"$wire" --help > "$tmp/help" 2>&1 || fail "--help: exit $?"
grep -q -- "--api-version" "$tmp/help" || fail "--help does not list --api-version"
[ "$("$wire" --version)" = "chronik-wire 0.1.0" ] || fail "--version: '$("$wire" --version)'"
usage_error() {  # description, expected stderr fragment, command...
  local what=$1 want=$2
  shift 2
  "$@" > /dev/null 2> "$tmp/err"
  local rc=$?
  [ $rc -eq 2 ] || fail "$what: exit $rc, wanted 2"
  grep -q -- "$want" "$tmp/err" || fail "$what: stderr '$(cat "$tmp/err")' lacks '$want'"
}
usage_error "unknown option" "unrecognised option '--nope'" "$wire" decode --request --nope
usage_error "unknown command" "unknown command frobnicate" "$wire" frobnicate --request
usage_error "no command" "no command" "$wire"
usage_error "response without a version" "needs --api-key and --api-version" "$wire" decode --response --api-key 1
usage_error "api key out of range" "16-bit" "$wire" decode --response --api-key 70000 --api-version 1

if [ $failures -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "chronik-wire: all checks passed"
