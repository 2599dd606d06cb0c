// The peer of bench/serve.sh: llama.cpp as node-llama-cpp 3.21.1 packages it (prebuilt linux-x64 CPU binary, loaded
// with build: "never", gpu: false), measured the way bench/ModelScout.ServeBench measures raw LLamaSharp:
//   generation: after the prompt [1,403,407,261,378], N greedy tokens fed back one at a time; tok/s over those N
//   prompt128:  a 128-token prompt (BOS + a fixed spread of ids, as BenchSettings.PromptOf builds it) in one batch
//   greedyIds:  the first 10 greedy ids after [1,403,407,261,378]
//   peakRssBytes: VmHWM of this process at the end
// Each figure: one untimed warm-up, then RUNS timed runs (the report takes their median).
//   node measure.mjs MODEL [RUNS] [THREADS] [TOKENS]   prints one JSON document
// node-llama-cpp comes from SERVE_PEER_DIR/node_modules, by default bench/out/serve-peer/node_modules.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [file, runsArg = "5", threadsArg = "1", tokensArg = "256"] = process.argv.slice(2);
if (!file) {
  console.error("usage: node measure.mjs MODEL [RUNS] [THREADS] [TOKENS]");
  process.exit(2);
}
const runs = Number(runsArg);
const threads = Number(threadsArg);
const tokens = Number(tokensArg);
const here = path.dirname(fileURLToPath(import.meta.url));
const peerDir = process.env.SERVE_PEER_DIR ?? path.join(here, "..", "out", "serve-peer");
const require = createRequire(path.join(path.resolve(peerDir), "package.json"));
const { getLlama, LlamaLogLevel } = await import(pathToFileURL(require.resolve("node-llama-cpp")).href);
const version = JSON.parse(readFileSync(path.join(path.resolve(peerDir), "node_modules", "node-llama-cpp", "package.json"), "utf8")).version;

const llama = await getLlama({ build: "never", gpu: false, logLevel: LlamaLogLevel.error, maxThreads: threads });
const model = await llama.loadModel({ modelPath: path.resolve(file), gpuLayers: 0 });
const context = await model.createContext({ contextSize: 2048, batchSize: 512, sequences: 1, threads });
const sequence = context.getSequence();

const greedyPrompt = [1, 403, 407, 261, 378];
const prompt128 = [1, ...Array.from({ length: 127 }, (_, i) => 3 + ((i * 37) % 509))];

// Greedy ids and the time of the `count` single-token steps after the first sampled token.
async function generate(count) {
  await sequence.clearHistory();
  const ids = [];
  let start = 0;
  for await (const token of sequence.evaluate(greedyPrompt, { temperature: 0 })) {
    ids.push(token);
    if (ids.length === 1) start = performance.now();
    if (ids.length === count + 1) break;
  }
  return { ids, seconds: (performance.now() - start) / 1000 };
}

const greedyIds = (await generate(10)).ids.slice(0, 10);
const generation = [];
for (let run = 0; run <= runs; run++) {
  const { seconds } = await generate(tokens);
  if (run > 0) generation.push(tokens / seconds);
}
const promptRates = [];
for (let run = 0; run <= runs; run++) {
  await sequence.clearHistory();
  const start = performance.now();
  await sequence.evaluateWithoutGeneratingNewTokens(prompt128);
  const seconds = (performance.now() - start) / 1000;
  if (run > 0) promptRates.push(prompt128.length / seconds);
}

const status = readFileSync("/proc/self/status", "utf8");
const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) * 1024;
console.log(JSON.stringify({ version, threads, tokens, generation, prompt128: promptRates, greedyIds, peakRssBytes: hwm }));
await context.dispose();
await model.dispose();
await llama.dispose();
