#!/usr/bin/env bash
# Perplexity scoring throughput vs prompt processing (issue 14, speed): bench/ModelScout.PerplexityBench writes a
# random-weight Q8_0 model of TinyLlama-1.1B's shape into bench/out/perplexity (kept between runs), then alternates
# LocalBench pp512 (what `scout bench --local` runs) and PerplexityRunner (ctx 512, CHUNKS chunks in one decode call)
# on the same file and threads, ROUNDS times, and prints each ratio and their median. Target: ratio >= 0.9.
# Knobs: THREADS (engine default), ROUNDS (3), CHUNKS (2).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/bench/out/perplexity"
mkdir -p "$out"
dotnet run -c Release --project "$root/bench/ModelScout.PerplexityBench" -- "$out" "${THREADS:-0}" "${ROUNDS:-3}" "${CHUNKS:-2}" | tee "$out/report.txt"
