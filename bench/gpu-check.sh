#!/usr/bin/env bash
# The GPU path on a machine with an NVIDIA GPU: builds llama.cpp at the commit LLamaSharp 0.30.0 binds with CUDA,
# points SCOUT_LLAMA_LIBRARY at it, and runs `scout bench --local` with --gpu-layers auto (the fit planner's placement)
# against --gpu-layers 0 (same library, CPU only) and the bundled CPU build, interleaved, then loads the model through
# `scout serve` and prints /api/ps (size_vram, gpu_layers). Prints every figure; writes them under bench/out/gpu/.
#
# The device machine has no network: the llama.cpp source must come with the working tree. Before the run, put a
# checkout or tarball of commit 815a2a5915f22ce6a760c676389c5dfe8535c08f (tag b10221) at bench/out/llama.cpp (or name
# it with LLAMA_SRC=DIR|FILE.tar.gz) and carry it. dotnet (the SDK in global.json) and nvcc must be on the machine; a
# prebuilt scout can be given with SCOUT_BIN=path/to/scout instead of building here.
#   MODEL=path.gguf   the model to measure (default: tests/Fixtures/models/stories260K.gguf; a real-shape model from
#                     section 3's generator says more about speed)
#   CUDA_ARCH=90      CMAKE_CUDA_ARCHITECTURES (90: H100/H200, 89: RTX 40xx); REPS=5 repetitions per bench test
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/bench/out/gpu"
mkdir -p "$out"
commit=815a2a5915f22ce6a760c676389c5dfe8535c08f
src="${LLAMA_SRC:-$root/bench/out/llama.cpp}"
model="${MODEL:-$root/tests/Fixtures/models/stories260K.gguf}"
reps="${REPS:-5}"

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt"

if [ -f "$src" ]; then mkdir -p "$out/llama.cpp" && tar -xf "$src" -C "$out/llama.cpp" --strip-components=1 && src="$out/llama.cpp"; fi
[ -f "$src/CMakeLists.txt" ] || { echo "no llama.cpp source at $src (carry a checkout of $commit; see the header)" >&2; exit 2; }
if [ -d "$src/.git" ]; then
  have=$(git -C "$src" rev-parse HEAD)
  [ "$have" = "$commit" ] || { echo "llama.cpp at $src is $have, not $commit" >&2; exit 2; }
fi
build="$out/llama-build"
if [ ! -f "$build/bin/libllama.so" ]; then
  cmake -S "$src" -B "$build" -DBUILD_SHARED_LIBS=ON -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCH:-90}" \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF -DCMAKE_BUILD_TYPE=Release >"$out/cmake.log"
  cmake --build "$build" --config Release -j "$(nproc)" >>"$out/cmake.log"
fi
lib="$build/bin/libllama.so"

if [ -n "${SCOUT_BIN:-}" ]; then scout=("$SCOUT_BIN"); else
  dotnet build "$root/src/ModelScout.Cli" -c Release --nologo -v quiet >/dev/null
  scout=(dotnet "$(find "$root/src/ModelScout.Cli/bin/Release" -name scout.dll | head -1)")
fi
export SCOUT_HOME="$out/home" SCOUT_NUM_THREAD="${SCOUT_NUM_THREAD:-4}"

bench() { # label, then env assignments and scout options
  local label=$1; shift
  env "$@" "${scout[@]}" bench --local "$model" --pp 512 --tg 128 --repetitions "$reps" --json ${GPU_ARGS:-} >"$out/$label.json" 2>"$out/$label.err" \
    || { echo "$label failed:"; cat "$out/$label.err"; return 1; }
  python3 - "$out/$label.json" "$label" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
tests = "  ".join(f"{t['name']} {t['meanTokensPerSecond']:.1f} t/s" for t in d["tests"])
print(f"{sys.argv[2]:<14} ngl {d.get('gpuLayers')}  vram {d.get('gpuBytes', 0) / 2**30:.2f} GiB  {tests}  [{d.get('library')}]")
PY
}
# Interleaved, so drift hits every arm alike: auto (planner), 0 layers on the same library, the bundled CPU build.
for round in 1 2; do
  GPU_ARGS="--gpu-layers auto" bench "auto-$round" SCOUT_LLAMA_LIBRARY="$lib"
  GPU_ARGS="--gpu-layers 0" bench "ngl0-$round" SCOUT_LLAMA_LIBRARY="$lib"
  GPU_ARGS="" bench "bundled-$round" SCOUT_LLAMA_LIBRARY=
done

# Through the server: load with auto layers and read /api/ps.
"${scout[@]}" import "$model" gpucheck:latest >/dev/null
port=11499
SCOUT_LLAMA_LIBRARY="$lib" "${scout[@]}" serve --host "127.0.0.1:$port" >"$out/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 1; done
head -3 "$out/serve.log"
curl -sf "http://127.0.0.1:$port/api/generate" -d '{"model":"gpucheck:latest"}' >/dev/null
curl -sf "http://127.0.0.1:$port/api/ps" | tee "$out/ps.json"; echo
SCOUT_HOST="127.0.0.1:$port" "${scout[@]}" ps || true
