.PHONY: run build generate check-generated test lint bench clean

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
# (about 2-3 minutes): Go micro-benchmarks, HTTP with wrk against an
# auth-bypassed build, revocation across two instances on PostgreSQL, and
# the admin list with 10,000 tokens. Traffic stays on 127.0.0.1; see
# bench/main.go. Flags: make bench BENCHFLAGS='-d 5s -only http'.
bench:
	go run ./bench $(BENCHFLAGS)

clean:
	rm -rf bin testdata/screenshots
