# Clustered Socket.IO server in Swift. `make run` starts one node; `make test` runs every test.
SWIFT ?= swift
HOST ?= 127.0.0.1
PORT ?= 3000
VENV := .venv
REDIS ?= standalone
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
FUZZ_TARGETS ?=

.PHONY: help deps run build release test test-deps unit-test e2e-test fault-test fuzz bench bench-floor cluster cluster-stop cluster-status cluster-test docker-test clean

help:
	@echo "make run            build and start a single node on $(HOST):$(PORT) (in-memory adapter)"
	@echo "make test           install test dependencies, build, run unit and end-to-end tests"
	@echo "make fault-test     the fault-injection suite in full (FAULT_FULL=1): Redis outages of 20 s, node kill with 63 clients,\n                    9,000 abandoned sessions, 200,000 messages past slow readers; make test runs a bounded form"
	@echo "make fuzz           every libFuzzer target for FUZZ_SECONDS (default 60) each; figures and findings"
	@echo "make bench          release build + benchmark suite (a few minutes), writes docs/benchmarks.md"
	@echo "make bench-floor    the same traffic as echo and cluster-fanout in plain C, no protocol: this machine's floor"
	@echo "make cluster        redis-server, node1..node3 and HAProxy on http://127.0.0.1:8080 as local processes;\n                    REDIS=cluster: a 3-primary Redis Cluster instead, nodes in sharded mode"
	@echo "make cluster-stop   stop that cluster"
	@echo "make docker-test    the same topology with docker compose, tested through the balancer"

deps:
	@scripts/build-deps.sh

build: deps
	$(SWIFT) build --build-tests

release: deps
	$(SWIFT) build -c release --product socketio-node

run: release
	.build/release/socketio-node --host $(HOST) --port $(PORT)

test-deps: deps
	@scripts/test-deps.sh

unit-test: build
	$(SWIFT) test --skip-build

e2e-test: build test-deps
	$(VENV)/bin/python -m pytest Tests/e2e -q

test: test-deps unit-test e2e-test

fault-test: build test-deps
	FAULT_FULL=1 $(VENV)/bin/python -m pytest Tests/e2e -q -s -k test_fault_

fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS="$(FUZZ_TARGETS)" FUZZ_JOBS=$(FUZZ_JOBS) scripts/fuzz.sh

bench: deps
	@scripts/bench.sh

bench-floor:
	@scripts/bench-floor.sh

# Local cluster: redis-server, node1..node3, HAProxy with docker/haproxy.cfg on http://127.0.0.1:8080
cluster: release
	REDIS_MODE=$(REDIS) SOCKETIO_BIN_DIR=.build/release scripts/cluster.sh start

cluster-stop:
	scripts/cluster.sh stop

cluster-status:
	scripts/cluster.sh status

cluster-test: build test-deps
	$(VENV)/bin/python -m pytest Tests/e2e/cluster_lb -q

docker-test:
	docker compose -f docker/docker-compose.yml --profile test up --build --exit-code-from tests; \
	status=$$?; docker compose -f docker/docker-compose.yml --profile test down; exit $$status

clean:
	rm -rf .build $(VENV)
