#!/usr/bin/env bash
# Regenerates the Swift code for tools/onnx/onnx-trees.proto (committed; builds never run this).
# Needs protoc (Debian: protobuf-compiler) and protoc-gen-swift from apple/swift-protobuf
# 1.39.0 (`swift build -c release --product protoc-gen-swift` in a package that depends on it);
# PROTOC_GEN_SWIFT names the plugin when it is not on PATH.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
plugin="${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift)}"
out="$root/Sources/GlassboxModels/ONNX"
mkdir -p "$out"
protoc --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Internal --swift_out="$out" \
  --proto_path="$root/tools/onnx" onnx-trees.proto
echo "wrote $out/onnx-trees.pb.swift"
