#!/usr/bin/env bash
# The store on SQLite and on PostgreSQL, side by side (bench/store.sh runs
# this at its end; PG=0 skips it there). Prints:
#   1. issuance throughput (certificates per second) with 1, 2 and 4
#      concurrent issuers on one CA whose store is SQLite, then the same on
#      PostgreSQL, in interleaved rounds (RUNS), best round kept, two ways:
#      "pkit issue --batch" processes (ISSUE certificates in all), and
#      processes each issuing one certificate per "pkit issue client" in a
#      loop (SINGLE in all), with the cores the issuers kept busy. Targets:
#      PostgreSQL within 1.5x of SQLite's time; 4 issuers at least 1.5x the
#      throughput of 1.
#   2. "pkit crl" on a store holding REVOKED revoked certificates (default
#      1,000,000), on each backend: the SQLite store is built by bench/gen,
#      the PostgreSQL one copied from it with "pkit db migrate --from --to".
#
#   bash bench/store_pg.sh                 # ISSUE=1000 SINGLE=120 REVOKED=1000000 RUNS=3
#   ISSUE=200 SINGLE=40 REVOKED=20000 RUNS=2 bash bench/store_pg.sh   # a quick look
#
# Needs go and PostgreSQL (Debian's postgresql: initdb and postgres from
# /usr/lib/postgresql/*/bin). A throwaway server is started on 127.0.0.1
# (as the postgres user when run as root), with fsync on, and stopped at
# the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ISSUE=${ISSUE:-1000}
SINGLE=${SINGLE:-120}
REVOKED=${REVOKED:-1000000}
RUNS=${RUNS:-3}
OUT=bench/out/store_pg
mkdir -p "$OUT"
make -s build BIN="$OUT/pkit"
go build -o "$OUT/gen" ./bench/gen
PKIT=$PWD/$OUT/pkit

# A throwaway PostgreSQL.
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || PGBIN=$(dirname "$(command -v initdb)")
PGDIR=$(mktemp -d /tmp/pkit-bench-pg-XXXXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$PGDIR"
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg "$PGBIN/initdb" -D "$PGDIR/data" -U pkit --auth=trust -E UTF8 --locale=C >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w -o "-p $PGPORT -h 127.0.0.1 -k ''" start >/dev/null
trap 'as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$PGDIR"' EXIT
PGURL="postgres://pkit@127.0.0.1:$PGPORT"
newdb() { "$PGBIN/psql" -q -h 127.0.0.1 -p "$PGPORT" -U pkit -d postgres -c "CREATE DATABASE $1" >/dev/null; echo "$PGURL/$1?sslmode=disable"; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

# 1. Issuance with 1, 2 and 4 issuers, two ways:
#   batch   K "pkit issue --batch" processes, ISSUE certificates in all
#           (each process already signs on 2 x GOMAXPROCS workers);
#   single  K processes each running "pkit issue client NAME" SINGLE / K
#           times in a row, as CI runners do: one certificate per process.
# Each process's CPU (user + system) is summed: CPU / wall says how many
# cores the issuers kept busy (the database server's CPU not counted).
declare -A best cores
round=0
for r in $(seq "$RUNS"); do
  for mode in batch single; do
    for backend in sqlite postgres; do
      for k in 1 2 4; do
        round=$((round + 1))
        w="$OUT/issue-$round"
        rm -rf "$w"; mkdir -p "$w"
        if [ $backend = postgres ]; then
          "$PKIT" init --dir "$w/pki" --no-encrypt --db "$(newdb "issue$round")" >/dev/null 2>&1
        else
          "$PKIT" init --dir "$w/pki" --no-encrypt >/dev/null 2>&1
        fi
        if [ $mode = batch ]; then per=$((ISSUE / k)); else per=$((SINGLE / k)); fi
        for j in $(seq "$k"); do
          { echo "profile,name"; for i in $(seq "$per"); do echo "client,c$j-$i"; done; } > "$w/m$j.csv"
          mkdir -p "$w/out$j"
        done
        start=$(date +%s.%N)
        for j in $(seq "$k"); do
          if [ $mode = batch ]; then
            /usr/bin/time -o "$w/cpu$j" -f "%U %S" "$PKIT" issue --dir "$w/pki" --batch "$w/m$j.csv" --out-dir "$w/out$j" >/dev/null 2>&1 &
          else
            (for i in $(seq "$per"); do
              /usr/bin/time -a -o "$w/cpu$j" -f "%U %S" "$PKIT" issue client "c$j-$i" --dir "$w/pki" --out-dir "$w/out$j" >/dev/null 2>&1 || exit 1
            done) &
          fi
        done
        wait
        end=$(date +%s.%N)
        [ "$(ls "$w"/out*/*-client.pem | wc -l)" = $((per * k)) ] || { echo "bench/store_pg.sh: $mode $backend $k: not every certificate was issued" >&2; exit 1; }
        rate=$(awk -v n=$((per * k)) -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", n/(b-a)}')
        used=$(cat "$w"/cpu* | awk -v a="$start" -v b="$end" '{c += $1 + $2} END{printf "%.2f", c/(b-a)}')
        key="$mode/$backend/$k"
        if [ -z "${best[$key]:-}" ] || awk -v a="$rate" -v b="${best[$key]}" 'BEGIN{exit !(a>b)}'; then best[$key]=$rate cores[$key]=$used; fi
        rm -rf "$w"
      done
    done
  done
done
for mode in batch single; do
  echo
  if [ $mode = batch ]; then
    echo "batch issuance (pkit issue --batch), $ISSUE client certificates, best of $RUNS rounds: certificates per second (cores the issuers kept busy)"
  else
    echo "single issuance (pkit issue client, one certificate per process), $SINGLE client certificates, best of $RUNS rounds: certificates per second (cores busy)"
  fi
  printf '%-10s %16s %16s %16s %8s\n' backend "1 issuer" "2 issuers" "4 issuers" "4 vs 1"
  for backend in sqlite postgres; do
    printf '%-10s' $backend
    for k in 1 2 4; do printf ' %16s' "${best[$mode/$backend/$k]} (${cores[$mode/$backend/$k]})"; done
    awk -v a="${best[$mode/$backend/4]}" -v b="${best[$mode/$backend/1]}" 'BEGIN{printf " %7.2fx\n", a/b}'
  done
  for k in 1 2 4; do
    awk -v k=$k -v s="${best[$mode/sqlite/$k]}" -v p="${best[$mode/postgres/$k]}" \
      'BEGIN{printf "%d issuer(s): PostgreSQL takes %.2fx the time of SQLite (target at most 1.5x)\n", k, s/p}'
  done
done
echo "load average after issuance: $(cut -d' ' -f1-3 /proc/loadavg)"

# 2. pkit crl with REVOKED revocations.
G="$OUT/gen-revoked-$REVOKED"
if [ ! -f "$G/done" ]; then
  rm -rf "$G"
  echo "building a store of $REVOKED revoked certificates ..." >&2
  "$OUT/gen" -dir "$G" -openssl=false -n "$REVOKED" -revoked 1 >/dev/null
  touch "$G/done"
fi
rm -rf "$OUT/crl-sqlite" "$OUT/crl-pg"
cp -a "$G" "$OUT/crl-sqlite"
cp -a "$G" "$OUT/crl-pg"
url=$(newdb crl)
echo "copying it into PostgreSQL (pkit db migrate --from --to) ..." >&2
/usr/bin/time -f "%e s" "$PKIT" db migrate --from "$OUT/crl-pg/pki/store" --to "$url" >/dev/null 2>"$OUT/migrate.time" || { cat "$OUT/migrate.time"; exit 1; }
echo "db migrate of $REVOKED records into PostgreSQL: $(tail -1 "$OUT/migrate.time")"
rm "$OUT/crl-pg/pki/store"*
echo
echo "pkit crl with $REVOKED revoked certificates, best of $RUNS (wall, CPU user+sys)"
declare -A crlbest
for r in $(seq "$RUNS"); do
  for backend in sqlite postgres; do
    if [ $backend = postgres ]; then args=(--dir "$OUT/crl-pg/pki" --db "$url"); else args=(--dir "$OUT/crl-sqlite/pki"); fi
    /usr/bin/time -o "$OUT/crl.time" -f "%e %U %S" "$PKIT" crl "${args[@]}" >/dev/null 2>&1
    t=$(tail -1 "$OUT/crl.time")
    wall=${t%% *}
    if [ -z "${crlbest[$backend]:-}" ] || awk -v a="$wall" -v b="${crlbest[$backend]%% *}" 'BEGIN{exit !(a<b)}'; then crlbest[$backend]=$t; fi
  done
done
for backend in sqlite postgres; do
  set -- ${crlbest[$backend]}
  printf '%-10s %8.2f s wall, %6.2f s CPU\n' $backend "$1" "$(awk -v u="$2" -v s="$3" 'BEGIN{print u+s}')"
done
