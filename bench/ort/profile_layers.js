#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// profile_layers.js: ONNX Runtime's own per-node kernel times (its profiler) for one model, batch 1, on the CPU
// execution provider, for a per-layer comparison with `npukit exec perf --profile` (bench/layers_vs_ort.sh).
//
//   node profile_layers.js MODEL.onnx OUT.json [--runs N] [--threads T] [--shape 1,3,224,224]
//
// The single float input gets a fixed pseudo-random tensor in [0, 1) of --shape (per-layer times do not depend on
// the values). Session options as ../shared/peers' bench (graph optimization 'all', so QDQ groups run as
// QLinearConv etc.; sequential; inter-op 1). Writes ORT's profile (Chrome trace JSON) to OUT.json; the first 10 of
// the N runs (default 60) are warm-up, the table script skips them.
'use strict';
const fs = require('fs');
const path = require('path');

function usage(code) {
  console.error('usage: node profile_layers.js MODEL.onnx OUT.json [--runs N] [--threads T] [--shape 1,3,224,224]');
  process.exit(code);
}

async function main() {
  const args = process.argv.slice(2);
  const pos = [];
  let runs = 60, threads = 1, shape = [1, 3, 224, 224];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--runs') runs = Number(args[++i]);
    else if (a === '--threads') threads = Number(args[++i]);
    else if (a === '--shape') shape = String(args[++i]).split(',').map(Number);
    else if (a === '-h' || a === '--help') usage(0);
    else if (a.startsWith('--')) usage(2);
    else pos.push(a);
  }
  if (pos.length !== 2 || !(runs > 10) || !(threads >= 1) || shape.some((d) => !(d >= 1))) usage(2);
  const [model, out] = pos;
  if (!fs.existsSync(model)) throw new Error(`no such model: ${model}`);
  const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));
  const prefix = path.join(path.dirname(path.resolve(out)), `ortprof_${process.pid}`);
  const sess = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    executionProviders: ['cpu'],
    logSeverityLevel: 3,
    enableProfiling: true,
    profileFilePrefix: prefix,
  });
  if (sess.inputNames.length !== 1) throw new Error(`expected one input, the model has ${sess.inputNames.length}`);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = (s >>> 8) / 16777216;
  }
  const feeds = {[sess.inputNames[0]]: new ort.Tensor('float32', data, shape)};
  for (let i = 0; i < runs; i++) await sess.run(feeds);
  await sess.endProfiling();
  // endProfiling() names the file <prefix>_<date>.json; move it to OUT.
  const dir = path.dirname(prefix), base = path.basename(prefix);
  const made = fs.readdirSync(dir).filter((f) => f.startsWith(base) && f.endsWith('.json'));
  if (made.length !== 1) throw new Error(`ORT's profile file not found under ${prefix}*`);
  fs.renameSync(path.join(dir, made[0]), out);
}

main().catch((e) => {
  console.error(`profile_layers.js: ${e.message || e}`);
  process.exit(1);
});
