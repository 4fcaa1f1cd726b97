#!/usr/bin/env bash
# Hostile inputs (issue 10 item 4): wall time and peak RSS of pkit on
# inputs built to make a reader slow or fat, against the targets.
#
#   bench/hostile.sh
#
# bench/hostile (Go) writes the inputs into bench/out/hostile:
#   parts.p12   20 encrypted parts at the per-part cap of 2^22 PBKDF2
#               iterations (12 KB); target: refused or read in under 2 s
#               (pkit's total cap, formats.MaxPKCS12KDFIterations, refuses
#               it before deriving any key; it took 19 s before)
#   ber.p7b     ~60 MB certificate bundle with indefinite lengths, and
#   der.p7b     the same bundle as DER; target: BER within 2x of DER
#   many.pem    70,000 certificates as PEM (~59 MB); target: "pkit inspect
#               --json" under 300 MB peak RSS (it streams, one item at a
#               time; docs/inspect-json.md)
#   twins/      1000 CA certificates with one subject and one subject key
#               identifier, their root and a leaf issued by the last one;
#               target: "pkit chain build" under 2 s
#
# Peak RSS comes from GNU time (/usr/bin/time -v; on Debian/Ubuntu
# "apt-get install time"). Wall times depend on the machine's load; the
# CPU column (user+system) is steadier on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out/hostile
if [ ! -x /usr/bin/time ]; then
  echo "bench/hostile.sh needs GNU time at /usr/bin/time (Debian/Ubuntu: apt-get install time)" >&2
  exit 1
fi
rm -rf "$OUT"
mkdir -p "$OUT"
make -s build BIN="$OUT/pkit" # as pkit ships (pure Go)
go run ./bench/hostile -dir "$OUT"
PKIT="$PWD/$OUT/pkit"
cd "$OUT"
export PKIT_PASSWORD=pw

# run NAME CMD...: prints wall seconds, CPU seconds, peak RSS (MB), exit
run() {
  local name=$1
  shift
  /usr/bin/time -f '%e %U %S %M' -o time.txt "$@" >/dev/null 2>err.txt && rc=0 || rc=$?
  read -r wall user sys kb < <(tail -n1 time.txt)
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}')
  mb=$((kb / 1024))
  printf '%-34s %8s s %8s s %6s MB   exit %s\n' "$name" "$wall" "$cpu" "$mb" "$rc"
  eval "${name//[^a-z0-9]/_}_wall=$wall ${name//[^a-z0-9]/_}_cpu=$cpu ${name//[^a-z0-9]/_}_mb=$mb ${name//[^a-z0-9]/_}_rc=$rc"
}

printf '%-34s %10s %10s %9s\n' "" "wall" "cpu" "peak RSS"
run "inspect parts.p12" "$PKIT" inspect parts.p12
head -1 err.txt
run "inspect der.p7b" "$PKIT" inspect der.p7b
run "inspect ber.p7b" "$PKIT" inspect ber.p7b
run "convert der.p7b" "$PKIT" convert der.p7b der-out.pem
run "convert ber.p7b" "$PKIT" convert ber.p7b ber-out.pem
cmp -s der-out.pem ber-out.pem || echo "BER and DER bundles gave different certificates" >&2
run "inspect json many.pem" "$PKIT" inspect --json many.pem
run "chain build twins" "$PKIT" chain build twins/leaf.pem twins/pile.pem --roots twins/root.pem
head -2 err.txt

echo
awk -v w="$inspect_parts_p12_wall" 'BEGIN{printf "parts.p12:           %.2f s (target < 2 s)        %s\n", w, (w < 2 ? "ok" : "MISSED")}'
awk -v b="$inspect_ber_p7b_cpu" -v d="$inspect_der_p7b_cpu" 'BEGIN{r=b/d; printf "BER/DER inspect:     %.2fx CPU (target <= 2x)      %s\n", r, (r <= 2 ? "ok" : "MISSED")}'
awk -v b="$convert_ber_p7b_cpu" -v d="$convert_der_p7b_cpu" 'BEGIN{r=b/d; printf "BER/DER convert:     %.2fx CPU (target <= 2x)      %s\n", r, (r <= 2 ? "ok" : "MISSED")}'
awk -v m="$inspect_json_many_pem_mb" 'BEGIN{printf "inspect --json 70k:  %d MB (target < 300 MB)      %s\n", m, (m < 300 ? "ok" : "MISSED")}'
awk -v w="$chain_build_twins_wall" -v rc="$chain_build_twins_rc" 'BEGIN{printf "chain build twins:   %.2f s, exit %d (target < 2 s, exit 0)  %s\n", w, rc, (w < 2 && rc == 0 ? "ok" : "MISSED")}'
