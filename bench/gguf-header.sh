#!/usr/bin/env bash
# GGUF header reading against the npm peer @huggingface/gguf 0.4.6, on a generated llama.cpp-style vocab file of
# 102,400 tokens and 99,757 merges (bench/out/vocab-100k.gguf, written by bench/ModelScout.GgufHeader), in one run:
#   1. in-process, ModelScout: BenchmarkDotNet (bench/ModelScout.Bench, a short job) reading the header with
#      GgufReader.ReadFile, and with GgufModelInfo.From on top;
#   2. in-process, the peer: node bench/gguf-header/measure.mjs, median of NODE_RUNS (20) reads after 2 untimed ones;
#   3. whole processes: hyperfine running `node measure.mjs FILE --once` against `scout inspect FILE --json` and the
#      bare .NET one-shot reader (`ModelScout.GgufHeader read FILE`), each as a Native AOT binary (the form scout ships
#      in) and as a JIT build;
# then prints each median and ModelScout's speed-up over the peer. This machine is noisy: read the ratios.
# Installs hyperfine (Debian) when missing and the peer (npm ci) into bench/out/gguf-header.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/bench/out"
file="$out/vocab-100k.gguf"
runs="${RUNS:-10}"
node_runs="${NODE_RUNS:-20}"
mkdir -p "$out"
cd "$root"

command -v hyperfine >/dev/null || { apt-get install -y hyperfine >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y hyperfine >/dev/null); }
peer="$out/gguf-header"
if [ "$(node -p "require('$peer/node_modules/@huggingface/gguf/package.json').version" 2>/dev/null)" != "0.4.6" ]; then
  mkdir -p "$peer"
  cp bench/gguf-header/package.json bench/gguf-header/package-lock.json "$peer/"
  (cd "$peer" && npm ci --silent --no-audit --no-fund >/dev/null)
fi

echo "building (Release; Native AOT for the one-shot reader) ..." >&2
dotnet publish bench/ModelScout.GgufHeader -c Release -o "$out/gguf-header-aot" -p:PublishAot=true -p:SelfContained=true --nologo -v quiet >/dev/null
# The AOT publish leaves a self-contained build in bin/; build the plain framework-dependent one after it.
dotnet build bench/ModelScout.GgufHeader -c Release --nologo -v quiet >/dev/null
dotnet build bench/ModelScout.Bench -c Release --nologo -v quiet >/dev/null
dotnet publish src/ModelScout.Cli -c Release -o "$out/scout" -p:PublishAot=true -p:SelfContained=true --nologo -v quiet >/dev/null
dotnet build src/ModelScout.Cli -c Release --nologo -v quiet >/dev/null
scout_aot="$out/scout/scout"
scout_jit="$root/src/ModelScout.Cli/bin/Release/net10.0/linux-x64/scout"
aot="$out/gguf-header-aot/ModelScout.GgufHeader"
jit="$root/bench/ModelScout.GgufHeader/bin/Release/net10.0/linux-x64/ModelScout.GgufHeader"

"$jit" generate "$file" >&2

echo "BenchmarkDotNet (in-process, ModelScout) ..." >&2
rm -rf "$out/bdn/results"
(cd bench/ModelScout.Bench && GGUF_BENCH_FILE="$file" dotnet run -c Release --no-build -- --filter '*GgufHeaderBenchmarks*') > "$out/gguf-header-bdn.log"
bdn="$out/bdn/results/ModelScout.Bench.GgufHeaderBenchmarks-report-full.json"

echo "node (in-process, @huggingface/gguf) ..." >&2
GGUF_PEER_DIR="$peer" node bench/gguf-header/measure.mjs "$file" "$node_runs" > "$out/gguf-header-node.json"

echo "hyperfine (whole processes) ..." >&2
GGUF_PEER_DIR="$peer" hyperfine --style basic -N --warmup 2 --runs "$runs" --export-json "$out/gguf-header-hyperfine.json" \
  -n "node measure.mjs --once (@huggingface/gguf 0.4.6)" "node bench/gguf-header/measure.mjs $file --once" \
  -n "scout inspect --json (native AOT)" "$scout_aot inspect $file --json --cpu-only" \
  -n "scout inspect --json (JIT)" "$scout_jit inspect $file --json --cpu-only" \
  -n "ModelScout.GgufHeader read (native AOT)" "$aot read $file" \
  -n "ModelScout.GgufHeader read (JIT)" "$jit read $file" >/dev/null

python3 - "$bdn" "$out/gguf-header-node.json" "$out/gguf-header-hyperfine.json" "$file" <<'PY'
import json, os, statistics, sys
bdn, node, hf, path = sys.argv[1:5]
benchmarks = json.load(open(bdn))["Benchmarks"]
peer = json.load(open(node))
print(f"file: {path} ({os.path.getsize(path):,} bytes)")
print()
print("in-process (BenchmarkDotNet median vs node median of %d reads)" % peer["runs"])
print(f"{'reader':44} {'median ms':>10} {'alloc MB':>9} {'vs peer':>8}")
print(f"{'@huggingface/gguf 0.4.6 gguf(path)':44} {peer['median_ms']:10.1f} {'':>9} {1.0:7.1f}x")
for b in benchmarks:
    m = b["Statistics"]["Median"] / 1e6
    alloc = b.get("Memory", {}).get("BytesAllocatedPerOperation", 0) / 1e6
    name = b["MethodTitle"].strip("'")
    print(f"{name:44} {m:10.1f} {alloc:9.1f} {peer['median_ms'] / m:7.1f}x")
print()
print("whole process (hyperfine median)")
rs = json.load(open(hf))["results"]
pm = statistics.median(next(r for r in rs if r["command"].startswith("node"))["times"])
print(f"{'command':50} {'median s':>9} {'min s':>7} {'max s':>7} {'vs peer':>8}")
for r in rs:
    m = statistics.median(r["times"])
    print(f"{r['command']:50} {m:9.3f} {min(r['times']):7.3f} {max(r['times']):7.3f} {pm / m:7.1f}x")
PY
