#!/usr/bin/env bash
# Times the INSTALLED scout tool's `scout recommend --json` and `scout fit --json` (what `dotnet tool install` gives a
# user: on linux-x64 the Native AOT package) against the npm peer llm-checker 3.8.1 (`llm-checker recommend
# --no-verbose`) in one hyperfine run, with the plain `dotnet build` JIT output beside them (what `dotnet run` runs),
# and prints each median, its ratio to the peer, and whether ours meet the 0.15 s target.
# Packs the tool with bench/pack-tool.sh (SKIP_PACK=1 reuses nupkg/) and installs it into bench/out/tool with
# `dotnet tool install --tool-path`, so ~/.dotnet/tools is left alone. Installs hyperfine (Debian) and the peer (npm)
# into bench/out when missing. RUNS sets the run count (default 10).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/bench/out"
runs="${RUNS:-10}"
target="${TARGET_S:-0.15}"
mkdir -p "$out"

command -v hyperfine >/dev/null || { apt-get install -y hyperfine >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y hyperfine >/dev/null); }
if [ ! -x "$out/peer/node_modules/.bin/llm-checker" ]; then
  mkdir -p "$out/peer"
  (cd "$out/peer" && npm init -y >/dev/null && npm install --silent llm-checker@3.8.1 >/dev/null)
fi

[ "${SKIP_PACK:-}" = 1 ] || NUPKG="$root/nupkg" bash "$root/bench/pack-tool.sh" >/dev/null
version="$(dotnet msbuild "$root/src/ModelScout.Cli" -getProperty:Version)"
tool="$out/tool"
rm -rf "$tool"
dotnet tool install ModelScout --version "$version" --tool-path "$tool" --add-source "$root/nupkg" >/dev/null
scout="$tool/scout"
# What the install put on PATH: the AOT package's executable, not a launcher for scout.dll.
real="$(readlink -f "$scout")"
kind="$(file -b "$real" | cut -d, -f1-2)"
if find "$tool/.store" -name scout.dll | grep -q .; then kind="$kind (framework-dependent: scout.dll present)"; fi
echo "installed: $real" >&2
echo "           $kind" >&2

dotnet build "$root/src/ModelScout.Cli" -c Release --nologo -v quiet >/dev/null
built="$(dotnet msbuild "$root/src/ModelScout.Cli" -p:Configuration=Release -getProperty:TargetDir)scout"
peer="$out/peer/node_modules/.bin/llm-checker"

hyperfine --style basic --warmup 2 --runs "$runs" --export-json "$out/cli-startup.json" \
  -n "scout recommend --json (installed tool)" "$scout recommend --json" \
  -n "scout fit --json (installed tool)" "$scout fit --json" \
  -n "scout recommend --json (dotnet build)" "$built recommend --json" \
  -n "scout fit --json (dotnet build)" "$built fit --json" \
  -n "llm-checker recommend --no-verbose" "$peer recommend --no-verbose" >/dev/null

python3 - "$out/cli-startup.json" "$target" <<'PY'
import json, sys, statistics
rs = json.load(open(sys.argv[1]))["results"]
target = float(sys.argv[2])
peer = next(r for r in rs if r["command"].startswith("llm-checker"))
pm = statistics.median(peer["times"])
print(f"{'command':42} {'median s':>9} {'min s':>7} {'max s':>7} {'vs peer':>9}")
missed = []
for r in rs:
    m = statistics.median(r["times"])
    print(f"{r['command']:42} {m:9.3f} {min(r['times']):7.3f} {max(r['times']):7.3f} {pm / m:8.1f}x")
    if "installed tool" in r["command"] and m > target:
        missed.append(r["command"])
print(f"target: installed tool median <= {target} s: " + ("met" if not missed else "MISSED by " + ", ".join(missed)))
PY
