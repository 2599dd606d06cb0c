#!/usr/bin/env python3
"""(b) of bench/realshape.sh: pp and tg through a running `scout serve`, read from Ollama's /api/generate answer.

    serve_pptg.py BASE_URL MODEL [PP=512] [TG=128] [REPS=1]

Each request sends a raw prompt of PP tokens (a different one every time, so the server's prompt cache cannot reuse a
prefix) and asks for TG greedy tokens; pp tok/s = prompt_eval_count / prompt_eval_duration and tg tok/s =
eval_count / eval_duration, the server's own timings. One untimed warm-up request, then REPS timed ones. The stand-in
vocabulary of bench/ModelScout.RealShape has no merges, so every character is one byte token: BOS, the three bytes of the
SentencePiece space mark the tokenizer puts first, and PP - 4 letters are PP tokens (prompt_eval_count is recorded).
Prints one JSON document.
"""
import json
import sys
import urllib.request

base, model = sys.argv[1], sys.argv[2]
pp = int(sys.argv[3]) if len(sys.argv) > 3 else 512
tg = int(sys.argv[4]) if len(sys.argv) > 4 else 128
reps = int(sys.argv[5]) if len(sys.argv) > 5 else 1
letters = "abcdefghijklmnopqrstuvwxyz"


def prompt(run):
    # run shifts the letters, so consecutive prompts differ from their first token on
    return "".join(letters[(i * 7 + run) % 26] for i in range(pp - 4))


def generate(run):
    body = {
        "model": model, "prompt": prompt(run), "raw": True, "stream": False,
        "options": {"num_predict": tg, "temperature": 0, "num_ctx": pp + tg + 16},
    }
    req = urllib.request.Request(base + "/api/generate", json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.load(r)


result = {"pp": pp, "tg": tg, "ppRuns": [], "tgRuns": [], "promptTokens": [], "evalTokens": []}
for run in range(reps + 1):
    a = generate(run)
    if run == 0:
        continue
    result["promptTokens"].append(a["prompt_eval_count"])
    result["evalTokens"].append(a["eval_count"])
    result["ppRuns"].append(a["prompt_eval_count"] / (a["prompt_eval_duration"] / 1e9))
    result["tgRuns"].append(a["eval_count"] / (a["eval_duration"] / 1e9))
print(json.dumps(result))
