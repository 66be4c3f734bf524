#!/usr/bin/env bash
# The only way the Go and Python stubs are produced (both are build outputs, not committed).
# Usage: proto/generate.sh PYTHON   (a Python with grpcio-tools; Go tools come from plugin-shim/go.mod)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
py=${1:-python3}
wkt=$("$py" -c 'import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), "_proto"))')
bin="$root/.tools/bin"
mkdir -p "$bin"
(cd "$root/plugin-shim" && GOBIN="$bin" go install tool)
out_py="$root/pyservice"
"$py" -m grpc_tools.protoc -I "$here" -I "$wkt" \
  --python_out="$out_py" --pyi_out="$out_py" --grpc_python_out="$out_py" \
  --plugin=protoc-gen-go="$bin/protoc-gen-go" --go_out="$root/plugin-shim" \
  --go_opt=module=bgdeploy.local/plugin-shim \
  --plugin=protoc-gen-go-grpc="$bin/protoc-gen-go-grpc" --go-grpc_out="$root/plugin-shim" \
  --go-grpc_opt=module=bgdeploy.local/plugin-shim \
  "$here"/bgdeploy/v1/*.proto
touch "$out_py/bgdeploy/v1/__init__.py"
