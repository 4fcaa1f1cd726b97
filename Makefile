# pkit: "make build" leaves ./pkit, "make test" runs every test.
GO ?= go

.PHONY: build test vet cross portable fuzz bench clean man

# A static binary without urfave/cli's man-page generator, whose markdown
# package costs every process start-up time: together about a quarter of
# the CPU of a short command like "pkit issue client". With a C compiler,
# SQLite is its C library built in (cgo, linked statically: netgo and
# osusergo keep name lookups in Go, sqlite_omit_load_extension drops
# dlopen), which starts every process about 3 ms sooner than the pure-Go
# SQLite (ca/sqlite_cgo.go); without one (CGO_ENABLED=0, cross builds) the
# pure-Go driver is used. Without the symbol table and DWARF (-s -w: a
# 16 MB binary instead of 23 MB; panics still name functions, from the
# runtime's own tables) every process costs 5-9% less CPU (bench/cputime,
# interleaved: 0.91-0.95 of the CPU of an unstripped build, for --version
# and for chain verify). BIN names the output (bench/issue.sh builds into
# bench/out).
BIN ?= pkit
BUILD_TAGS = urfave_cli_no_docs netgo osusergo sqlite_omit_load_extension
build:
	$(GO) build -buildvcs=auto -tags '$(BUILD_TAGS)' -trimpath -ldflags='-s -w $(if $(filter 0,$(shell $(GO) env CGO_ENABLED)),,-extldflags=-static)' -o $(BIN) ./cmd/pkit

test: vet cross portable
	$(GO) test -count=1 -timeout 20m ./...

# pkit builds everywhere Go does: the release targets besides Linux.
cross:
	GOOS=darwin GOARCH=amd64 $(GO) build ./...
	GOOS=darwin GOARCH=arm64 $(GO) build ./...
	GOOS=windows GOARCH=amd64 $(GO) build ./...

# The atomic-write and store tests again on the portable file path (temp
# file, fsync, rename/link) that systems without O_TMPFILE and syncfs use,
# and with the pure-Go SQLite driver that builds without cgo use.
portable:
	CGO_ENABLED=0 $(GO) test -count=1 -tags pkit_portable ./formats ./ca

vet:
	$(GO) vet ./...

# Each fuzz target briefly; their seed corpora already run in "make test".
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep ^Fuzz); do \
	    echo "fuzz $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime 10s $$pkg || exit 1; \
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
