#!/usr/bin/env bash
# Prompt processing and generation on real-shape models (issue 12, section 3), against node-llama-cpp, in ONE run.
#   1. bench/ModelScout.RealShape writes random-weight GGUF files of the shapes in bench/realshape/shapes.json
#      (Llama 3.2 1B, Qwen2.5 0.5B) and quantizes them with llama.cpp to Q4_K_M and Q8_0, into bench/out/realshape
#      (kept between runs; delete a file to remake it).
#   2. For ROUNDS rounds, for each model file and thread count, in this order (A/B/C/D, A/B/C/D, ...):
#      (a) `scout bench --local FILE --threads T --pp PP --tg TG --repetitions REPS --json`
#      (b) `scout serve` (SCOUT_NUM_THREAD=T, one slot) and bench/realshape/serve_pptg.py: a PP-token raw prompt and TG
#          greedy tokens through Ollama's /api/generate, tok/s from prompt_eval_duration and eval_duration
#      (c) node-llama-cpp 3.21.1 (bench/serve-peer/pptg.mjs): the same pp/tg tests on the same file, batch 512,
#          flash attention off (its default)
#      (d) the same peer with its AVX-512 VNNI/VBMI/BF16 CPU variants removed, so llama.cpp picks its "skylakex"
#          build, the instruction set of LLamaSharp 0.30's avx512 library: same ISA, newer llama.cpp
#      (e) (a) with SCOUT_FLASH_ATTENTION=0: flash attention off, as the peer runs (llama.cpp's automatic choice turns
#          it on for CPU)
#   3. bench/realshape/report.py prints medians per (model, threads, tool) and the ratios against (c).
# Knobs: SHAPES ("llama3.2-1b qwen2.5-0.5b"), QUANTS ("Q4_K_M Q8_0"), THREADS ("1 2"), ROUNDS (3), PP (512), TG (128),
# REPS (1 timed run per process after one warm-up), TOOLS ("a b c d e"), SCOUT_FLASH_ATTENTION (passed through to (a)/(b)).
# Output: bench/out/realshape/runs.jsonl (one line per measurement) and report.txt.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/bench/out/realshape"
shapes="${SHAPES:-llama3.2-1b qwen2.5-0.5b}"
quants="${QUANTS:-Q4_K_M Q8_0}"
threads="${THREADS:-1 2}"
rounds="${ROUNDS:-3}"
pp="${PP:-512}"
tg="${TG:-128}"
reps="${REPS:-1}"
tools="${TOOLS:-a b c d e}"
mkdir -p "$out"
cd "$root"

peer="$root/bench/out/serve-peer"
if [ "$(node -p "require('$peer/node_modules/node-llama-cpp/package.json').version" 2>/dev/null)" != "3.21.1" ]; then
  echo "installing node-llama-cpp 3.21.1 into $peer ..." >&2
  mkdir -p "$peer"
  cp bench/serve-peer/package.json "$peer/"
  (cd "$peer" && npm install --omit=optional --ignore-scripts --silent --no-audit --no-fund >/dev/null)
fi
# (d): a copy of the peer without the CPU variants that have AVX-512 VNNI, VBMI or BF16 (or AVX-VNNI).
skx="$root/bench/out/serve-peer-skylakex"
if [ ! -d "$skx/node_modules" ]; then
  rm -rf "$skx" && cp -r "$peer" "$skx"
  for v in zen4 icelake cascadelake cooperlake sapphirerapids alderlake cannonlake; do
    rm -f "$skx"/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/libggml-cpu-$v.so
  done
fi

echo "building (Release) ..." >&2
dotnet build src/ModelScout.Cli -c Release --nologo -v quiet >/dev/null
dotnet build bench/ModelScout.RealShape -c Release --nologo -v quiet >/dev/null
scout="$(find "$root/src/ModelScout.Cli/bin/Release/net10.0" -name scout -type f | head -1)"
maker="$(find "$root/bench/ModelScout.RealShape/bin/Release/net10.0" -name ModelScout.RealShape -type f | head -1)"
# shellcheck disable=SC2086
"$maker" bench/realshape/shapes.json "$out" $shapes

# The server serves store names: import each file once into a store of this run.
store="$out/serve-models"
mkdir -p "$store"
files=()
store_name() { echo "rs-$(basename "$1" .gguf | tr 'A-Z_' 'a-z-')"; }
for s in $shapes; do
  for q in $quants; do
    f="$out/$s-$q.gguf"
    files+=("$f")
    "$scout" import "$f" "$(store_name "$f")" --models "$store" >/dev/null
  done
done

runs="$out/runs.jsonl"
: > "$runs"
load() { awk '{print $1}' /proc/loadavg; }
record() { # tool model threads round json
  python3 -c 'import json,sys; d=json.loads(sys.argv[5]); d.update(tool=sys.argv[1], model=sys.argv[2], threads=int(sys.argv[3]), round=int(sys.argv[4]), load=float(sys.argv[6])); print(json.dumps(d))' \
    "$1" "$2" "$3" "$4" "$5" "$(load)" >> "$runs"
}
port=$((20000 + RANDOM % 20000))
for round in $(seq 1 "$rounds"); do
  for f in "${files[@]}"; do
    m="$(basename "$f" .gguf)"
    name="$(store_name "$f")"
    for t in $threads; do
      for tool in $tools; do
        echo "round $round: $m, $t thread(s), ($tool) ..." >&2
        case "$tool" in
          a|e)
            fa=(); [ "$tool" = e ] && fa=(env SCOUT_FLASH_ATTENTION=0)
            j="$("${fa[@]}" "$scout" bench --local "$f" --threads "$t" --pp "$pp" --tg "$tg" --repetitions "$reps" --json)"
            j="$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); t={x["kind"]:x for x in d["tests"]}; print(json.dumps({"ppRuns":t["pp"]["runTokensPerSecond"] if "pp" in t else [],"tgRuns":t["tg"]["runTokensPerSecond"] if "tg" in t else [],"flashAttention":d.get("flashAttention")}))' "$j")"
            ;;
          b)
            SCOUT_HOST="127.0.0.1:$port" SCOUT_NUM_THREAD="$t" SCOUT_NUM_PARALLEL=1 SCOUT_MODELS="$store" \
              "$scout" serve > "$out/serve.log" 2>&1 &
            pid=$!
            for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.5; done
            j="$(python3 bench/realshape/serve_pptg.py "http://127.0.0.1:$port" "$name" "$pp" "$tg" "$reps")"
            kill "$pid"; wait "$pid" 2>/dev/null || true
            ;;
          c) j="$(SERVE_PEER_DIR="$peer" node bench/serve-peer/pptg.mjs "$f" "$t" "$pp" "$tg" "$reps" 0)" ;;
          d) j="$(SERVE_PEER_DIR="$skx" node bench/serve-peer/pptg.mjs "$f" "$t" "$pp" "$tg" "$reps" 0)" ;;
        esac
        record "$tool" "$m" "$t" "$round" "$j"
      done
    done
  done
done
python3 bench/realshape/report.py "$runs" | tee "$out/report.txt"
