#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// run_onnx.js: runs an ONNX model in ONNX Runtime (onnxruntime-node, CPU execution provider) on .npy inputs and
// writes every output as .npy, so npukit's tests can compare ORT's results with npukit's own execution.
//
//   node run_onnx.js MODEL.onnx OUT_DIR IN0.npy [IN1.npy ...] [--threads N] [--all-quantized] [--opt-level L]
//
//   IN*.npy           one per runtime input, in the model's input order (session.inputNames); or NAME=FILE.npy
//                     to feed by input name
//   --threads N       intra-op threads (default 1; inter-op is always 1, sequential execution)
//   --all-quantized   first rewrite the model (expose_quantized.py, /usr/bin/python3 + onnx) so that every
//                     QuantizeLinear output is also a graph output: ORT's codes of every quantized tensor. NOTE:
//                     ORT then no longer fuses the QDQ groups (a fused group's QuantizeLinear must have a single
//                     consumer and not be a graph output), so this shows ORT's float QDQ path, DequantizeLinear ->
//                     float op -> QuantizeLinear; extract_layers.py gives the fused integer kernels' codes.
//   --opt-level L     graph optimization level: disabled | basic | extended | all (default all: ORT fuses the
//                     QDQ graph into its integer kernels QLinearConv, QLinearAdd, ... as in deployment)
//   --batch JOBS.json   instead of MODEL OUT_DIR IN...: run [{"model", "out", "inputs": [...]}, ...] in one
//                     process (node + ORT start once)
//   --save-optimized F  also write the graph ORT actually runs (after its fusions) to F (.onnx), to see which
//                     QDQ groups became integer kernels
//
// OUT_DIR/<sanitized output name>.npy per output (characters outside [A-Za-z0-9._-] become '_') and
// OUT_DIR/outputs.json: [{"name": original name, "file": file name, "dtype": ..., "shape": [...]}, ...].
// onnxruntime-node is loaded from ./node_modules (bench/ort/setup.sh installs it).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const {execFileSync} = require('child_process');

// ---------------------------------------------------------------------------------------------------------
// .npy (format 1.0 / 2.0, little-endian, C order)

const NPY_TYPES = {
  // descr -> [ORT tensor type, TypedArray]
  '<f4': ['float32', Float32Array],
  '|u1': ['uint8', Uint8Array],
  '|i1': ['int8', Int8Array],
  '<i2': ['int16', Int16Array],
  '<u2': ['uint16', Uint16Array],
  '<i4': ['int32', Int32Array],
  '<i8': ['int64', BigInt64Array],
  '<f8': ['float64', Float64Array],
  '|b1': ['bool', Uint8Array],
};
const DESCR_OF = Object.fromEntries(Object.entries(NPY_TYPES).map(([d, [t]]) => [t, d]));
DESCR_OF['uint8'] = '|u1';  // numpy also writes '<u1' / '<i1'; we always write the canonical '|' form.

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descrM = header.match(/'descr':\s*'([^']+)'/);
  const fortranM = header.match(/'fortran_order':\s*(True|False)/);
  const shapeM = header.match(/'shape':\s*\(([^)]*)\)/);
  if (!descrM || !fortranM || !shapeM) throw new Error(`${file}: bad .npy header ${header}`);
  let descr = descrM[1];
  if (descr === '<u1') descr = '|u1';
  if (descr === '<i1') descr = '|i1';
  if (!(descr in NPY_TYPES)) throw new Error(`${file}: unsupported dtype ${descr}`);
  if (fortranM[1] === 'True') throw new Error(`${file}: fortran_order arrays are not supported`);
  const dims = shapeM[1].split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  const [type, Arr] = NPY_TYPES[descr];
  const n = dims.reduce((a, b) => a * b, 1);
  const off = hstart + hlen;
  if (buf.length - off < n * Arr.BYTES_PER_ELEMENT) throw new Error(`${file}: truncated data`);
  // Copy into an aligned buffer (the file buffer's offset need not be a multiple of the element size).
  const data = new Arr(n);
  Buffer.from(data.buffer).set(buf.subarray(off, off + n * Arr.BYTES_PER_ELEMENT));
  return {type, dims, data};
}

function writeNpy(file, type, dims, data) {
  const descr = DESCR_OF[type];
  if (!descr) throw new Error(`${file}: cannot write dtype ${type}`);
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad with spaces so that magic(6) + version(2) + len(2) + header + '\n' is a multiple of 64.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header + ' '.repeat(total - 10 - header.length - 1) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), bytes]));
}

// ---------------------------------------------------------------------------------------------------------

function usage(msg) {
  if (msg) console.error(`run_onnx.js: ${msg}`);
  console.error('usage: node run_onnx.js MODEL.onnx OUT_DIR IN0.npy [IN1.npy ...] [--threads N] [--all-quantized] ' +
                '[--opt-level disabled|basic|extended|all] [--save-optimized F.onnx]\n' +
                '       node run_onnx.js --batch JOBS.json [options]');
  process.exit(2);
}

function parseArgs(argv) {
  const a = {threads: 1, allQuantized: false, optLevel: 'all', saveOptimized: '', positional: []};
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i];
    if (s === '--threads') {
      a.threads = Number(argv[++i]);
      if (!Number.isInteger(a.threads) || a.threads < 1) usage('--threads needs a positive integer');
    } else if (s === '--all-quantized') {
      a.allQuantized = true;
    } else if (s === '--opt-level') {
      a.optLevel = argv[++i];
      if (!['disabled', 'basic', 'extended', 'all'].includes(a.optLevel)) usage(`bad --opt-level ${a.optLevel}`);
    } else if (s === '--save-optimized') {
      a.saveOptimized = argv[++i];
      if (!a.saveOptimized) usage('--save-optimized needs a file name');
    } else if (s === '-h' || s === '--help') {
      usage();
    } else if (s.startsWith('--')) {
      usage(`unknown option ${s}`);
    } else {
      a.positional.push(s);
    }
  }
  if (a.positional.length < 2) usage('need MODEL.onnx and OUT_DIR');
  return a;
}

function sanitize(name) {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/// Runs one model; inputFiles are IN.npy (input order) or NAME=FILE.npy.
async function runOne(ort, args, modelPath, outDir, inputFiles) {
  fs.mkdirSync(outDir, {recursive: true});
  let runPath = modelPath;
  let tmpDir = null;
  if (args.allQuantized) {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'run_onnx-'));
    runPath = path.join(tmpDir, 'all_quantized.onnx');
    execFileSync('/usr/bin/python3', [path.join(__dirname, 'expose_quantized.py'), modelPath, runPath],
                 {stdio: ['ignore', 'ignore', 'inherit']});
  }
  try {
    const session = await ort.InferenceSession.create(runPath, {
      ...(args.saveOptimized ? {optimizedModelFilePath: path.resolve(args.saveOptimized)} : {}),
      intraOpNumThreads: args.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: args.optLevel,
      executionProviders: ['cpu'],
      logSeverityLevel: 3,
    });
    if (inputFiles.length !== session.inputNames.length) {
      throw new Error(`${modelPath}: model has ${session.inputNames.length} inputs ` +
                      `(${session.inputNames.join(', ')}), got ${inputFiles.length} .npy files`);
    }
    const feeds = {};
    const byName = inputFiles.every((f) => /^[^=]+=/.test(f) && !fs.existsSync(f));
    session.inputNames.forEach((name, i) => {
      let file = inputFiles[i];
      if (byName) {
        const hit = inputFiles.find((f) => f.startsWith(name + '='));
        if (!hit) throw new Error(`${modelPath}: no NAME=FILE.npy given for input '${name}'`);
        file = hit.slice(name.length + 1);
      }
      const t = readNpy(file);
      feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
    });
    const results = await session.run(feeds);
    const index = [];
    const used = new Set();
    for (const name of session.outputNames) {
      const t = results[name];
      let file = sanitize(name);
      while (used.has(file)) file += '_';  // two names that sanitize alike
      used.add(file);
      file += '.npy';
      writeNpy(path.join(outDir, file), t.type, t.dims, t.data);
      index.push({name, file, dtype: t.type, shape: Array.from(t.dims)});
    }
    fs.writeFileSync(path.join(outDir, 'outputs.json'), JSON.stringify(index, null, 1) + '\n');
    if (typeof session.release === 'function') await session.release();
    return index.length;
  } finally {
    if (tmpDir) fs.rmSync(tmpDir, {recursive: true, force: true});
  }
}

async function main() {
  const argv = process.argv.slice(2);
  // --batch JOBS.json: [{"model", "out", "inputs": [...]}, ...] run in one process (saves node + ORT start-up
  // per model); the other options apply to every job.
  const bi = argv.indexOf('--batch');
  let jobs = null;
  if (bi >= 0) {
    if (bi + 1 >= argv.length) usage('--batch needs a JSON file');
    jobs = JSON.parse(fs.readFileSync(argv[bi + 1], 'utf8'));
    argv.splice(bi, 2, '-', '-');
  }
  const args = parseArgs(argv);
  let ort;
  try {
    ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));
  } catch (e) {
    console.error(`run_onnx.js: cannot load onnxruntime-node (run bench/ort/setup.sh): ${e.message}`);
    process.exit(3);
  }
  const version = require(path.join(__dirname, 'node_modules', 'onnxruntime-node', 'package.json')).version;
  if (!jobs) {
    const [modelPath, outDir, ...inputFiles] = args.positional;
    jobs = [{model: modelPath, out: outDir, inputs: inputFiles}];
  }
  for (const j of jobs) {
    const n = await runOne(ort, args, j.model, j.out, j.inputs);
    console.log(`run_onnx.js: ${j.model}: wrote ${n} outputs to ${j.out} (onnxruntime-node ${version}, ` +
                `opt-level ${args.optLevel}, ${args.threads} thread(s))`);
  }
}

main().catch((e) => {
  console.error(`run_onnx.js: ${e.message}`);
  process.exit(1);
});
