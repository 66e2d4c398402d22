#!/usr/bin/env bash
# Generates Python code for every .proto under protos/ into gen/python (never edit it by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=gen/python
rm -rf "$OUT.tmp" && mkdir -p "$OUT.tmp"
mapfile -t files < <(cd protos && find crm -name '*.proto' | sort)
# Type stubs (.pyi) for messages and gRPC stubs/servicers come from mypy-protobuf (a dev tool,
# in requirements-dev.txt) when its plugins are installed beside the interpreter; otherwise from
# protoc's own --pyi_out (messages only). The images generate no stubs (deploy/docker).
BIN="$(dirname "$PY")"
if [[ -x "$BIN/protoc-gen-mypy" && -x "$BIN/protoc-gen-mypy_grpc" ]]; then
  stubs=(--plugin=protoc-gen-mypy="$PWD/$BIN/protoc-gen-mypy" --mypy_out=quiet:"../$OUT.tmp"
         --plugin=protoc-gen-mypy_grpc="$PWD/$BIN/protoc-gen-mypy_grpc" --mypy_grpc_out=quiet:"../$OUT.tmp")
else
  stubs=(--pyi_out="../$OUT.tmp")
fi
(cd protos && "../$PY" -m grpc_tools.protoc -I . --python_out="../$OUT.tmp" "${stubs[@]}" \
   --grpc_python_out="../$OUT.tmp" "${files[@]}")
# Make every generated folder a regular package so imports resolve without namespace guessing.
find "$OUT.tmp" -type d -exec touch {}/__init__.py \;
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
echo "generated $(find "$OUT" -name '*_pb2.py' | wc -l) proto modules into $OUT"
