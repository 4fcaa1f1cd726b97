#!/usr/bin/env bash
# Issuance speed: pkit against the openssl commands that do the same work.
#
#   bench/issue.sh            # N=1000 certificates, R=20 single runs
#   N=200 R=10 bench/issue.sh # a quicker look
#
# 1. Batch: N ECDSA P-256 client certificates, each with a .p12, issued by
#    "pkit issue --batch" from a CSV manifest (one process, one CA unlock),
#    against a shell loop doing the same work with openssl: a key, a CSR,
#    signing it with the same intermediate CA, and a .p12 export (four
#    processes per certificate). Target: pkit at least 50x faster.
# 2. Single: one "pkit issue client NAME --p12" process against the four
#    openssl commands it replaces, R times each, interleaved
#    (bench/cputime); the medians of wall and CPU time per certificate.
#    Target: 4x. Then the same split into start-up and work (see below).
#
# The CA is made with --no-encrypt, so no scrypt unlock is timed. With a
# passphrase-sealed CA each pkit process (not each batch row) also pays one
# scrypt derivation (work factor 16: about 0.25 s and 64 MiB); with an age
# identity (--age-identity) the unlock costs well under a millisecond.
# Both sides write their .p12 files with a password, AES-256-CBC and
# PBKDF2-SHA256 with 2048 iterations (OpenSSL 3's default, go-pkcs12's
# Modern2023), so the key derivations are the same work.
#
# Deleted files: the previous run's output (about 7 files per certificate)
# is deleted at the end of this run, after the timing, not before it. On
# ext4 without a journal (this project's test machines), the kernel does
# not reuse an inode freed less than 5 minutes before while its inode
# table block waits to be written back (ext4's recently_deleted): each new
# file's inode is searched for past every inode deleted just before. A
# batch timed right after deleting the last run's files spent 0.7-1.3 s
# of system time instead of 0.24-0.34 s for 1000 certificates, 1.2-1.4x
# its time in a folder with no deletions (3 December 2026); the openssl
# loop, 35x slower, barely notices. So on such a file system the script
# waits until 5 minutes have passed since its last deletion, and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000}
R=${R:-20}
ROOT=$PWD
OUT=bench/out/issue
DELETED=$PWD/bench/out/.issue-deleted # when the last run deleted its files
mkdir -p bench/out
nojournal() { # the file system of bench/out is ext4 without a journal
  local dev
  dev=$(basename "$(findmnt -no SOURCE -T bench/out 2>/dev/null)") && [ -d "/proc/fs/ext4/$dev" ] &&
    ! compgen -G "/proc/fs/jbd2/$dev-*" >/dev/null
}
if [ -f "$DELETED" ] && nojournal; then
  age=$(($(date +%s) - $(stat -c %Y "$DELETED")))
  if [ "$age" -lt 310 ]; then
    echo "waiting $((310 - age)) s: the last run deleted its files $age s ago, and ext4 without a journal reuses no inode deleted in the last 5 minutes (see the top of this script)" >&2
    sleep $((310 - age))
  fi
fi
if [ -e "$OUT" ]; then mv "$OUT" "$ROOT/bench/out/issue.old.$$"; fi
mkdir -p "$OUT"
make -s build BIN="$OUT/pkit"
# floor is built as "make build" builds pkit (pure Go, static, stripped,
# and on Linux/amd64 starting at internal/startcpu's entry), so that the
# split at the end compares like with like.
make -s build BIN="$OUT/floor" PKG=./bench/floor
CGO_ENABLED=0 go build -trimpath -o "$OUT/cputime" ./bench/cputime
CGO_ENABLED=0 go build -trimpath -o "$OUT/runstat" ./bench/runstat
PKIT="$PWD/$OUT/pkit" FLOOR="$PWD/$OUT/floor" CPUTIME="$PWD/$OUT/cputime" RUNSTAT="$PWD/$OUT/runstat"
cd "$OUT"
export PKIT_P12_PASSWORD=bench-p12-password
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
per() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.2f", 1000 * t / n }'; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (other work on the machine skews every figure)"
"$PKIT" init --dir pki --no-encrypt --name Bench 2>/dev/null
CA_CERT=pki/ca/intermediate.crt CA_KEY=pki/ca/intermediate.key
# The extensions pkit's client profile puts in a certificate.
cat > client.ext <<'X'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
X

# openssl: the four commands for one client certificate with a .p12 (the
# random 128-bit serial comes from bash, not a fifth process).
openssl_one() {
  local name=$1 dir=$2
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$name-key.pem" 2>/dev/null
  openssl req -new -key "$dir/$name-key.pem" -subj "/CN=$name" -out "$dir/$name.csr"
  openssl x509 -req -in "$dir/$name.csr" -CA "$CA_CERT" -CAkey "$CA_KEY" -set_serial "0x$(printf '%08x%08x%08x%08x' $SRANDOM $SRANDOM $SRANDOM $SRANDOM)" \
    -days 365 -extfile client.ext -out "$dir/$name.pem" 2>/dev/null
  openssl pkcs12 -export -inkey "$dir/$name-key.pem" -in "$dir/$name.pem" -certfile "$CA_CERT" -name "$name" \
    -passout env:PKIT_P12_PASSWORD -out "$dir/$name.p12"
}

echo "== batch: $N ECDSA P-256 client certificates with .p12"
{
  echo "profile,name,dns,ip,email,uri,p12"
  for i in $(seq 1 "$N"); do echo "client,user$i,,,,,yes"; done
} > manifest.csv
mkdir batch loop
# runstat: wall and CPU time, and the batch's peak memory (a batch keeps
# each row's plan, job and result until its report: about 2.3 KB of heap
# per row, 11 MB for 5000 rows).
read -r pk pkcpu pkkb < <("$RUNSTAT" "$PKIT" issue --batch manifest.csv --dir pki --out-dir batch)
t2=$(now)
for i in $(seq 1 "$N"); do openssl_one "user$i" loop; done
t3=$(now)
os=$(secs "$t2" "$t3")
test "$(ls batch/*.p12 | wc -l)" -eq "$N" && test "$(ls loop/*.p12 | wc -l)" -eq "$N"
echo "pkit issue --batch: $(printf '%.3f' "$pk")s ($(per "$pk" "$N") ms per certificate; $(printf '%.3f' "$pkcpu") s CPU; peak memory $((pkkb / 1024)) MiB)"
echo "openssl loop:       ${os}s ($(per "$os" "$N") ms per certificate)"
echo "ratio:              $(ratio "$os" "$pk")x (target >= 50x)"

echo "== single: one 'pkit issue client --p12' process vs the four openssl commands, $R times each, interleaved"
# One pkit run, then one openssl run, R times (bench/cputime), so that both
# sides see the same load on a busy machine. Each run is started by a shell
# (the four openssl commands need one; pkit gets one too) and timed whole:
# wall time, and CPU time of the shell and every process it waited for,
# from the kernel's accounting (exact, where the shell's own "times" counts
# whole milliseconds). Then the shell alone, timed the same way, is taken
# off both sides' medians, so each side is its own processes, as a script
# would run them.
mkdir single-pkit single-openssl
{ declare -f openssl_one; echo 'openssl_one "$@"'; } > openssl_one.sh
export PKIT CA_CERT CA_KEY
read -r pc pw oc ow _ < <("$CPUTIME" -cold "$PKIT" -cold "$(command -v openssl)" "$R" \
  bash -c '"$PKIT" issue client "s$1" --p12 --dir pki --out-dir single-pkit 2>/dev/null' _ '{n}' :: \
  bash openssl_one.sh 's{n}' single-openssl)
read -r sc sw _ _ _ < <("$CPUTIME" "$R" bash -c 'true' _ '{n}' :: bash -c 'true' _ '{n}')
net() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }
pw=$(net "$pw" "$sw") pc=$(net "$pc" "$sc") ow=$(net "$ow" "$sw") oc=$(net "$oc" "$sc")
echo "pkit issue client --p12: ${pw} ms wall, ${pc} ms CPU (medians, the shell's ${sw} ms wall and ${sc} ms CPU taken off)"
echo "openssl (4 commands):    ${ow} ms wall, ${oc} ms CPU"
echo "ratio:                   $(ratio "$ow" "$pw")x wall, $(ratio "$oc" "$pc")x CPU (target >= 4x)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Where one pkit process spends its time, each started the same way: the
# shell alone (/bin/true), pkit's libraries starting and exiting (bench/floor
# with no arguments: the SQLite driver, age, crypto), pkit's start-up with
# its command line (pkit --version), and the issuance as a program without
# the command line (bench/floor: ca.Open, then IssueTo with the key and the
# .p12, recorded and placed with the same syncs as pkit).
mkdir single-floor
part() { # label, command...
  local label=$1 t0 t1; shift
  t0=$(now)
  for i in $(seq 1 "$R"); do "$@" >/dev/null; done
  t1=$(now)
  printf '  %-46s %s ms\n' "$label" "$(per "$(secs "$t0" "$t1")" "$R")"
}
echo "where the time of one process goes:"
part "process start from the shell (/bin/true):" /bin/true
part "pkit's libraries start and exit (floor):" "$FLOOR"
part "pkit start-up with its CLI (pkit --version):" "$PKIT" --version
t0=$(now)
for i in $(seq 1 "$R"); do "$FLOOR" pki single-floor "f$i"; done
t1=$(now)
printf '  %-46s %s ms\n' "issuance without the CLI (floor DIR OUT NAME):" "$(per "$(secs "$t0" "$t1")" "$R")"
echo "  (the 4x target leaves $(awk -v o="$ow" 'BEGIN { printf "%.2f", o / 4 }') ms for the whole pkit process)"

# The openssl certificates are real: they verify like pkit's.
openssl verify -CAfile pki/ca/root.crt -untrusted "$CA_CERT" -purpose sslclient loop/user1.pem batch/user1-client.pem single-floor/f1-client.pem >/dev/null

# The previous runs' files, deleted now that the timing is done (see the
# top of this script).
if compgen -G "$ROOT/bench/out/issue.old.*" >/dev/null; then
  rm -rf "$ROOT"/bench/out/issue.old.*
  touch "$DELETED"
fi
