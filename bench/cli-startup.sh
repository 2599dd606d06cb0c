#!/usr/bin/env bash
# Times `scout recommend --json` and `scout fit --json` as built binaries (the Native AOT release build, and the
# plain `dotnet build` JIT output) against
# the npm peer llm-checker 3.8.1 (`llm-checker recommend --no-verbose`), in the same hyperfine run, and prints
# each median and its ratio to the peer. Installs hyperfine (Debian) and the peer (npm) into bench/out when missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/bench/out"
runs="${RUNS:-10}"
mkdir -p "$out"

command -v hyperfine >/dev/null || { apt-get install -y hyperfine >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y hyperfine >/dev/null); }
if [ ! -x "$out/peer/node_modules/.bin/llm-checker" ]; then
  mkdir -p "$out/peer"
  (cd "$out/peer" && npm init -y >/dev/null && npm install --silent llm-checker@3.8.1 >/dev/null)
fi

dotnet publish "$root/src/ModelScout.Cli" -c Release -o "$out/scout" -p:PublishAot=true -p:SelfContained=true --nologo -v quiet >/dev/null
dotnet build "$root/src/ModelScout.Cli" -c Release --nologo -v quiet >/dev/null
scout="$out/scout/scout"
built="$root/src/ModelScout.Cli/bin/Release/net10.0/linux-x64/scout"
peer="$out/peer/node_modules/.bin/llm-checker"

hyperfine --style basic --warmup 2 --runs "$runs" --export-json "$out/cli-startup.json" \
  -n "scout recommend --json (native AOT)" "$scout recommend --json" \
  -n "scout fit --json (native AOT)" "$scout fit --json" \
  -n "scout recommend --json (dotnet build)" "$built recommend --json" \
  -n "scout fit --json (dotnet build)" "$built fit --json" \
  -n "llm-checker recommend --no-verbose" "$peer recommend --no-verbose" >/dev/null

python3 - "$out/cli-startup.json" <<'PY'
import json, sys, statistics
rs = json.load(open(sys.argv[1]))["results"]
peer = next(r for r in rs if r["command"].startswith("llm-checker"))
pm = statistics.median(peer["times"])
print(f"{'command':42} {'median s':>9} {'min s':>7} {'max s':>7} {'vs peer':>9}")
for r in rs:
    m = statistics.median(r["times"])
    print(f"{r['command']:42} {m:9.3f} {min(r['times']):7.3f} {max(r['times']):7.3f} {pm / m:8.1f}x")
PY
