# Clustered Socket.IO server in Swift. `make run` starts one node; `make test` runs every test.
SWIFT ?= swift
HOST ?= 127.0.0.1
PORT ?= 3000
VENV := .venv

.PHONY: help deps run build release test test-deps unit-test e2e-test clean

help:
	@echo "make run    build and start a single node on $(HOST):$(PORT) (in-memory adapter)"
	@echo "make test   install test dependencies, build, run unit and end-to-end tests"

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

clean:
	rm -rf .build $(VENV)
