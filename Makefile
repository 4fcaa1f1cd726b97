# pkit: "make build" leaves ./pkit, "make test" runs every test.
GO ?= go

.PHONY: build build-cgo test cgo vet cross portable fuzz bench clean man

# A static binary, pure Go (CGO_ENABLED=0: SQLite is modernc.org/sqlite,
# SQLite translated to Go), without urfave/cli's man-page generator, whose
# markdown package costs every process start-up time: together about a
# quarter of the CPU of a short command like "pkit issue client". Pure Go
# rather than SQLite's C library through cgo: a cgo program starts glibc
# as well as Go's runtime (glibc's start alone, its CPU-feature and
# cache-size CPUID instructions, trapped by the hypervisor in these VMs,
# is about 0.45 ms), and every short command paid it. Measured on a
# 2-core VM, this build against "make build-cgo", interleaved
# (bench/cputime, 61 runs each): pkit --version 0.80x the CPU (0.80-0.82x
# again with both programs read back from disk), chain verify 0.85x,
# inspect, convert and crl check 0.84-0.90x, issue client --p12
# 1.00x; the store's big reads cost more (list --json of 1M records 1.3x,
# list --expiring 1.3x, both well inside their targets; pkit crl 1.0x).
# On a VM where each page fault cost about 15 us (bench/faults.sh; about
# 1.5 us where the figures above were taken) the C build started faster
# instead (ca/sqlite_cgo.go, internal/prefault): "make build-cgo" makes
# it. Without the symbol table and DWARF (-s -w: a 16 MB binary instead of
# 23 MB; panics still name functions, from the runtime's own tables)
# every process costs 5-9% less CPU (bench/cputime, interleaved: 0.91-0.95
# of the CPU of an unstripped build, for --version and for chain verify).
# On Linux/amd64 the program starts at internal/startcpu's entry, which
# starts it on one CPU, with one P and a 200 us timer slack, until main
# gives the CPUs back: a one-shot command 0.67-0.88x the CPU (the package
# doc has the figures).
# BIN names the output and PKG the program (bench/issue.sh builds pkit
# and its floor, bench/floor, this way).
BIN ?= pkit
PKG ?= ./cmd/pkit
BUILD_TAGS = urfave_cli_no_docs netgo osusergo sqlite_omit_load_extension
ENTRY = $(if $(filter linux/amd64,$(shell $(GO) env GOOS)/$(shell $(GO) env GOARCH)),-E=github.com/pkit/pkit/internal/startcpu.entry)
build:
	CGO_ENABLED=0 $(GO) build -buildvcs=auto -tags '$(BUILD_TAGS)' -trimpath -ldflags='-s -w $(ENTRY)' -o $(BIN) $(PKG)

# The C build: SQLite's C library through cgo (needs a C compiler), linked
# statically (netgo and osusergo keep name lookups in Go,
# sqlite_omit_load_extension drops dlopen), the program mapped in at start
# (internal/prefault). Its queries run faster; it starts slower where page
# faults are cheap (see build).
build-cgo:
	CGO_ENABLED=1 $(GO) build -buildvcs=auto -tags '$(BUILD_TAGS)' -trimpath -ldflags='-s -w -extldflags=-static' -o $(BIN) ./cmd/pkit

# Every test on the build pkit ships (pure Go), then the code only the C
# build has.
test: vet cross portable cgo
	CGO_ENABLED=0 $(GO) test -count=1 -timeout 20m ./...

# The C build's own code: its SQLite driver settings (ca/sqlite_cgo.go),
# the store's tests on it, and the start-up mapping (internal/prefault).
# PostgreSQL's tests do not touch the SQLite driver; the main run has them.
cgo:
	CGO_ENABLED=1 $(GO) test -count=1 -skip 'TestStore/postgres|^TestPG|^TestCopyStore' ./ca ./internal/prefault

# pkit builds everywhere Go does: the release targets besides Linux, and
# their tests compile there (vet builds them; the tests that drive Unix
# servers and signals say "//go:build unix").
cross:
	GOOS=darwin GOARCH=amd64 $(GO) build ./...
	GOOS=darwin GOARCH=arm64 $(GO) build ./...
	GOOS=windows GOARCH=amd64 $(GO) build ./...
	GOOS=darwin GOARCH=arm64 $(GO) vet ./...
	GOOS=windows GOARCH=amd64 $(GO) vet ./...

# The atomic-write and store tests again on the portable file path (temp
# file, fsync, rename/link) that systems without O_TMPFILE and syncfs use.
portable:
	CGO_ENABLED=0 $(GO) test -count=1 -tags pkit_portable ./formats ./ca

vet:
	$(GO) vet ./...

# Each fuzz target for FUZZTIME; their seed corpora already run in "make
# test". A failing input is saved under the package's testdata/fuzz: keep
# it there as a seed once fixed. -fuzzminimizetime 1s: by default the
# fuzzer may spend a minute minimizing each new input, and with the large
# .p12 seeds FuzzDecodePKCS12 made 16 executions in 100 s (93,000 in 60 s
# with 1s). Go 1.26's fuzzer can end a run with a bare "context deadline
# exceeded" and no failing input (go.dev/issue/75804, fixed in Go 1.27):
# such a run counts as passed, with a note.
FUZZTIME ?= 10s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep ^Fuzz); do \
	    echo "fuzz $$pkg $$t"; \
	    out=$$($(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 1s $$pkg 2>&1) && continue; \
	    echo "$$out"; \
	    if echo "$$out" | grep -q 'context deadline exceeded' && ! echo "$$out" | grep -q 'Failing input written'; then \
	      echo "(the fuzzer's end-of-run race, no failing input: go.dev/issue/75804)"; continue; \
	    fi; \
	    exit 1; \
	  done; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Man pages for pkit and each of its commands in man/man1 (pkit.1,
# pkit-issue-server.1 …), written by "pkit man" from the command tree:
# read them with "man -l man/man1/pkit.1" or "MANPATH=$$PWD/man man pkit".
man:
	$(GO) run -tags urfave_cli_no_docs ./cmd/pkit man --force man/man1

clean:
	rm -f pkit
