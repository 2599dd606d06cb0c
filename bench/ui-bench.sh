#!/usr/bin/env bash
# The web UI's speed figures (docs/benchmarks.md, "Web UI"): the chat page's first-load transfer, and streaming a
# 512-token reply in chromium against reading the same /api/chat stream as a client (median of ROUNDS alternating
# rounds, 5 by default) for two models: stories260K (the worst case, thousands of tokens/s) and a random-weight
# Llama-shape 125M Q8_0 model written into a temporary folder by bench/ModelScout.UiBenchModel (a real model's rate on
# this CPU). Prints the table docs/benchmarks.md shows and the load average. Needs Debian's chromium (apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
dotnet run --project bench/ModelScout.UiBenchModel -- "$tmp/realshape.gguf"
echo "load before: $(uptime)"
# PIN=1: the test host (server, llama.cpp, the API client) on CPU 0 and chromium on CPU 1, as on a machine with a core
# to spare for the browser; the default lets the scheduler share both cores among everything.
pin=()
if [[ "${PIN:-0}" == 1 ]]; then
  chromium="${SCOUT_TEST_CHROMIUM:-/usr/lib/chromium/chromium}"
  printf '#!/bin/sh\nexec taskset -c 1 %q "$@"\n' "$chromium" > "$tmp/chromium-cpu1"
  chmod +x "$tmp/chromium-cpu1"
  export SCOUT_TEST_CHROMIUM="$tmp/chromium-cpu1"
  pin=(taskset -c 0)
  echo "pinned: test host on CPU 0, chromium on CPU 1"
fi
dotnet build tests/ModelScout.Ui.Tests > /dev/null
SCOUT_UI_BENCH=1 SCOUT_UI_BENCH_MODEL="$tmp/realshape.gguf" SCOUT_UI_BENCH_ROUNDS="${ROUNDS:-5}" \
  "${pin[@]}" dotnet test tests/ModelScout.Ui.Tests --no-build --filter "FullyQualifiedName~SpeedTests" --logger "console;verbosity=detailed" 2>&1 \
  | grep -E "first load of|512-token reply|runs |ms/token|table |Passed|Failed|error" | sed -e 's/^ *//' -e 's/^table //'
echo "load after: $(uptime)"
