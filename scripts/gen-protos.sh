#!/usr/bin/env bash
# Generates Python code for every .proto under protos/ into gen/python (never edit it by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=gen/python
rm -rf "$OUT.tmp" && mkdir -p "$OUT.tmp"
mapfile -t files < <(cd protos && find crm -name '*.proto' | sort)
(cd protos && "../$PY" -m grpc_tools.protoc -I . --python_out="../$OUT.tmp" --pyi_out="../$OUT.tmp" \
   --grpc_python_out="../$OUT.tmp" "${files[@]}")
# Make every generated folder a regular package so imports resolve without namespace guessing.
find "$OUT.tmp" -type d -exec touch {}/__init__.py \;
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
echo "generated $(find "$OUT" -name '*_pb2.py' | wc -l) proto modules into $OUT"
