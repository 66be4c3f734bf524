# Two commands do everything on a fresh machine: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
ROOT := $(abspath .)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
TOOLS := $(ROOT)/.tools/bin
CF := $(TOOLS)/cf
CF_VERSION := 8.18.3
PLUGIN := $(ROOT)/plugin-shim/bin/bg-deploy-plugin
MTAR_BUILD := $(TOOLS)/mtar-build
WORK := $(ROOT)/.work
# The one version of plugin and engine (cf plugins, the wheel, the engine's GetInfo).
VERSION_PY := pyservice/bgdeploy/version.py
VERSION := $(shell sed -n 's/^VERSION = "\(.*\)"$$/\1/p' $(VERSION_PY))
GO_SRC := $(shell find plugin-shim -name '*.go' -not -path '*/internal/gen/*' 2>/dev/null)
PY_SRC := $(shell find pyservice/bgdeploy -name '*.py' -not -path '*/v1/*' 2>/dev/null)

.PHONY: all build dist repo-index demo test test-go test-py test-e2e lint check-structure bench soak clean deps-debian parity-doc

all: build

build: $(VENV)/.installed $(CF) stubs $(PLUGIN) $(MTAR_BUILD) sample

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

$(PLUGIN): $(STUBS) $(GO_SRC) plugin-shim/go.mod $(VERSION_PY)
	cd plugin-shim && go build -ldflags "-X main.version=$(VERSION)" -o $(PLUGIN) .

# -- a release: plugin binaries named as cf plugin releases are, checksums, repository index, wheel --
# DIST_URL is where $(DIST) will be served; `make repo-index DIST=... DIST_URL=...` re-indexes a copy.
DIST := $(ROOT)/dist
DIST_URL ?= https://github.com/cf-bg-deploy/cf-bg-deploy/releases/download/v$(VERSION)
# GOOS/GOARCH/file suffix (darwin amd64 and arm64 are merged into one universal bg-deploy.osx)
DIST_TARGETS := linux/amd64/linux64 linux/arm64/linuxarm64 darwin/amd64/osx-amd64 darwin/arm64/osxarm64 windows/amd64/win64.exe

dist: $(DIST)/list $(DIST)/.engine

$(DIST)/list: $(STUBS) $(filter-out %_test.go,$(GO_SRC)) plugin-shim/go.mod $(VERSION_PY)
	mkdir -p $(DIST)
	printf '%s\n' $(DIST_TARGETS) | tr / ' ' | xargs -P 3 -L 1 sh -c 'cd plugin-shim && CGO_ENABLED=0 GOOS=$$0 GOARCH=$$1 \
	  go build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(DIST)/bg-deploy.$$2 .'
	$(MAKE) -s repo-index

repo-index:
	cd plugin-shim && go run ./tools/pluginrepo -dir $(DIST) -url $(DIST_URL) -version $(VERSION)

$(DIST)/.engine: $(STUBS) $(PY_SRC) pyservice/pyproject.toml $(VENV)/.installed
	mkdir -p $(DIST) $(WORK)
	rm -f $(DIST)/bgdeploy-*.whl $(DIST)/bgdeploy-*.tar.gz
	$(PY) -m build --no-isolation --outdir $(DIST) pyservice > $(WORK)/build-engine.log
	touch $@

# The plugin's archive builder as a command, for the Python tests that build archives from directories.
$(MTAR_BUILD): $(GO_SRC) plugin-shim/go.mod
	mkdir -p $(TOOLS)
	cd plugin-shim && go build -o $(MTAR_BUILD) ./cmd/mtar-build

sample: $(WORK)/sample-v1.mtar $(WORK)/sample-v2.mtar
$(WORK)/sample-%.mtar: tests/sample/build.py tests/sample/mtad.yaml tests/sample/app_server.py
	python3 tests/sample/build.py $(subst v,,$*).0.0 $@

# -- PostgreSQL from Debian's packages, for the shared-engine tests ----------------------------------
deps-debian:
	@command -v /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# The flag rows of docs/official-parity.md, from the Go flag table (a Go test fails when they drift).
parity-doc:
	cd plugin-shim && go run ./tools/paritydoc ../docs/official-parity.md

# -- checks -----------------------------------------------------------------------------------------
check-structure: $(VENV)/.installed
	$(PY) tests/structure/check.py

lint: build
	$(VENV)/bin/ruff check pyservice tests --config pyservice/pyproject.toml
	cd plugin-shim && test -z "$$(gofmt -l $$(find . -name '*.go' -not -path './internal/gen/*'))" && go vet ./...

test-go: build
	cd plugin-shim && go test ./...

# Tests run side by side (pytest-xdist): most of an end-to-end test's time is spent waiting for the
# simulator, the engine and the cf CLI, so three workers keep two cores busy. `make test WORKERS=0` runs
# them one after another.
WORKERS ?= 3
PYTEST = PYTHONPATH=tests $(PY) -m pytest -q -p no:cacheprovider -n $(WORKERS)
# Tests marked `alone` hold a wall-time bound an issue asks for: they run after the others, one at a time.
PYTEST_ALONE = PYTHONPATH=tests $(PY) -m pytest -q -p no:cacheprovider -n 0 -m alone

test-py: build
	$(PYTEST) tests/unit tests/sim_tests

test-e2e: build deps-debian dist
	$(PYTEST) -m "not alone" tests/e2e tests/shared
	$(PYTEST_ALONE) tests/e2e

test: build deps-debian dist
	$(MAKE) lint check-structure
	cd plugin-shim && go test ./...
	$(PYTEST) --durations=10 -m "not alone" tests/unit tests/structure tests/sim_tests tests/e2e tests/shared
	$(PYTEST_ALONE) tests/e2e

demo: build
	PYTHONPATH=tests $(PY) tests/demo.py

# Long sweeps: every kill point of the sweep and 20 faulted cycles (make test runs samples of both).
soak: build deps-debian
	KILLPOINTS=all SOAK_CYCLES=20 PYTHONPATH=tests $(PY) -m pytest -q -s -p no:cacheprovider \
	  tests/e2e/test_killpoints.py tests/e2e/test_fault_soak.py

bench: build
	PYTHONPATH=tests $(PY) tests/bench/bench.py

clean:
	rm -rf $(WORK) $(DIST) plugin-shim/bin pyservice/bgdeploy/v1 plugin-shim/internal/gen
