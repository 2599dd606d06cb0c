// The peer of bench/realshape.sh: llama-bench's pp and tg tests with llama.cpp as node-llama-cpp 3.21.1 packages it
// (prebuilt linux-x64 CPU binary, build: "never", gpu: false), measured the way `scout bench --local` measures them:
//   pp: PP pseudo-random token ids decoded into an emptied context in one call (batch 512), logits for none
//       (node-llama-cpp's evaluateWithoutGeneratingNewTokens), tok/s to the end of the computation;
//   tg: TG tokens decoded one at a time, greedy, starting from a 1-token prompt; tok/s over the TG decodes.
// Each test: one untimed warm-up, then REPS timed runs. Prints one JSON document with every run's tok/s.
//   node pptg.mjs MODEL THREADS [PP=512] [TG=128] [REPS=3] [FLASH=0|1]
// node-llama-cpp comes from SERVE_PEER_DIR/node_modules, by default bench/out/serve-peer/node_modules.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [file, threadsArg, ppArg = "512", tgArg = "128", repsArg = "3", flashArg = "0"] = process.argv.slice(2);
if (!file || !threadsArg) {
  console.error("usage: node pptg.mjs MODEL THREADS [PP] [TG] [REPS] [FLASH]");
  process.exit(2);
}
const [threads, pp, tg, reps] = [threadsArg, ppArg, tgArg, repsArg].map(Number);
const flashAttention = flashArg === "1";
const here = path.dirname(fileURLToPath(import.meta.url));
const peerDir = path.resolve(process.env.SERVE_PEER_DIR ?? path.join(here, "..", "out", "serve-peer"));
const require = createRequire(path.join(peerDir, "package.json"));
const { getLlama, LlamaLogLevel } = await import(pathToFileURL(require.resolve("node-llama-cpp")).href);
const version = JSON.parse(readFileSync(path.join(peerDir, "node_modules", "node-llama-cpp", "package.json"), "utf8")).version;

const llama = await getLlama({ build: "never", gpu: false, logLevel: LlamaLogLevel.error, maxThreads: threads });
const loadStart = performance.now();
const model = await llama.loadModel({ modelPath: path.resolve(file), gpuLayers: 0 });
const context = await model.createContext({
  contextSize: Math.max(pp, tg + 1, 256), batchSize: Math.min(512, Math.max(pp, 1)), sequences: 1, threads, flashAttention,
});
const loadMs = performance.now() - loadStart;
const sequence = context.getSequence();

// A fixed pseudo-random spread over the vocabulary, as llama-bench's ids are random (ids 3.. skip unk/BOS/EOS).
let seed = 1234;
const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
const span = 30000;
const ids = Array.from({ length: Math.max(pp, tg) }, () => 3 + (next() % span));

async function promptRun() {
  await sequence.clearHistory();
  const start = performance.now();
  await sequence.evaluateWithoutGeneratingNewTokens(ids.slice(0, pp));
  return pp / ((performance.now() - start) / 1000);
}

async function generationRun() {
  await sequence.clearHistory();
  let count = 0;
  let start = 0;
  for await (const token of sequence.evaluate([ids[0]], { temperature: 0 })) {
    void token;
    if (count === 0) start = performance.now();
    count++;
    if (count === tg + 1) break;
  }
  return tg / ((performance.now() - start) / 1000);
}

const result = { version, threads, flashAttention, pp, tg, loadMs, ppRuns: [], tgRuns: [] };
if (pp > 0) {
  await promptRun();
  for (let r = 0; r < reps; r++) result.ppRuns.push(await promptRun());
}
if (tg > 0) {
  await generationRun();
  for (let r = 0; r < reps; r++) result.tgRuns.push(await generationRun());
}
console.log(JSON.stringify(result));
await context.dispose();
await model.dispose();
await llama.dispose();
