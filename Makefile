# nodelet: two commands for a new user — `make up` runs nodelet, `make test` runs the whole suite.
# Both work from a fresh clone with nothing running: they install dependencies, bring up a Docker
# engine when none answers (as root on Debian/Ubuntu) and build the local images offline.

NODELET := ./bin/nodelet
DEPS := node_modules/.nodelet-installed
# The Kubernetes 1.32 schemas, generated from the npm models (kube/schemas/generate.ts); not in git.
SCHEMAS := kube/schemas/generated/k8s-1.32.json

.PHONY: up down clean test lint typecheck unit integration e2e setup bench schemas

$(DEPS): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@
	npm run --silent generate

# Regenerates when the generator, its facts table or the installed packages change.
$(SCHEMAS): kube/schemas/generate.ts kube/schemas/extensions.ts package-lock.json | $(DEPS)
	npm run --silent generate

schemas: $(SCHEMAS)

setup: $(DEPS) $(SCHEMAS)
	$(NODELET) setup

up: $(DEPS) $(SCHEMAS)
	$(NODELET) up

# Stops all `make up` started: the processes, their pods' containers, and the engine when nodelet started it.
down: $(DEPS)
	$(NODELET) down --engine

clean: $(DEPS)
	$(NODELET) down --engine
	rm -rf .run

typecheck: $(DEPS) $(SCHEMAS)
	npx tsc -p tsconfig.json

lint: $(DEPS) $(SCHEMAS)
	npx eslint .

unit: $(DEPS) $(SCHEMAS)
	npx vitest run --project unit

integration: setup
	npx vitest run --project integration

e2e: setup
	npx vitest run --project e2e

# The whole suite, as CI runs it.
test: $(DEPS) $(SCHEMAS)
	$(NODELET) setup
	npx tsc -p tsconfig.json
	npx eslint .
	npx vitest run --project unit --project integration --project e2e --passWithNoTests

bench: setup
	npm run bench
