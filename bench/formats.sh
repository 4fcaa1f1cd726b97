#!/usr/bin/env bash
# Format speed: pkit against the openssl commands that do the same work,
# each process timed R times in one run (process start included on both
# sides).
#
#   bench/formats.sh          # R=20
#   R=5 bench/formats.sh      # a quicker look
#
# 1. Read a 500-certificate PEM bundle and describe every certificate:
#    "pkit inspect --json" vs "openssl storeutl -noout -text -certs".
# 2. Write a .p12 (key, leaf, one chain certificate): "pkit convert" vs
#    "openssl pkcs12 -export". Both use AES-256-CBC with PBKDF2-HMAC-SHA256
#    and an HMAC-SHA256 MAC, 2048 iterations each (OpenSSL 3's default, the
#    count pkit follows, as go-pkcs12's Modern2023 does).
# 3. Read that .p12 back to PEM: "pkit convert" vs "openssl pkcs12 -nodes".
# 4. The same write with --legacy vs "openssl pkcs12 -export -legacy
#    -descert" (PBE-SHA1-3DES, HMAC-SHA1, 2048 iterations).
#
# The in-process numbers (no process start) are the Go benchmarks:
#   go test ./formats -run '^$' -bench . -benchmem
set -euo pipefail
cd "$(dirname "$0")/.."
R=${R:-20}
OUT=bench/out/formats
rm -rf "$OUT"
mkdir -p "$OUT"
make -s build BIN="$OUT/pkit" # as pkit ships (pure Go)
PKIT="$PWD/$OUT/pkit"
cd "$OUT"
export PKIT_P12_PASSWORD=bench-p12-password PKIT_PASSWORD=bench-p12-password
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
per() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.2f", 1000 * t / n }'; }
# run NAME CMD...: runs CMD R times, prints the time per run, sets $T.
run() {
  local name=$1; shift
  local t0 t1
  t0=$(now)
  for _ in $(seq 1 "$R"); do "$@" >/dev/null 2>&1; done
  t1=$(now)
  T=$(secs "$t0" "$t1")
  printf '  %-8s %8s ms per run\n' "$name" "$(per "$T" "$R")"
}
compare() { # compare PKIT_TIME OPENSSL_TIME
  echo "  ratio    $(ratio "$2" "$1")x (openssl time / pkit time; above 1 means pkit is faster)"
}

"$PKIT" init --dir pki --no-encrypt --name Bench 2>/dev/null
CA_CERT=pki/ca/intermediate.crt CA_KEY=pki/ca/intermediate.key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf-key.pem 2>/dev/null
: > bundle.pem
for i in $(seq 1 500); do
  openssl req -new -key leaf-key.pem -subj "/CN=host$i.example/O=Bench" 2>/dev/null |
    openssl x509 -req -CA "$CA_CERT" -CAkey "$CA_KEY" -set_serial "$i" -days 30 2>/dev/null >> bundle.pem
done
openssl req -new -key leaf-key.pem -subj "/CN=leaf.example" 2>/dev/null |
  openssl x509 -req -CA "$CA_CERT" -CAkey "$CA_KEY" -set_serial 9999 -days 30 -out leaf.pem 2>/dev/null
test "$(grep -c 'BEGIN CERTIFICATE' bundle.pem)" -eq 500

echo "== read and describe a 500-certificate PEM bundle ($(wc -c < bundle.pem) bytes), $R runs"
run pkit "$PKIT" inspect --json bundle.pem; P=$T
run openssl openssl storeutl -noout -text -certs bundle.pem; O=$T
compare "$P" "$O"

echo "== write a .p12 (AES-256-CBC, PBKDF2-SHA256, SHA-256 MAC, 2048 iterations), $R runs"
run pkit "$PKIT" convert leaf.pem out.p12 --key leaf-key.pem --chain "$CA_CERT" -f; P=$T
run openssl openssl pkcs12 -export -inkey leaf-key.pem -in leaf.pem -certfile "$CA_CERT" -passout env:PKIT_P12_PASSWORD -out o.p12; O=$T
compare "$P" "$O"

echo "== read that .p12 back to PEM, $R runs"
run pkit "$PKIT" convert out.p12 out.pem -f; P=$T
run openssl openssl pkcs12 -in out.p12 -nodes -passin env:PKIT_PASSWORD -out o.pem; O=$T
compare "$P" "$O"

echo "== write a legacy .p12 (PBE-SHA1-3DES, SHA-1 MAC, 2048 iterations), $R runs"
run pkit "$PKIT" convert leaf.pem legacy.p12 --key leaf-key.pem --chain "$CA_CERT" --legacy -f; P=$T
run openssl openssl pkcs12 -export -legacy -descert -inkey leaf-key.pem -in leaf.pem -certfile "$CA_CERT" -passout env:PKIT_P12_PASSWORD -out ol.p12; O=$T
compare "$P" "$O"
