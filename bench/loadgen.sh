#!/usr/bin/env bash
# Load-generator capacity (issue 6): can scout bench's StreamingClient drive a server hard enough that the figures
# measure the server, not the tool? In ONE run on this machine:
#   - starts bench/ModelScout.LoadGenBench's instant fake server (its own process): /v1/chat/completions streams
#     8 content chunks + finish + usage + [DONE], each flushed as its own write, no delay; /v1/plain answers one
#     small JSON body;
#   - ours: ModelScout.LoadGenBench drive, closed loop at CONCURRENCY for SECONDS (after a warm-up) with StreamingClient;
#     requests/s, and the added latency per chunk: the client's read time minus the server's flush time, both
#     CLOCK_MONOTONIC, for every RECORD_EVERY-th request; also the same at concurrency 1 (the tool's own floor);
#   - the peer: autocannon 9 (npm, installed into bench/out/loadgen-peer with --ignore-scripts) with the same
#     connection count and duration, against the streaming endpoint and against the plain one.
# Prints a table with ratios; output in bench/out/loadgen.txt.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/bench/out"
concurrency="${CONCURRENCY:-64}"
seconds="${SECONDS_PER_RUN:-10}"
record_every="${RECORD_EVERY:-10}"
mkdir -p "$out"
cd "$root"

peer="$out/loadgen-peer"
if [ "$(node -p "require('$peer/node_modules/autocannon/package.json').version" 2>/dev/null)" != "9.0.0" ]; then
  echo "installing autocannon 9.0.0 into $peer ..." >&2
  mkdir -p "$peer"
  cp bench/loadgen-peer/package.json "$peer/"
  (cd "$peer" && npm install --ignore-scripts --silent --no-audit --no-fund >/dev/null)
fi
autocannon="$peer/node_modules/.bin/autocannon"

echo "building (Release) ..." >&2
dotnet build bench/ModelScout.LoadGenBench -c Release --nologo -v quiet >/dev/null
bench="$root/bench/ModelScout.LoadGenBench/bin/Release/net10.0/linux-x64/ModelScout.LoadGenBench"

# The server reads stdin until it closes; a fifo held open by this shell keeps it alive until the trap closes it.
fifo="$(mktemp -u)"; mkfifo "$fifo"
"$bench" serve --port 0 < "$fifo" > "$out/loadgen-server.txt" &
server_pid=$!
exec 3> "$fifo"
cleanup() { exec 3>&- || true; wait "$server_pid" 2>/dev/null || true; rm -f "$fifo"; }
trap cleanup EXIT
for _ in $(seq 100); do [ -s "$out/loadgen-server.txt" ] && break; sleep 0.1; done
url="$(head -1 "$out/loadgen-server.txt")/"
echo "fake server at $url" >&2

body='{"model":"fake","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true},"max_tokens":8}'
plain_body='{"model":"fake","messages":[{"role":"user","content":"hi"}],"max_tokens":8}'

echo "ours: StreamingClient, concurrency 1 ..." >&2
ours1="$("$bench" drive --url "$url" --concurrency 1 --seconds "$seconds" --warmup 2 --record-every 1)"
echo "ours: StreamingClient, concurrency $concurrency ..." >&2
ours="$("$bench" drive --url "$url" --concurrency "$concurrency" --seconds "$seconds" --warmup 2 --record-every "$record_every")"

peer_run() { # $1 path, $2 body -> requests/s (mean), latency median ms
  "$autocannon" --json -c "$concurrency" -d "$seconds" -m POST -H "content-type=application/json" -b "$2" "${url}$1" 2>/dev/null \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);console.log(`${r.requests.mean} ${r.latency.p50} ${r.non2xx+r.errors+r.timeouts}`)})'
}
echo "peer: autocannon, streaming endpoint ..." >&2
read -r ac_stream_rps ac_stream_p50 ac_stream_bad < <(peer_run v1/chat/completions "$body")
echo "peer: autocannon, plain endpoint ..." >&2
read -r ac_plain_rps ac_plain_p50 ac_plain_bad < <(peer_run v1/plain "$plain_body")

field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<< "$2"; }
ours_rps="$(field rps "$ours")"
{
  echo "machine: $(nproc) vCPU, load average $(cut -d' ' -f1-3 /proc/loadavg); $seconds s per run, $concurrency connections"
  echo
  printf '%-58s %12s %10s\n' "generator" "req/s" "vs ours"
  printf '%-58s %12s %10s\n' "ours: StreamingClient, SSE (8 chunks + usage + [DONE])" "$ours_rps" "1.00x"
  printf '%-58s %12s %10s\n' "autocannon 9, same SSE endpoint (reads the whole body)" "$ac_stream_rps" "$(node -p "($ac_stream_rps/$ours_rps).toFixed(2)+'x'")"
  printf '%-58s %12s %10s\n' "autocannon 9, plain JSON endpoint" "$ac_plain_rps" "$(node -p "($ac_plain_rps/$ours_rps).toFixed(2)+'x'")"
  echo
  echo "added latency per chunk (client read - server flush), ms:"
  echo "  concurrency 1:  median $(field added_median_ms "$ours1")  p90 $(field added_p90_ms "$ours1")  p99 $(field added_p99_ms "$ours1")  ($(field chunks_matched "$ours1") chunks)"
  echo "  concurrency $concurrency: median $(field added_median_ms "$ours")  p90 $(field added_p90_ms "$ours")  p99 $(field added_p99_ms "$ours")  ($(field chunks_matched "$ours") chunks)"
  echo "client-side ITL median (server gap is 0): c=1 $(field itl_median_ms "$ours1") ms, c=$concurrency $(field itl_median_ms "$ours") ms"
  echo "failed: ours $(field failed "$ours") + $(field failed "$ours1"), autocannon stream $ac_stream_bad, plain $ac_plain_bad"
  echo "autocannon latency p50: stream $ac_stream_p50 ms, plain $ac_plain_p50 ms"
  echo
  echo "raw: $ours1"
  echo "raw: $ours"
} | tee "$out/loadgen.txt"
