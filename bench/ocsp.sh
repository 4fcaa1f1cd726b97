#!/usr/bin/env bash
# OCSP responders under load: pkit serve against "openssl ocsp -index …
# -port" (one process: OpenSSL's default, no -multi), over the same
# certificates, in one run. Each gets N requests (default 20,000; RFC
# 5019 style: POST, SHA-1 CertID, no nonce) from C concurrent clients
# (default 32), sent by bench/ocspload, which keeps connections alive
# (openssl ocsp closes each after its answer) and checks every answer's
# signature and status. The runs are interleaved, RUNS times (default
# 3): pkit serve, openssl ocsp, then pkit serve again while "pkit revoke"
# runs in a loop, one certificate after another; in that one any answer
# that is not "revoked" for a request sent after a revocation returned,
# or "revoked" before it started, or with another time or reason, counts
# as wrong. Each run first asks about every certificate once, untimed.
# Each run ends with "ocspload ceiling": the same load against the
# cheapest responder the machine can run (one thread, epoll, a fixed
# answer, no lookup and no signature), the most any responder can show
# here with this generator. Prints requests per second of each, the
# ratios of each run (the ceiling's too) and their medians; exits 1 on
# any error or wrong answer.
#
#   bash bench/ocsp.sh                  # N=20000, C=32, 1000 certificates, 3 runs
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

make -s build BIN="$work/pkit" # as pkit ships (pure Go)
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

rps() { grep -o '[0-9]* req/s' "$1" | awk '{print $1}'; }
# Interleaved runs, so that both responders meet the same load of the
# machine: pkit serve, openssl ocsp, then pkit serve again while pkit
# revoke runs in a loop; the ratios of each run, and their medians.
: >"$work/ratios"
for run in $(seq "$RUNS"); do
  "$work/ocspload" load -dir "$work" -url "http://127.0.0.1:$p1/ocsp" -n "$N" -c "$C" -name "pkit serve" -store \
    | tee "$work/pkit.txt"
  "$work/ocspload" load -dir "$work" -url "http://127.0.0.1:$p2/" -n "$N" -c "$C" -name "openssl ocsp" \
    | tee "$work/openssl.txt"
  "$work/ocspload" load -dir "$work" -url "http://127.0.0.1:$p1/ocsp" -n "$N" -c "$C" -name "pkit serve" -store \
    -revoke "$work/pkit" | tee "$work/revoking.txt"
  "$work/ocspload" ceiling -dir "$work" -url "http://127.0.0.1:$p1/ocsp" -n "$N" -c "$C" | tee "$work/ceiling.txt"
  p=$(rps "$work/pkit.txt") o=$(rps "$work/openssl.txt") r=$(rps "$work/revoking.txt") x=$(rps "$work/ceiling.txt")
  awk -v run="$run" -v p="$p" -v o="$o" -v r="$r" -v x="$x" 'BEGIN {
    printf "run %d: pkit serve %.1fx the requests per second of openssl ocsp (%d vs %d); %.1fx while pkit revoke runs in a loop (%d); the ceiling %.1fx (%d)\n", run, p/o, p, o, r/o, r, x/o, x
  }'
  echo "$(awk -v p="$p" -v o="$o" 'BEGIN {print p/o}') $(awk -v r="$r" -v o="$o" 'BEGIN {print r/o}') $(awk -v x="$x" -v o="$o" 'BEGIN {print x/o}')" >>"$work/ratios"
done
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
awk -v n="$RUNS" -v p="$(awk '{print $1}' "$work/ratios" | median)" -v r="$(awk '{print $2}' "$work/ratios" | median)" \
  -v x="$(awk '{print $3}' "$work/ratios" | median)" 'BEGIN {
  printf "median of %d runs: pkit serve %.1fx the requests per second of openssl ocsp; %.1fx while pkit revoke runs in a loop; the ceiling %.1fx\n", n, p, r, x
}'
echo "(access log of pkit serve: $work/serve.log)"
