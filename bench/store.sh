#!/usr/bin/env bash
# The store at scale: what pkit's everyday commands cost on a CA with 0,
# 100,000 and 1,000,000 records. Prints wall time, CPU (user + system) and
# peak RSS (GNU time's maximum resident set size) of each command at each
# size, and the ratio of the largest size to the smallest.
#
#   bash bench/store.sh                      # SIZES="0 100000 1000000", RUNS=3
#   SIZES="0 100000" RUNS=5 bash bench/store.sh
#   PKIT=/tmp/pkit-before bash bench/store.sh   # that build instead of this tree's
#
# PKIT names a pkit binary to measure instead of building this tree's
# (the build before a change, say: runs of both builds in turn).
#
# Needs go.
#
# The stores are built by bench/gen in one transaction each (a 1,000,000
# record store takes one to three minutes and 0.9 GB) and kept in
# bench/out/store/gen-N between runs (delete them after changing the
# schema). A store of N records is a CA that has issued for ten years:
# issuance dates spread evenly, each certificate valid for a year (so
# about 8% of them expire within any 30 days of the last year... and most
# have expired), names issued twice (renewals), servers and clients, and
# 10% revoked with the five usual reasons (a fifth of them keyCompromise).
# Every row holds the DER of a real certificate.
#
# What is measured, each a separate pkit process, RUNS times, interleaved
# across the sizes (so the machine's load hits every size alike), the best
# run kept:
#   list --json             every record (to /dev/null): streams, so its
#                           memory must stay flat (target: 1M under 5 s and
#                           under 100 MiB)
#   list --expiring 30d     the certificates expiring within 30 days, through
#                           the not_after index (target: under 100 ms at 1M)
#   issue client            one client certificate with a new key
#   sign CSR                a client CSR: its key is looked up among the keys
#                           revoked for keyCompromise (an index lookup)
#   revoke --no-publish     revoking one certificate (without publishing)
#   crl                     signing the CRL. A CRL's size grows with the
#                           revoked certificates, not the store: "flat" here
#                           compares each store with one holding the same
#                           revoked certificates and nothing else (gen -n
#                           N/10 -revoked 1), i.e. what 90% more valid
#                           records cost. The 0-record store has one revoked.
# Targets for issue, sign, revoke and crl: flat, the 1M / 0 ratio at most 1.1.
set -euo pipefail
if [ -n "${PKIT:-}" ]; then PKIT=$(realpath "$PKIT"); fi
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"0 100000 1000000"}
RUNS=${RUNS:-3}
OUT=bench/out/store
mkdir -p "$OUT"
if [ -z "${PKIT:-}" ]; then
  make -s build BIN="$OUT/pkit"
  PKIT=$PWD/$OUT/pkit
fi
go build -o "$OUT/gen" ./bench/gen
go build -o "$OUT/runstat" ./bench/runstat
RUNSTAT=$PWD/$OUT/runstat
echo "measuring $PKIT"

# gen DIR ARGS…: a store built by bench/gen, once.
gen() {
  local dir=$1; shift
  if [ ! -f "$dir/done" ]; then
    rm -rf "$dir"
    echo "building $dir ..." >&2
    "$OUT/gen" -dir "$dir" -openssl=false -span 87600h "$@"
    touch "$dir/done"
  fi
}
for n in $SIZES; do
  gen "$OUT/gen-$n" -n "$n" -revoked 0.1
  [ "$n" -gt 0 ] && gen "$OUT/gen-revoked-$((n / 10))" -n "$((n / 10))" -revoked 1
done

# The commands that write work on copies (the copy of the 1M store is made
# once per run of this script).
for n in $SIZES; do
  rm -rf "$OUT/work-$n" "$OUT/files-$n"
  cp -a "$OUT/gen-$n" "$OUT/work-$n"
  mkdir -p "$OUT/files-$n"
  (cd "$OUT/files-$n" && "$PKIT" csr bench-csr >/dev/null 2>&1)
done

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for n in $SIZES; do
  printf 'store of %s records: %s MB, %s of them expire within 30 days\n' "$n" \
    "$(( $(stat -c %s "$OUT/gen-$n/pki/store") / 1000000 ))" \
    "$("$PKIT" list --dir "$OUT/gen-$n/pki" --expiring 30d --json | grep -c '"serial"' || true)"
done

# run NAME SIZE CMD…: runs CMD once in the size's folder and keeps the
# best wall time (with its CPU and peak RSS) and the best CPU time.
declare -A wall cpu rss bestcpu
run() {
  local name=$1 n=$2; shift 2
  local s c kb
  read -r s c kb < <(cd "$OUT/files-$n" && "$RUNSTAT" "$@") ||
    { echo "bench/store.sh: $name at $n records failed" >&2; exit 1; }
  local key="$name/$n"
  if [ -z "${wall[$key]:-}" ] || awk "BEGIN{exit !($s < ${wall[$key]})}"; then
    wall[$key]=$s; cpu[$key]=$c; rss[$key]=$((kb / 1024))
  fi
  if [ -z "${bestcpu[$key]:-}" ] || awk "BEGIN{exit !($c < ${bestcpu[$key]})}"; then
    bestcpu[$key]=$c
  fi
}

names=("list --json" "list --expiring 30d" "issue client" "sign CSR" "revoke --no-publish" "crl" "crl, same revoked only")
for r in $(seq "$RUNS"); do
  for n in $SIZES; do
    gp=$PWD/$OUT/gen-$n/pki wp=$PWD/$OUT/work-$n/pki
    run "list --json" "$n" "$PKIT" list --dir "$gp" --json
    run "list --expiring 30d" "$n" "$PKIT" list --dir "$gp" --expiring 30d
    run "issue client" "$n" "$PKIT" issue client "bench-new-$r" --dir "$wp"
    run "sign CSR" "$n" "$PKIT" sign bench-csr.csr --profile client -o - --dir "$wp"
    run "revoke --no-publish" "$n" "$PKIT" revoke "bench-new-$r-client.pem" --reason keyCompromise --no-publish --dir "$wp"
    run "crl" "$n" "$PKIT" crl --dir "$wp"
    if [ "$n" -gt 0 ]; then
      run "crl, same revoked only" "$n" "$PKIT" crl --dir "$PWD/$OUT/gen-revoked-$((n / 10))/pki"
    fi
  done
done

sizes=($SIZES)
first=${sizes[0]} last=${sizes[-1]}
echo
echo "best of $RUNS runs: wall time (the CPU and peak RSS of that run); ratios of the best wall and the best CPU"
printf '%-24s' ""
for n in $SIZES; do printf '%-30s' "$n records"; done
printf '%s\n' "$last/$first wall, CPU"
for name in "${names[@]}"; do
  printf '%-24s' "$name"
  for n in $SIZES; do
    key="$name/$n"
    if [ -n "${wall[$key]:-}" ]; then
      printf '%-30s' "$(printf '%.3f s, %.3f s CPU, %d MiB' "${wall[$key]}" "${cpu[$key]}" "${rss[$key]}")"
    else
      printf '%-30s' "-"
    fi
  done
  base=$name/$first note=""
  case $name in
  "crl, same revoked only") echo; continue ;;
  crl) base="crl, same revoked only/$last" note=" (vs the same revoked only)" ;;
  esac
  if [ -n "${wall[$base]:-}" ] && [ "$last" != "$first" -o "$base" != "$name/$first" ]; then
    awk -v a="${wall[$name/$last]}" -v b="${wall[$base]}" -v c="${bestcpu[$name/$last]}" -v d="${bestcpu[$base]}" -v note="$note" \
      'BEGIN{printf "%.2fx, %.2fx%s\n", a/b, c/d, note}'
  else
    echo
  fi
done
echo "(stores kept in $OUT/gen-*; delete them after a schema change)"

# PostgreSQL beside SQLite: batch issuance with 1, 2 and 4 issuers, and
# pkit crl with 1,000,000 revocations, on each (bench/store_pg.sh; PG=0
# skips it).
if [ "${PG:-1}" = 1 ]; then
  echo
  bash bench/store_pg.sh
fi
