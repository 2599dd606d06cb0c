#!/usr/bin/env bash
# Eval fan-out throughput: the same `scout eval` (gsm8k + math samples, LIMIT items each, MAX_TOKENS per answer) against
# ONE scout serve replica and against N replicas of it (--endpoint repeated), each replica a separate `scout serve`
# process with one llama.cpp thread and one slot (SCOUT_NUM_THREAD=1, SCOUT_NUM_PARALLEL=1), model stories260K.
# The two set-ups alternate ROUNDS times (1, N, N, 1, ...) so drift of the shared machine hits both alike; each round
# is a fresh run (its own --run name), so nothing is reused. Prints items/s per round and the median ratio N vs 1.
# On a machine with fewer free cores than N + 1 (the client needs one too) the ratio is capped by the cores, not by
# scout: say so when quoting it. Usage: bench/eval-fanout.sh [N]   (env: ROUNDS=3 LIMIT=10 MAX_TOKENS=256 CONFIG=Release)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-2}"
rounds="${ROUNDS:-3}"
limit="${LIMIT:-10}"
max_tokens="${MAX_TOKENS:-256}"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

config="${CONFIG:-Release}"
dotnet build "$root/src/ModelScout.Cli" -c "$config" --nologo -v quiet >/dev/null
scout="$(dotnet msbuild "$root/src/ModelScout.Cli" -p:Configuration="$config" -getProperty:TargetDir)scout"
export SCOUT_HOME="$work/home"
"$scout" import "$root/tests/Fixtures/models/stories260K.gguf" stories >/dev/null

endpoints=()
for i in $(seq 1 "$n"); do
  port=$((18500 + i))
  SCOUT_HOST="127.0.0.1:$port" SCOUT_NUM_THREAD=1 SCOUT_NUM_PARALLEL=1 "$scout" serve >"$work/serve$i.log" 2>&1 &
  pids+=($!)
  endpoints+=("http://127.0.0.1:$port/v1")
done
for e in "${endpoints[@]}"; do
  for _ in $(seq 1 100); do curl -sf "${e%/v1}/api/version" >/dev/null && break; sleep 0.1; done
done

run() { # $1 = run name, rest = --endpoint args; prints items/s
  local name="$1"; shift
  "$scout" eval --suite gsm8k,math --limit "$limit" --max-tokens "$max_tokens" --model stories "$@" \
    --run "$name" --db "$work/eval.db" --json 2>/dev/null \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); n=sum(s["n"] for s in d["suites"]); print(f"{n/d['"'"'elapsedSeconds'"'"']:.3f}")'
}
one=(--endpoint "${endpoints[0]}")
all=(); for e in "${endpoints[@]}"; do all+=(--endpoint "$e"); done
run warm "${one[@]}" >/dev/null   # loads the model in replica 1; the others load on their first request of round 1
run warm-all "${all[@]}" >/dev/null
ratios=()
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then a="$(run "one-$r" "${one[@]}")"; b="$(run "all-$r" "${all[@]}")"
  else b="$(run "all-$r" "${all[@]}")"; a="$(run "one-$r" "${one[@]}")"; fi
  ratio="$(python3 -c "print(f'{$b/$a:.2f}')")"
  ratios+=("$ratio")
  echo "round $r: 1 replica $a items/s, $n replicas $b items/s, ratio $ratio"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print "median ratio '"$n"' vs 1 replica: " a[int((NR+1)/2)] " (cores: '"$(nproc)"')"}'
