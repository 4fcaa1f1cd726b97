#!/usr/bin/env bash
# CRL signing and lookup at scale: pkit against OpenSSL over the same
# revocations (default 1,000,000), in one run. Prints wall time and peak
# RSS of each, and the ratios.
#
#   bash bench/crl.sh                 # N=1000000, 3 runs each, best taken
#   N=100000 RUNS=1 bash bench/crl.sh
#
# Needs go, openssl and GNU time (/usr/bin/time, Debian package "time").
# The store is built by bench/gen in one Go transaction; index.txt holds
# the same serials, dates and reasons for "openssl ca -gencrl".
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}
RUNS=${RUNS:-3}
work=${WORK:-$(mktemp -d /tmp/pkit-crlbench.XXXXXX)}
[ -x /usr/bin/time ] || { echo "bench/crl.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

make -s build BIN="$work/pkit" # as pkit ships (pure Go)
if [ ! -f "$work/data/openssl/index.txt" ]; then
  echo "building a store and index.txt with $N revoked certificates in $work/data ..." >&2
  go run ./bench/gen -dir "$work/data" -n "$N"
fi
pki=$work/data/pki
ossl=$work/data/openssl

# measure NAME CMD… : runs CMD $RUNS times, keeps the best wall time and
# the peak RSS of that run, in globals secs and mib.
measure() {
  local name=$1; shift
  local best="" bestkb="" bestcpu=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M %U %S" -o "$work/time.txt" "$@" >/dev/null 2>"$work/err.txt" || {
      # pkit crl check exits 3 for a revoked certificate: that is the answer
      [ "$name" = "pkit crl check" ] && grep -q "is revoked" "$work/err.txt" || { cat "$work/err.txt" >&2; exit 1; }
    }
    read -r s kb u sy < <(tail -n 1 "$work/time.txt")
    if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; bestkb=$kb; bestcpu=$(awk "BEGIN{print $u+$sy}"); fi
  done
  secs=$best; mib=$(awk "BEGIN{printf \"%.0f\", $bestkb/1024}")
  printf '%-24s %8.2f s wall %8.2f s cpu %6s MiB peak RSS\n' "$name" "$secs" "$bestcpu" "$mib"
}

echo "$N revoked certificates, best of $RUNS runs"
measure "openssl ca -gencrl" sh -c "cd '$ossl' && openssl ca -config openssl.cnf -gencrl -out '$work/openssl.crl.pem'"
o_secs=$secs o_mib=$mib
measure "pkit crl" "$work/pkit" crl --dir "$pki"
p_secs=$secs p_mib=$mib

crl=$pki/crl/intermediate.crl.pem
measure "openssl crl -noout" openssl crl -in "$crl" -noout
oc_secs=$secs oc_mib=$mib
measure "pkit crl check" "$work/pkit" crl check "$work/data/sample.pem" --dir "$pki" --crl "$crl"
pc_secs=$secs pc_mib=$mib

# The CRL pkit signed is valid for OpenSSL and as large as OpenSSL's.
openssl crl -in "$crl" -noout -CAfile "$pki/ca/intermediate.crt" -verify 2>&1 | grep -q "verify OK"
echo "sizes: pkit $(stat -c %s "$crl") bytes, openssl $(stat -c %s "$work/openssl.crl.pem") bytes (PEM); openssl crl -verify: OK"

awk -v os="$o_secs" -v ps="$p_secs" -v om="$o_mib" -v pm="$p_mib" \
    -v ocs="$oc_secs" -v pcs="$pc_secs" -v ocm="$oc_mib" -v pcm="$pc_mib" 'BEGIN {
  printf "pkit crl:       %.1fx faster than openssl ca -gencrl, %.2fx its peak memory\n", os/ps, pm/om
  printf "pkit crl check: %.1fx faster than openssl crl -noout, %.2fx its peak memory\n", ocs/pcs, pcm/ocm
}'
echo "(data kept in $work; WORK=$work bash bench/crl.sh reuses it)"
