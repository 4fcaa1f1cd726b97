#!/usr/bin/env bash
# OCSP responders under load: pkit serve against "openssl ocsp -index …
# -port", over the same certificates, in one run. Each gets N requests
# (default 20,000; RFC 5019 style: POST, SHA-1 CertID, no nonce) from C
# concurrent keep-alive clients (default 32), sent by bench/ocspload,
# which checks every answer's signature and status. While pkit serve is
# loaded, "pkit revoke" runs in a loop, one certificate after another;
# any answer that is not "revoked" for a request sent after a revocation
# returned, or "revoked" before it started, or with another time or
# reason, counts as wrong. pkit serve then gets the same load again
# without the loop, as openssl does, RUNS times (default 3; the best is
# kept, the machine's load moves the figures); so does openssl. Each run
# first asks about every certificate once, untimed. Prints requests per
# second of each and the ratios; exits 1 on any error or wrong answer.
#
#   bash bench/ocsp.sh                  # N=20000, C=32, 1000 certificates, best of 3 runs
#   N=5000 C=16 CERTS=200 RUNS=1 bash bench/ocsp.sh
#
# Needs go and openssl. OpenSSL 3.0's responder has no option to bind one
# address: for the run it listens on every interface, on a random port.
# It is waited for by its log line, not by connecting: a connection
# closed without a request leaves OpenSSL 3.0.22's responder reading end
# of file in a loop, answering nothing more.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-20000}
C=${C:-32}
CERTS=${CERTS:-1000}
RUNS=${RUNS:-3}
work=$(mktemp -d /tmp/pkit-ocspbench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

go build -o "$work/pkit" ./cmd/pkit
go build -o "$work/ocspload" ./bench/ocspload
echo "issuing $CERTS client certificates in $work/pki (and openssl/index.txt for the same) ..." >&2
"$work/ocspload" setup -dir "$work" -certs "$CERTS"
pki=$work/pki

# freeport prints a TCP port nothing listens on.
freeport() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
# waitport PORT NAME: until something accepts on PORT, 20 s at most.
waitport() {
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return
    sleep 0.1
  done
  echo "bench/ocsp.sh: $2 does not listen on port $1" >&2
  exit 1
}

p1=$(freeport)
"$work/pkit" serve --dir "$pki" --listen "127.0.0.1:$p1" 2>"$work/serve.log" &
pids+=($!)
waitport "$p1" "pkit serve"
"$work/ocspload" load -dir "$work" -url "http://127.0.0.1:$p1/ocsp" -n "$N" -c "$C" -name "pkit serve" -store \
  -revoke "$work/pkit" | tee "$work/pkit-revoking.txt"
# best NAME OUT CMD…: runs CMD $RUNS times and keeps in OUT the line of
# the run with the most requests per second.
best() {
  local name=$1 out=$2; shift 2
  : >"$out"
  for _ in $(seq "$RUNS"); do
    "$@" | tee "$work/run.txt"
    if [ ! -s "$out" ] || [ "$(rps "$work/run.txt")" -gt "$(rps "$out")" ]; then cp "$work/run.txt" "$out"; fi
  done
}
rps() { grep -o '[0-9]* req/s' "$1" | awk '{print $1}'; }

# The same load without the revoke loop, whose processes take CPU from
# the responder (openssl ocsp is measured without one), best of $RUNS.
best "pkit serve" "$work/pkit.txt" "$work/ocspload" load -dir "$work" -url "http://127.0.0.1:$p1/ocsp" -n "$N" -c "$C" \
  -name "pkit serve" -store

p2=$(freeport)
openssl ocsp -index "$work/openssl/index.txt" -url "http://127.0.0.1:$p2/" -CA "$pki/ca/intermediate.crt" \
  -rsigner "$pki/ca/intermediate.crt" -rkey "$pki/ca/intermediate.key" -resp_no_certs -nmin 60 -ignore_err -timeout 5 \
  >"$work/openssl.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do
  grep -q "waiting for OCSP client connections" "$work/openssl.log" && break
  sleep 0.1
done
grep -q "waiting for OCSP client connections" "$work/openssl.log" ||
  { echo "bench/ocsp.sh: openssl ocsp does not start:" >&2; cat "$work/openssl.log" >&2; exit 1; }
best "openssl ocsp" "$work/openssl.txt" "$work/ocspload" load -dir "$work" -url "http://127.0.0.1:$p2/" -n "$N" -c "$C" \
  -name "openssl ocsp"

echo "best of $RUNS runs:"
cat "$work/pkit.txt" "$work/openssl.txt"
awk -v p="$(rps "$work/pkit.txt")" -v r="$(rps "$work/pkit-revoking.txt")" -v o="$(rps "$work/openssl.txt")" 'BEGIN {
  printf "pkit serve: %.1fx the requests per second of openssl ocsp (%d vs %d); %.1fx while pkit revoke runs in a loop (%d)\n", p/o, p, o, r/o, r
}'
echo "(access log of pkit serve: $work/serve.log)"
