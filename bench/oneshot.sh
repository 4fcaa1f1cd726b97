#!/usr/bin/env bash
# One-shot commands: each pkit command that does one small job per process
# against the openssl command that does the same job, process start-up
# included on both sides, as a user or a script runs them.
#
#   bash bench/oneshot.sh         # N=41 runs of each command
#   N=11 bash bench/oneshot.sh    # a quicker look
#
# pkit is built as "make build" builds it (static, no man-page generator,
# -trimpath) into bench/out/oneshot. Each pair runs in turn, pkit then
# openssl, N times (bench/cputime), so the load of a busy machine falls on
# both alike. Reported: the median CPU time per process (user + system, the
# kernel's accounting of the child: on a loaded machine wall time mostly
# measures the wait for a core) and, for reference, the median wall time;
# the ratio is pkit's CPU over openssl's (below 1: pkit is cheaper). Target
# (issue 13): every ratio at most 1.
#
# The pairs:
#   --version      pkit --version              openssl version
#   chain verify   pkit chain verify CHAIN --purpose server --host H
#                  openssl verify -CAfile ROOT -untrusted CHAIN -purpose sslserver -verify_hostname H
#   inspect        pkit inspect LEAF           openssl x509 -noout -text -in LEAF
#   to der         pkit convert LEAF X.der     openssl x509 -outform DER
#   to p7b         pkit convert CHAIN X.p7b    openssl crl2pkcs7 -nocrl -certfile CHAIN -outform DER
#   to p12         pkit convert LEAF X.p12 --key K --chain INT
#                  openssl pkcs12 -export -inkey K -in LEAF -certfile INT
#                  (both AES-256-CBC, PBKDF2-SHA256, 2048 iterations: the
#                  same key derivations)
#   from p12       pkit convert X.p12 X.pem    openssl pkcs12 -nodes -in X.p12
#   crl check      pkit crl check LEAF --crl CRL --issuer INT
#                  openssl crl -noout -verify -CAfile INT -in CRL
#                  (pkit also looks the certificate up; the CRL has one entry)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-41}
OUT=bench/out/oneshot
rm -rf "$OUT"
mkdir -p "$OUT"
make -s build BIN="$OUT/pkit"
CGO_ENABLED=0 go build -trimpath -o "$OUT/cputime" ./bench/cputime
PKIT="$PWD/$OUT/pkit" CPUTIME="$PWD/$OUT/cputime"
cd "$OUT"
export PKIT_DIR="$PWD/pki" PKIT_P12_PASSWORD=bench-p12-password PKIT_PASSWORD=bench-p12-password

"$PKIT" init --no-encrypt --name Bench 2>/dev/null
"$PKIT" issue server bench.example --chain 2>/dev/null
"$PKIT" issue client gone 2>/dev/null
"$PKIT" revoke gone-client.pem --reason keyCompromise 2>/dev/null
ROOT=pki/ca/root.crt INT=pki/ca/intermediate.crt CRL=pki/crl/intermediate.crl
LEAF=bench.example.pem KEY=bench.example-key.pem CHAIN=bench.example-chain.pem
test -s "$CRL"
"$PKIT" convert "$LEAF" in.p12 --key "$KEY" --chain "$INT" 2>/dev/null

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; pkit $(stat -c %s "$PKIT") bytes; N=$N runs each, interleaved"
printf '%-14s %12s %12s %8s   %s\n' "" "pkit CPU ms" "openssl CPU" "ratio" "(median wall ms: pkit / openssl)"
pair() { # pair NAME PKIT_ARGS... :: OPENSSL_ARGS...
  local name=$1; shift
  read -r pc pw oc ow r < <("$CPUTIME" "$N" "$@")
  printf '%-14s %12s %12s %8s   (%s / %s)\n' "$name" "$pc" "$oc" "$r" "$pw" "$ow"
}
pair "--version" "$PKIT" --version :: openssl version
pair "chain verify" "$PKIT" chain verify "$CHAIN" --purpose server --host bench.example :: \
  openssl verify -no-CApath -no-CAstore -CAfile "$ROOT" -untrusted "$CHAIN" -purpose sslserver -verify_hostname bench.example "$CHAIN"
pair "inspect" "$PKIT" inspect "$LEAF" :: openssl x509 -noout -text -in "$LEAF"
pair "to der" "$PKIT" convert "$LEAF" out.der -f :: openssl x509 -in "$LEAF" -outform DER -out o.der
pair "to p7b" "$PKIT" convert "$CHAIN" out.p7b -f :: openssl crl2pkcs7 -nocrl -certfile "$CHAIN" -outform DER -out o.p7b
pair "to p12" "$PKIT" convert "$LEAF" out.p12 --key "$KEY" --chain "$INT" -f :: \
  openssl pkcs12 -export -inkey "$KEY" -in "$LEAF" -certfile "$INT" -passout env:PKIT_P12_PASSWORD -out o.p12
pair "from p12" "$PKIT" convert in.p12 out.pem -f :: openssl pkcs12 -in in.p12 -nodes -passin env:PKIT_PASSWORD -out o.pem
pair "crl check" "$PKIT" crl check "$LEAF" --crl "$CRL" --issuer "$INT" :: \
  openssl crl -noout -verify -CAfile "$INT" -in "$CRL"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
