// Times @huggingface/gguf reading a GGUF header from a local file, in-process.
//   node measure.mjs FILE [RUNS]    prints JSON: {"runs":20,"median_ms":...,"min_ms":...,"max_ms":...,"times_ms":[...]}
//   node measure.mjs FILE --once    reads the header once and prints a one-line summary (the hyperfine command)
// @huggingface/gguf comes from GGUF_PEER_DIR/node_modules, by default bench/out/gguf-header/node_modules, where
// bench/gguf-header.sh installs it with `npm ci` from this folder's package.json and package-lock.json.
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [file, arg] = process.argv.slice(2);
if (!file) {
  console.error("usage: node measure.mjs FILE [RUNS | --once]");
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const peerDir = process.env.GGUF_PEER_DIR ?? path.join(here, "..", "out", "gguf-header");
const require = createRequire(path.join(path.resolve(peerDir), "package.json"));
const { gguf } = await import(pathToFileURL(require.resolve("@huggingface/gguf")).href);
const absolute = path.resolve(file);

async function read() {
  return gguf(absolute, { allowLocalFile: true });
}

if (arg === "--once") {
  const { metadata, tensorInfos } = await read();
  console.log(JSON.stringify({
    architecture: metadata["general.architecture"],
    metadata: Object.keys(metadata).length,
    tensors: tensorInfos.length,
    vocabulary: metadata["tokenizer.ggml.tokens"]?.length ?? 0,
    merges: metadata["tokenizer.ggml.merges"]?.length ?? 0,
  }));
} else {
  const runs = Number(arg ?? 20);
  // Two untimed reads first, so that the timed ones see the file in the page cache and the parser compiled.
  for (let i = 0; i < 2; i++) await read();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const { metadata } = await read();
    times.push(performance.now() - t);
    if (metadata["tokenizer.ggml.tokens"].length === 0) throw new Error("no tokens");
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = runs % 2 ? sorted[(runs - 1) / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
  console.log(JSON.stringify({ runs, median_ms: median, min_ms: sorted[0], max_ms: sorted[runs - 1], times_ms: times.map((t) => Math.round(t * 100) / 100) }));
}
