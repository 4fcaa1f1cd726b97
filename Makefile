# pkit: "make build" leaves ./pkit, "make test" runs every test.
GO ?= go

.PHONY: build test vet fuzz bench clean

build:
	$(GO) build -o pkit ./cmd/pkit

test: vet
	$(GO) test -count=1 -timeout 20m ./...

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

clean:
	rm -f pkit
