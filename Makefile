# Two commands do everything on a fresh machine: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
ROOT := $(abspath .)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
TOOLS := $(ROOT)/.tools/bin
CF := $(TOOLS)/cf
CF_VERSION := 8.18.3
PLUGIN := $(ROOT)/plugin-shim/bin/bg-deploy-plugin
WORK := $(ROOT)/.work
GO_SRC := $(shell find plugin-shim -name '*.go' -not -path '*/internal/gen/*' 2>/dev/null)
PY_SRC := $(shell find pyservice/bgdeploy -name '*.py' -not -path '*/v1/*' 2>/dev/null)

.PHONY: all build demo test test-go test-py test-e2e lint bench clean deps-debian

all: build

build: $(VENV)/.installed $(CF) stubs $(PLUGIN) sample

# -- Python: one venv with the engine (editable) and the test tools ---------------------------------
$(VENV)/.installed: pyservice/pyproject.toml tests/requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e pyservice -r tests/requirements.txt
	touch $@

# -- the real cf CLI, built from the Go module proxy (v8.18.4 is not served here; 8.18.3 is) ---------
$(CF): tests/cfcli/go.mod tests/cfcli/go.sum
	mkdir -p $(TOOLS)
	cd tests/cfcli && CGO_ENABLED=0 go build -ldflags "-X code.cloudfoundry.org/cli/v8/version.binaryVersion=$(CF_VERSION)" -o $(CF) code.cloudfoundry.org/cli/v8

# -- gRPC stubs for Go and Python, from proto/ --------------------------------------------------------
STUBS := pyservice/bgdeploy/v1/deployer_pb2.py plugin-shim/internal/gen/bgdeployv1/deployer.pb.go
stubs: $(STUBS)
$(STUBS) &: proto/bgdeploy/v1/deployer.proto proto/generate.sh $(VENV)/.installed
	proto/generate.sh $(PY)

$(PLUGIN): $(STUBS) $(GO_SRC) plugin-shim/go.mod
	cd plugin-shim && go build -ldflags "-X main.engineCommand=$(VENV)/bin/bgdeploy-engine -X main.version=0.1.0" -o $(PLUGIN) .

sample: $(WORK)/sample-v1.mtar $(WORK)/sample-v2.mtar
$(WORK)/sample-%.mtar: tests/sample/build.py tests/sample/mtad.yaml tests/sample/app_server.py
	python3 tests/sample/build.py $(subst v,,$*).0.0 $@

# -- PostgreSQL from Debian's packages, for the shared-engine tests ----------------------------------
deps-debian:
	@command -v /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# -- checks -----------------------------------------------------------------------------------------
lint: build
	$(VENV)/bin/ruff check pyservice tests --config pyservice/pyproject.toml
	cd plugin-shim && test -z "$$(gofmt -l $$(find . -name '*.go' -not -path './internal/gen/*'))" && go vet ./...

test-go: build
	cd plugin-shim && go test ./...

test-py: build
	PYTHONPATH=tests $(PY) -m pytest -q tests/unit tests/sim_tests

test-e2e: build deps-debian
	PYTHONPATH=tests $(PY) -m pytest -q tests/e2e tests/shared

test: build deps-debian
	$(MAKE) lint
	cd plugin-shim && go test ./...
	PYTHONPATH=tests $(PY) -m pytest -q -p no:cacheprovider tests/unit tests/sim_tests tests/e2e tests/shared

demo: build
	PYTHONPATH=tests $(PY) tests/demo.py

bench: build
	PYTHONPATH=tests $(PY) tests/bench/bench.py

clean:
	rm -rf $(WORK) plugin-shim/bin pyservice/bgdeploy/v1 plugin-shim/internal/gen
