.PHONY: run build generate check-generated test lint bench abuse soak fuzz screenshots clean

# Generated code and built assets are committed, so `go build` needs no Node;
# `make generate` refreshes them and `make check-generated` proves they are current.

run:
	go run ./cmd/tokenadmin serve

build:
	go build -o bin/tokenadmin ./cmd/tokenadmin

generate:
	@test -f node_modules/.package-lock.json || npm ci --no-audit --no-fund
	go tool templ generate
	BROWSERSLIST_IGNORE_OLD_DATA=1 npx tailwindcss -c tailwind.config.js -i static/css/input.css -o static/css/app.css --minify
	cp node_modules/htmx.org/dist/htmx.min.js static/js/htmx.min.js

check-generated: generate
	@if [ -n "$$(git status --porcelain -- views static)" ]; then \
		echo "Generated files differ from the commit; run 'make generate' and commit:"; \
		git status --porcelain -- views static; \
		exit 1; \
	fi

test:
	go test -race -count=1 -timeout 12m ./...

# *_templ.go files are generated: check-generated guards them, not gofmt.
lint:
	go vet ./...
	@unformatted="$$(git ls-files --cached --others --exclude-standard -- '*.go' | grep -v '_templ\.go$$' | xargs -r gofmt -l)"; \
	if [ -n "$$unformatted" ]; then \
		echo "Not gofmt-ed:"; echo "$$unformatted"; \
		exit 1; \
	fi
	go tool templ fmt -fail views

# The figures of the spec's §8, side by side in one run on this machine
# (about 7 minutes): Go micro-benchmarks, HTTP with wrk against an
# auth-bypassed build and PostgreSQL against SQLite, revocation across two
# instances on PostgreSQL, the admin list with 10,000 tokens, and 1,000,000
# tokens on PostgreSQL. Traffic stays on 127.0.0.1; see bench/main.go.
# Flags: make bench BENCHFLAGS='-d 5s -only http,scale'.
bench:
	go run ./bench $(BENCHFLAGS)

# The requests of issue 9 replayed heavy against a running server (a
# 240-field GraphQL validation bomb, 990 filter conditions over 20,000
# rows on SQLite and PostgreSQL, the same through 50 GraphQL aliases,
# 60-way sign-in bursts, a stranger locking the owner out, a 400 KB email,
# bad bytes): per case the status codes, wall time, server CPU and peak
# memory, and the slowest answer another client got meanwhile. Each case
# is capped at 60 s. Compare with an older build in the same run:
# make abuse ABUSEFLAGS='-before bf983af' (built in a temporary worktree).
# Traffic stays on 127.0.0.0/8; see abuse/main.go.
abuse:
	go run ./abuse $(ABUSEFLAGS)

# PNGs of every admin page and the component gallery at 390, 1280 and
# 1920 px into docs/screenshots/current (a fresh SQLite database, seeded
# with the CLI, signed in through the form; Debian's chromium). An older
# build for a before/after: make screenshots SCREENSHOTFLAGS='-rev edc2dc2
# -out docs/screenshots/before'. See screenshots/main.go.
screenshots:
	go run ./screenshots $(SCREENSHOTFLAGS)

# The soak test for 3 minutes on each database (SQLite, then PostgreSQL)
# instead of the 5 s of `make test`: 16 workers against the content API on
# 127.0.0.1, every key class, zero 5xx, heap and goroutines steady. Each
# database's last line has its figures.
soak:
	TOKENADMIN_SOAK=3m go test -run TestSoak -count=1 -v -timeout 15m ./cmd/tokenadmin/

# Every Go fuzz target for FUZZTIME each, one after another; after each,
# the corpus size: seeds in the package's testdata/fuzz and inputs the
# fuzzer kept in the Go cache. A failing input stops the run and is left
# in testdata/fuzz. Go 1.26 can end a -fuzztime run with a bare "context
# deadline exceeded" and no input (go.dev/issue/75804, fixed in Go 1.27):
# that is reported and the run goes on. make fuzz FUZZTIME=5m goes longer.
FUZZTIME ?= 30s
FUZZ_TARGETS = ./apitoken:FuzzParse ./handlers:FuzzBearerKey \
	./content:FuzzParseQuery ./content:FuzzLoadSchema ./content:FuzzParseEntryInput \
	./handlers:FuzzTokenFormBinding

fuzz:
	@set -e; cache="$$(go env GOCACHE)/fuzz"; log="$$(mktemp)"; trap 'rm -f "$$log" "$$log.rc"' EXIT; \
	for target in $(FUZZ_TARGETS); do \
		pkg="$${target%%:*}"; name="$${target##*:}"; seeds="$$pkg/testdata/fuzz/$$name"; \
		kept="$$cache/$$(go list "$$pkg")/$$name"; \
		echo "=== $$name ($$pkg) for $(FUZZTIME)"; \
		before=$$(ls "$$seeds" 2>/dev/null | wc -l); \
		{ rc=0; go test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$pkg/" || rc=$$?; echo $$rc > "$$log.rc"; } 2>&1 | tee "$$log"; \
		after=$$(ls "$$seeds" 2>/dev/null | wc -l); \
		if [ "$$(cat "$$log.rc")" != 0 ]; then \
			if [ "$$after" = "$$before" ] && grep -q -- "--- FAIL: $$name " "$$log" && \
				tail -n 4 "$$log" | grep -q '^    context deadline exceeded$$'; then \
				echo "=== $$name: ended by Go's -fuzztime race (go.dev/issue/75804), no failing input"; \
			else \
				echo "=== $$name FAILED; a failing input, if any, is in $$seeds"; exit 1; \
			fi; \
		fi; \
		echo "=== $$name corpus: $$after in $$seeds, $$(ls "$$kept" 2>/dev/null | wc -l) in $$kept"; \
	done

clean:
	rm -rf bin testdata/screenshots
