#!/usr/bin/env bash
# Start-up and one-shot commands: each pkit command that does one small
# job per process against the openssl command that does the same job,
# process start-up included on both sides, as a user or a script runs them
# (issue 13).
#
#   bash bench/startup.sh         # N=41 runs of each command
#   N=11 bash bench/startup.sh    # a quicker look
#
# pkit is built as "make build" builds it (pure Go, static, no man-page
# generator, -trimpath; on Linux/amd64 starting on one CPU with a 200 us
# timer slack, internal/startcpu, which the one-shot commands timed here
# keep to the end) and installed (copied) into bench/out/startup.
# bench/cputime then reads both programs of each pair back from disk
# before timing them: a file just written or copied starts faster than
# one read back (the linker's output faulted in about 110 fewer pages
# than a copy read back, 0.86x the CPU; a fresh copy took 0.87x the CPU of
# the same file copied ten minutes before, 3 December 2026), and openssl's
# files have been read from disk, so timing a fresh pkit would flatter
# it. Each pair runs in turn, pkit then
# openssl, N times (bench/cputime), so the load of a busy machine falls on
# both alike. Reported: the median CPU time per process (user + system, the
# kernel's accounting of the child: on a loaded machine wall time mostly
# measures the wait for a core) and, for reference, the median wall time;
# the ratio is pkit's CPU over openssl's (below 1: pkit is cheaper). Targets
# (issue 13): every ratio at most 1, and "chain build" of the shuffled
# 1000-certificate bundle under 30 ms of CPU per process (on a quiet
# machine: the line prints its CPU median against 30 ms as measured, so on
# a loaded one read it with the --version line beside it).
#
# The pairs:
#   empty Go, cgo  bench/gostart built as "make build-cgo" builds pkit
#                  (cgo, static glibc)
#   empty Go       bench/gostart built as "make build" builds pkit (no cgo)
#                  each against openssl version: not pkit, but the floor
#                  every Go program starts from on the machine. Any pkit
#                  command costs at least the second line's CPU; its ratio
#                  is how far under openssl's start a Go program can start
#                  at all. On a VM whose page faults cost about 15 us
#                  (bench/faults.sh; 3 December 2026, quiet): 0.90-0.96
#                  with cgo, 0.66-0.76 without. On one where they cost
#                  about 1.5 us (a later run that day): 0.75-0.76 and
#                  0.44-0.47, and static glibc's own start (CPUID
#                  instructions, trapped by the hypervisor, about 0.4 ms)
#                  made the cgo build the slower one for every short
#                  command, which is why "make build" is pure Go (the
#                  Makefile).
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
#   chain build    pkit chain build PILE (1000 certificates, shuffled: a
#                  4-level chain, duplicates, decoys, expired twins and
#                  unrelated CAs, written by bench/pile)
#                  openssl verify -CAfile ROOT -untrusted PILE LEAF, the
#                  closest openssl has: it too reads the 1000 certificates
#                  and builds the path through them (it is given the leaf
#                  and the root; pkit finds them)
#
# What each command does beyond start-up (perf record -g over 40 runs of
# each, a build with symbols, 2 December 2026), and what was cut:
#   chain build of the 1000-certificate pile: about 1900 more page faults
#   than --version (each about 15 us in these VMs) and reading took ~35 ms
#   of the ~50: the format was detected in a pass of its own that
#   base64-decoded every PEM block, the parse counted the blocks in a
#   second decoding pass and decoded them a third time to parse, and the
#   file was read through a buffer grown step by step. Now one pass decodes
#   each block once (formats.splitPEM), a .p12 password is offered only to
#   a file that holds a .p12 (ParseOptions.PasswordForPKCS12, decided in
#   that pass), the file is read into one buffer of its size, and
#   chain.Build allocates half as much (one slab of nodes, each name's RFC
#   5280 key once). Then crypto/x509 parsed every certificate (about 2.8 KB
#   and 33 allocations each: a third of the page faults); now the pile is
#   read lazily (formats.IndexCertificate extracts names, key ids, validity
#   and basic constraints with cryptobyte) and crypto/x509 parses only the
#   certificates the search touches (13 of the 1000), so what is left is
#   the search and the start-up.
#   chain verify (PKIT_DIR set): opening the CA directory's SQLite store
#   was 13% of the process (schema read, pragmas) for the CA certificates
#   alone; it now reads them without the store (ca.CACertificates), which
#   it opens only for --revocation's pending-change warnings.
#   from p12: the MAC was checked with both encodings of the empty password
#   before the real one, three full key derivations; a password given by
#   --password-file or PKIT_PASSWORD is now tried first
#   (ParseOptions.PasswordFirst). to p12 derives three keys as openssl
#   does (key bag, certificate bag, MAC); to der, to p7b, inspect and crl
#   check do little beyond start-up.
#   No pkit package compiles a regexp at start-up (batch's header check is
#   a loop); age and urfave/cli still do, in their init. x/text/cases
#   (RFC 4518 folding in formats, and pgx's SASLprep) initialises its
#   language tables at start-up whichever command runs.
#   Measured before and after these cuts, the same commands with a build of
#   main before them and one after, interleaved (N=21, load 13, CPU ms;
#   the after build also has the lead's start-up cuts, so compare each
#   line with --version's): --version 28.2 -> 21.4 (0.76x); chain verify
#   34.8 -> 21.9 (0.63x); inspect 27.8 -> 19.6; to der 31.9 -> 24.3; to p7b
#   33.3 -> 24.6; to p12 35.6 -> 27.0; from p12 36.0 -> 24.6 (0.68x); crl
#   check 30.6 -> 22.7; chain build of the pile 89.5 -> 58.9 (0.66x).
#   The full run of this script that the README quotes (N=21, load 7,
#   pkit installed as above; 3 December 2026): --version 22.6 (openssl
#   14.9), chain verify 31.9 (25.8), inspect 28.9 (60.4), to der 28.4
#   (44.6), to p7b 24.4 (16.5), to p12 27.2 (21.4), from p12 33.0 (27.6),
#   crl check 29.4 (21.3), chain build 44.3 (openssl verify -untrusted
#   130.0). Earlier runs timed the linker's fresh output (see the top).
#
# Start-up again (3 December 2026, the build with C SQLite and the lazy
# command tree; perf record over 100 runs of --version, perf page-fault
# records with addresses, GODEBUG=inittrace=1; load 8-25 on 2 cores):
#   The runtime's own start (schedinit) is about a quarter of the CPU:
#   CPUID (about 13 us each here, bench/faults.sh), the itab table, the
#   first heap pages. Package initialisers are about 30%: summed medians
#   3.9 ms in 119 packages at load 16, of which crypto/* 0.57, x/text 0.44
#   (pgx's SCRAM SASLprep imports x/text/secure/precis, which imports cases
#   and language: linked whatever pkit's own code does), the runtime 0.39,
#   pgx 0.22, net 0.22, age 0.21, os 0.19, encoding/* 0.19, urfave/cli
#   0.14, pkit's own packages 0.12 (small tables; no regexp). Static
#   glibc's own start is most of the rest: its CPU-feature and cache-size
#   CPUIDs, /proc/self/maps read for the main thread's stack, pthread
#   stacks for the runtime's threads (an empty static cgo program takes
#   1.5x the CPU of an empty pure-Go one, about 2.5 ms here). Page faults
#   of --version: about 340 freshly linked (Go heap ~150, thread stacks
#   and glibc ~70, text ~42, data and bss ~40; installed, text, rodata
#   and pclntab fault about twice as often: ~470); openssl version 290-310.
#   No garbage collection runs in any of these commands (gctrace), so GC
#   settings change nothing.
#   Tried and dropped, each measured with both builds installed at the
#   same moment:
#   - Go 1.25's collector (GOEXPERIMENT=nogreenteagc; Go 1.26's Green Tea
#     keeps each small-object span's mark bits in its last page): 25-50
#     fewer page faults per process but 0.94-1.01x the CPU, about 0.98x,
#     and pkit serve answered 0.93-0.98x the OCSP requests per second
#     (ocspload, 20,000 requests from 32 clients, 3 of 4 interleaved pairs;
#     1.17x in the fourth, at a load spike): no clear gain.
#   - musl instead of glibc (musl-gcc, static): one-shot commands 0.84-0.90x
#     the CPU, but musl's malloc maps and unmaps small groups of pages as
#     SQLite allocates and frees (list --expiring: 63 mmap and 35 munmap
#     calls against 33 and 0) and its recursive mutexes are slow: pkit crl
#     of 5000 revocations 1.11-1.23x, list --expiring 1.06-1.19x, issue
#     client 1.01-1.11x.
#   - starting on one core (runtime.GOMAXPROCS(1) in the first package
#     initialiser, the cores given back to commands that use them):
#     0.95-1.00x; GOMAXPROCS=1 in the environment: 0.87x and 0.98x in two
#     runs. The process still starts as many threads (strace: 4-5).
#   Linked and initialised by what pkit needs, so not avoidable without
#   dropping it: x/text (pgx), hpack and mime (net/http), compress/flate
#   (net/http's gzip), encoding/xml (pgx's pgtype), age's regexps.
#
# Where pkit's start-up goes (measured 2 December 2026, before the cuts
# above and the lead's start-up work (C SQLite through cgo, lazy command
# tree), load 15-25 on 2
# cores, so every CPU figure is inflated about 2x against a quiet machine;
# the comparisons are interleaved runs of bench/cputime, CPU medians):
#   /bin/true 4 ms; an empty Go program 10-13 ms; "openssl version" 18-22 ms;
#   an empty Go program that links only the SQLite driver (modernc.org/
#   sqlite) 20-21 ms, 1.83x the empty one; a program that links pkit's
#   formats and chain packages and urfave/cli but not ca (no store) 18.5 ms,
#   1.02x "openssl version"; "pkit --version" 31-37 ms, 1.67x that.
#   So about 10 ms (loaded) of every pkit process is the SQLite driver
#   being linked, and a few more the rest of what ca links (age, scrypt,
#   the servers); pkit's own command tree costs nothing measurable: --version
#   against a build that exits at the top of main 0.96x, against one whose
#   newApp builds no commands 1.00x. It is all before main, and Go runs the init
#   of every linked package, so no lazy registration avoids it: only a
#   binary (or build) that does not link the store would.
#   GODEBUG=inittrace=1 pkit --version, medians of 20 runs summed: 10 ms of
#   package init in 119 packages; the SQLite driver 2.8 ms (modernc.org/libc
#   1.2: its init mallocs C strings through an mmap allocator, sqlite/lib
#   1.0, mathutil 0.3, database/sql 0.3), net/http and friends 0.8, pkit's
#   own 0.7, x/text (RFC 5280 name folding in formats) 0.5, age 0.4,
#   urfave/cli 0.3, the standard library the rest.
#   perf record -e cpu-clock over 60 runs of pkit --version: the runtime's
#   own start (schedinit) 22% (CPUID, which traps in these VMs, 5%; itab
#   tables 4%), package init 31% (the SQLite driver 7%), heap allocation
#   and first touch of its pages 21%, main.main 7%, sysmon 6%.
#   Page faults (about 15 us each here, bench/faults.sh; /usr/bin/time %R):
#   empty Go program 178, SQLite-only 340, pkit --version 560, openssl
#   version 307.
#   Built up step by step (stripped builds, each against the one before):
#   formats + chain + urfave/cli 18.5 ms (1.02x openssl version); + the
#   SQLite driver 1.11x; + all of ca and its imports, linked by a blank
#   import (their inits, not their code) 1.02x; pkit --version 1.43x that:
#   the code pkit's commands reach costs start-up beyond any package's init.
#   Not worth it: dropping urfave/cli's text/template help printer (whose
#   reflect MethodByName keeps every exported method: 16.1 -> 14.5 MB) gave
#   1.03-1.04x, nothing measurable.
#   Stripping the symbol table and DWARF (make build's -ldflags '-s -w',
#   23 MB -> 16 MB) saved 5-9% of the CPU of every pkit process.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-41}
OUT=bench/out/startup
rm -rf "$OUT"
mkdir -p "$OUT"
make -s build BIN="$OUT/pkit-linked"
install -m 0755 "$OUT/pkit-linked" "$OUT/pkit"
CGO_ENABLED=0 go build -trimpath -o "$OUT/cputime" ./bench/cputime
# The floor: the smallest Go program, built as pkit is (cgo, static glibc,
# stripped) and without cgo; installed as pkit is.
go build -trimpath -ldflags='-s -w -extldflags=-static' -o "$OUT/gostart-linked" ./bench/gostart
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$OUT/gostart-nocgo-linked" ./bench/gostart
install -m 0755 "$OUT/gostart-linked" "$OUT/gostart"
install -m 0755 "$OUT/gostart-nocgo-linked" "$OUT/gostart-nocgo"
go run ./bench/pile -dir "$OUT"
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
test "$(grep -c BEGIN pile.pem)" = 1000

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; pkit $(stat -c %s "$PKIT") bytes; N=$N runs each, interleaved"
printf '%-14s %12s %12s %8s   %s\n' "" "pkit CPU ms" "openssl CPU" "ratio" "(median wall ms: pkit / openssl)"
pair() { # pair NAME PKIT_ARGS... :: OPENSSL_ARGS...
  local name=$1; shift
  read -r pc pw oc ow r < <("$CPUTIME" "$N" "$@")
  printf '%-14s %12s %12s %8s   (%s / %s)\n' "$name" "$pc" "$oc" "$r" "$pw" "$ow"
  last_cpu=$pc
}
# Not pkit: the smallest Go program against "openssl version", the floor
# any Go program starts from here (bench/gostart).
pair "empty Go, cgo" ./gostart :: openssl version
pair "empty Go" ./gostart-nocgo :: openssl version
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
# The pile is not the CA directory's: chain build reads it alone.
unset PKIT_DIR
pair "chain build" "$PKIT" chain build pile.pem :: \
  openssl verify -no-CApath -no-CAstore -CAfile root.pem -untrusted pile.pem leaf.pem
awk -v c="$last_cpu" 'BEGIN{printf "chain build of 1000 shuffled certificates: %.1f ms CPU per process (target < 30 ms on a quiet machine)  %s\n", c, (c < 30 ? "ok" : "over")}'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
