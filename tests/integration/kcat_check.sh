#!/usr/bin/env bash
# Reads one message of a credpipe records topic with kcat only (no Python)
# and decodes it with the zstd CLI and protoc --decode.
#   kcat_check.sh BOOTSTRAP TOPIC [MESSAGE_TYPE]
# MESSAGE_TYPE defaults to credpipe.v1.RecordBatch. Exit 0 when the message
# has the right headers and decodes to a message with a `records {` block
# (for RecordBatch; `rejects {` for RejectBatch, `sources {` for SharingReport).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
bs=${1:?usage: $0 BOOTSTRAP TOPIC [MESSAGE_TYPE]}
topic=${2:?usage: $0 BOOTSTRAP TOPIC [MESSAGE_TYPE]}
type=${3:-credpipe.v1.RecordBatch}
case $type in
  credpipe.v1.RecordBatch) block='records {' ;;
  credpipe.v1.RejectBatch) block='rejects {' ;;
  credpipe.v1.SharingReport) block='sources {' ;;
  *) echo "kcat_check: unknown type $type" >&2; exit 2 ;;
esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kcat-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "kcat_check: FAIL: $*" >&2; exit 1; }

# First: which message (partition, offset, value size) and its headers.
timeout 60 kcat -C -b "$bs" -t "$topic" -o beginning -c 1 -e -q \
  -f '%p %o %S\n%h\n' >"$tmp/meta.txt" 2>"$tmp/kcat.err" \
  || { cat "$tmp/kcat.err" >&2; fail "kcat could not read $topic"; }
read -r part off size <"$tmp/meta.txt" || true
[[ -n ${size:-} ]] || fail "no message on $topic"
headers=$(sed -n 2p "$tmp/meta.txt")
grep -q "content-type=application/x-protobuf; messageType=$type" <<<"$headers" \
  || fail "content-type header: $headers"
grep -q 'content-encoding=zstd' <<<"$headers" || fail "content-encoding header: $headers"
# Then exactly that message's value bytes: one partition, one offset, -c 1,
# and -f '%s' writes the value as is with no delimiter.
timeout 60 kcat -C -b "$bs" -t "$topic" -p "$part" -o "$off" -c 1 -e -q \
  -f '%s' >"$tmp/value.zst" 2>>"$tmp/kcat.err" \
  || { cat "$tmp/kcat.err" >&2; fail "kcat could not read $topic [$part] @$off"; }
got=$(stat -c %s "$tmp/value.zst")
[[ $got == "$size" ]] || fail "read $got value bytes of [$part] @$off, kcat says $size"

# Exactly one zstd frame: zstd -l reports the number of frames.
frames=$(zstd -lv "$tmp/value.zst" 2>/dev/null | sed -n 's/^# Zstandard Frames: *\([0-9]*\).*/\1/p')
[[ $frames == 1 ]] || fail "value holds ${frames:-no} zstd frames, want 1"
zstd -q -d -c "$tmp/value.zst" >"$tmp/value.pb" || fail "zstd -d failed"
protoc --decode="$type" --proto_path="$REPO" proto/credpipe.proto \
  <"$tmp/value.pb" >"$tmp/decoded.txt" 2>"$tmp/protoc.err" \
  || { cat "$tmp/protoc.err" >&2; fail "protoc --decode=$type failed"; }
grep -q "^$block" "$tmp/decoded.txt" || { head -n 20 "$tmp/decoded.txt" >&2; fail "no '$block' block"; }
n=$(grep -c "^$block" "$tmp/decoded.txt")
echo "kcat_check: OK: $topic [$part] @$off: $size bytes zstd -> $(stat -c %s "$tmp/value.pb") bytes $type with $n '$block' blocks"
