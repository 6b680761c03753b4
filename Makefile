# nodelet: two commands for a new user — `make up` runs nodelet, `make test` runs the whole suite.
# Both work from a fresh clone with nothing running: they install dependencies, bring up a Docker
# engine when none answers (as root on Debian/Ubuntu) and build the local images offline.

NODELET := ./bin/nodelet
DEPS := node_modules/.nodelet-installed

.PHONY: up down clean test lint typecheck unit integration e2e setup bench

$(DEPS): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

setup: $(DEPS)
	$(NODELET) setup

up: $(DEPS)
	$(NODELET) up

down: $(DEPS)
	$(NODELET) down

clean: $(DEPS)
	$(NODELET) down --engine
	rm -rf .run

typecheck: $(DEPS)
	npx tsc -p tsconfig.json

lint: $(DEPS)
	npx eslint .

unit: $(DEPS)
	npx vitest run --project unit

integration: setup
	npx vitest run --project integration

e2e: setup
	npx vitest run --project e2e

# The whole suite, as CI runs it.
test: $(DEPS)
	$(NODELET) setup
	npx tsc -p tsconfig.json
	npx eslint .
	npx vitest run --project unit --project integration --project e2e --passWithNoTests

bench: setup
	npm run bench
