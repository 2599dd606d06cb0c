#!/usr/bin/env bash
# What scout serve's telemetry costs (issue 17): two `scout serve` processes on loopback, the same model (stories260K,
# 1 llama.cpp thread, 4 slots), one with SCOUT_TELEMETRY=off, the other with everything on (traces, ASP.NET Core and
# runtime instruments, vLLM-named metrics, and a Prometheus scrape of /metrics every second as Prometheus would); then
# ONE `scout bench` run measures both side by side at concurrency 1 and 4, endpoints taking turns round by round, so
# drift of the shared machine hits both alike. Prints each level's output tok/s and the on/off ratio.
# Target: on >= 0.98 x off. Knobs: REQUESTS (40), ROUNDS (4), OUTPUT (256), CONFIG (Release).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
config="${CONFIG:-Release}"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

dotnet build "$root/src/ModelScout.Cli" -c "$config" --nologo -v quiet >/dev/null
scout="$(dotnet msbuild "$root/src/ModelScout.Cli" -p:Configuration="$config" -getProperty:TargetDir)scout"
export SCOUT_HOME="$work/home"
"$scout" import "$root/tests/Fixtures/models/stories260K.gguf" stories >/dev/null

start() { # port telemetry
  SCOUT_HOST="127.0.0.1:$1" SCOUT_NUM_THREAD=1 SCOUT_NUM_PARALLEL=4 SCOUT_TELEMETRY="$2" SCOUT_METRICS_VLLM_NAMES="$3" \
    "$scout" serve >"$work/serve-$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$1/api/version" >/dev/null && return 0; sleep 0.1; done
  echo "scout serve on port $1 did not start; its log:" >&2; cat "$work/serve-$1.log" >&2; exit 1
}
start 18601 off 0
start 18602 on 1
# A scraper for the instrumented server, as a Prometheus would poll it.
( while true; do curl -sf "http://127.0.0.1:18602/metrics" >/dev/null || true; sleep 1; done ) &
pids+=($!)

"$scout" bench --endpoint http://127.0.0.1:18601 --endpoint http://127.0.0.1:18602 --model stories \
  --concurrency 1,4 --requests "${REQUESTS:-40}" --rounds "${ROUNDS:-4}" --output-tokens "${OUTPUT:-256}" --input-tokens 128 \
  --json > "$work/bench.json"
python3 - "$work/bench.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("telemetry on (18602) against off (18601), per-round ratios on/off: median [q1, q3]")
for x in r["ratios"]:
    print(f'{x["level"]["label"]:>5}  {x["metric"]:<28} {x["median"]:.4f} [{x["q1"]:.4f}, {x["q3"]:.4f}]')
PY
