#!/usr/bin/env bash
# Serving performance (issue 4), in ONE run, on one model and thread count (default
# tests/Fixtures/models/stories260K.gguf, 1 thread; with 2 threads llama.cpp's spinning workers collapse generation on
# this 2-vCPU machine):
#   (e) the peer first: node bench/serve-peer/measure.mjs, llama.cpp as node-llama-cpp 3.21.1 packages it (prebuilt
#       linux-x64 CPU binary, build: "never", gpu: false): generation tok/s, 128-token prompt tok/s, peak RSS, greedy ids;
#   then bench/ModelScout.ServeBench, which reads the peer's figures and prints everything with ratios:
#   (a) raw LLamaSharp: a plain greedy decode loop (Threads = BatchThreads = 1): generation and 128-token prompt tok/s;
#   (b) ModelHost in-process (IInferenceService.GenerateAsync): single-stream tok/s and time to first token;
#   (c) `scout serve` as a child process on 127.0.0.1, streaming /v1/chat/completions read as raw SSE: one stream's
#       tok/s against (a), aggregate tok/s of 4 concurrent streams against 1, added time to first token against (b);
#   (d) the idle server's RSS with the model loaded, from /proc/PID/status.
# Medians of RUNS (5) after one warm-up each. Installs the peer into bench/out/serve-peer with npm (--omit=optional
# keeps the CUDA/Vulkan/other-platform binaries out; --ignore-scripts stops node-llama-cpp compiling llama.cpp from
# source, since the prebuilt binary is what is measured). Output: bench/out/serve.txt and serve.json.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/bench/out"
model="$(realpath "${MODEL:-$root/tests/Fixtures/models/stories260K.gguf}")"
runs="${RUNS:-5}"
threads="${THREADS:-1}"
tokens="${TOKENS:-256}"
mkdir -p "$out"
cd "$root"

peer="$out/serve-peer"
if [ "$(node -p "require('$peer/node_modules/node-llama-cpp/package.json').version" 2>/dev/null)" != "3.21.1" ]; then
  echo "installing node-llama-cpp 3.21.1 into $peer ..." >&2
  mkdir -p "$peer"
  cp bench/serve-peer/package.json "$peer/"
  (cd "$peer" && npm install --omit=optional --ignore-scripts --silent --no-audit --no-fund >/dev/null)
fi

echo "building (Release) ..." >&2
dotnet build src/ModelScout.Cli -c Release --nologo -v quiet >/dev/null
dotnet build bench/ModelScout.ServeBench -c Release --nologo -v quiet >/dev/null
scout="$root/src/ModelScout.Cli/bin/Release/net10.0/linux-x64/scout"
bench="$root/bench/ModelScout.ServeBench/bin/Release/net10.0/linux-x64/ModelScout.ServeBench"

echo "(e) node-llama-cpp ..." >&2
SERVE_PEER_DIR="$peer" node bench/serve-peer/measure.mjs "$model" "$runs" "$threads" "$tokens" > "$out/serve-peer.json"

"$bench" --model "$model" --scout "$scout" --peer "$out/serve-peer.json" --out "$out/serve.json" --runs "$runs" --threads "$threads" --tokens "$tokens" | tee "$out/serve.txt"
