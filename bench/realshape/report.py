#!/usr/bin/env python3
"""Report of bench/realshape.sh: medians of pp and tg tok/s per (model, threads, tool) over every round's runs, and
each tool's median against node-llama-cpp's (c) on the same model and thread count.  report.py runs.jsonl [--markdown]"""
import json
import statistics
import sys
from collections import defaultdict

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
md = "--markdown" in sys.argv
tools = {"a": "scout bench --local", "b": "scout serve (/api/generate)", "c": "node-llama-cpp 3.21.1",
         "d": "node-llama-cpp, skylakex CPU variant", "e": "scout bench --local, flash attention off"}
runs = defaultdict(lambda: {"pp": [], "tg": []})
loads = []
for r in rows:
    key = (r["model"], r["threads"], r["tool"])
    runs[key]["pp"] += r.get("ppRuns", [])
    runs[key]["tg"] += r.get("tgRuns", [])
    loads.append(r["load"])


def med(xs):
    return statistics.median(xs) if xs else None


def fmt(x):
    return "-" if x is None else f"{x:,.1f}"


def ratio(x, y):
    return "-" if x is None or not y else f"{x / y:.2f}x"


header = ["model", "threads", "tool", "n", "pp tok/s", "pp vs (c)", "tg tok/s", "tg vs (c)"]
print(("| " + " | ".join(header) + " |") if md else "\t".join(header))
if md:
    print("|" + "---|" * len(header))
for (model, threads) in sorted({(m, t) for (m, t, _) in runs}):
    peer = runs.get((model, threads, "c"), {"pp": [], "tg": []})
    for tool in sorted({k[2] for k in runs if k[:2] == (model, threads)}):
        x = runs[(model, threads, tool)]
        cells = [model, str(threads), f"({tool}) {tools.get(tool, tool)}", str(len(x["pp"])),
                 fmt(med(x["pp"])), ratio(med(x["pp"]), med(peer["pp"])),
                 fmt(med(x["tg"])), ratio(med(x["tg"]), med(peer["tg"]))]
        print(("| " + " | ".join(cells) + " |") if md else "\t".join(cells))
if loads:
    print(f"\nload average (1 min) at the measurements: median {statistics.median(loads):.1f}, "
          f"min {min(loads):.1f}, max {max(loads):.1f}")
