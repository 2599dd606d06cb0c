#!/usr/bin/env bash
# The hostile-input campaign (issue 18): `scout serve` on a fresh store holding stories260K, then
# bench/ModelScout.HostileBench fuzz: SEEDS seeds x REQUESTS mutated requests (tests/ModelScout.Testing/ApiFuzzer.cs, the
# generator the CI test ApiFuzzTests uses) over WORKERS connections, the valid probes after each seed. Prints requests
# sent, the status mix, 5xx other than 503, dropped connections, probe mismatches and whether the server survived
# (crashes), then checks the store with `scout list --json` (nothing to clean up). Exit 1 on any failure.
#   SEEDS=10 REQUESTS=5000 WORKERS=4 CONFIG=Release PORT=11499 bench/fuzz.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
config="${CONFIG:-Release}"
port="${PORT:-11499}"
model="$root/tests/Fixtures/models/stories260K.gguf"
cd "$root"
echo "building ($config) ..." >&2
dotnet build src/ModelScout.Cli -c "$config" --nologo -v quiet >/dev/null
dotnet build bench/ModelScout.HostileBench -c "$config" --nologo -v quiet >/dev/null
scout=(dotnet "$root/src/ModelScout.Cli/bin/$config/net10.0/linux-x64/scout.dll")
bench=(dotnet "$root/bench/ModelScout.HostileBench/bin/$config/net10.0/linux-x64/ModelScout.HostileBench.dll")

work="$(mktemp -d)"
export SCOUT_HOME="$work/home" SCOUT_MODELS="$work/models" SCOUT_NUM_THREAD=1 NO_COLOR=1 SCOUT_CONTEXT_SHIFT=false
"${scout[@]}" import "$model" stories >/dev/null
"${scout[@]}" serve --host "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done

set +e
"${bench[@]}" fuzz --url "http://127.0.0.1:$port" --model stories --gguf "$model" \
  --seeds "${SEEDS:-10}" --requests "${REQUESTS:-5000}" --workers "${WORKERS:-4}"
rc=$?
set -e
if kill -0 "$pid" 2>/dev/null; then echo "crashes: 0 (the server answered to the end)"; else echo "crashes: 1 (the server exited; see its log)"; tail -20 "$work/serve.log"; rc=1; fi
echo "server log: $(grep -c ' fail: ' "$work/serve.log" || true) fail lines, $(grep -c 'Unhandled\|   at ' "$work/serve.log" || true) stack lines"
kill "$pid"; wait "$pid" 2>/dev/null || true
"${scout[@]}" list --json | python3 -c 'import json,sys; c=json.load(sys.stdin)["cleaned"]; print("store after the campaign: temp files", len(c["tempFiles"]), "damaged manifests", len(c["damagedManifests"]))'
exit $rc
