#!/usr/bin/env bash
# Soak (issue 18): `scout serve` with two models (stories260K and llama-2-tiny-random) and SCOUT_MAX_LOADED_MODELS=1, so
# every switch between them evicts the other; bench/ModelScout.HostileBench soak drives WORKERS clients for MINUTES with
# streaming and non-streaming /api/chat, /api/generate and /v1/chat/completions, /api/embed, deliberate cancellations
# and client disconnects mid-stream. Samples the server's RSS, open fds (/proc/PID/fd) and threads (/proc/PID/status)
# every SAMPLE seconds; prints p50/p99 per WINDOW-minute window and warm-up vs end. Exit 1 when any request failed
# other than the deliberate ones.
#   MINUTES=30 WINDOW=5 WORKERS=4 SAMPLE=5 CONFIG=Release PORT=11498 bench/soak.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
config="${CONFIG:-Release}"
port="${PORT:-11498}"
cd "$root"
echo "building ($config) ..." >&2
dotnet build src/ModelScout.Cli -c "$config" --nologo -v quiet >/dev/null
dotnet build bench/ModelScout.HostileBench -c "$config" --nologo -v quiet >/dev/null
scout=(dotnet "$root/src/ModelScout.Cli/bin/$config/net10.0/linux-x64/scout.dll")
bench=(dotnet "$root/bench/ModelScout.HostileBench/bin/$config/net10.0/linux-x64/ModelScout.HostileBench.dll")

work="$(mktemp -d)"
export SCOUT_HOME="$work/home" SCOUT_MODELS="$work/models" SCOUT_NUM_THREAD=1 SCOUT_MAX_LOADED_MODELS=1 SCOUT_NUM_PARALLEL=2 NO_COLOR=1
"${scout[@]}" import tests/Fixtures/models/stories260K.gguf stories >/dev/null
"${scout[@]}" import tests/Fixtures/models/llama-2-tiny-random.gguf tiny >/dev/null
"${scout[@]}" serve --host "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done

set +e
"${bench[@]}" soak --url "http://127.0.0.1:$port" --models stories,tiny --pid "$pid" --minutes "${MINUTES:-30}" \
  --window "${WINDOW:-5}" --workers "${WORKERS:-4}" --sample "${SAMPLE:-5}" --warmup "${WARMUP:-1}"
rc=$?
set -e
kill -0 "$pid" 2>/dev/null || { echo "the server exited during the soak"; tail -20 "$work/serve.log"; rc=1; }
echo "evictions seen in the log: $(grep -ci 'unload\|evict' "$work/serve.log" || true)"
exit $rc
