#!/usr/bin/env node
'use strict';
// Podwire executable: runs __NAME__.bundle.js from this directory through
// V8's code cache (__NAME__.bundle.cache, written by scripts/warm-cache.sh).
// Node 20 has no built-in compile cache; without one, every plugin start
// re-parses and lazily re-compiles the functions an ADD or DEL runs (~5 ms).
// A missing, stale (other Node version) or corrupt cache is simply ignored
// by V8 (cachedDataRejected) and the bundle compiles as usual.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const dir = path.dirname(fs.realpathSync(__filename));
const file = path.join(dir, '__NAME__.bundle.js');
const cacheFile = path.join(dir, '__NAME__.bundle.cache');
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const source = `(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(file, 'utf8')}\n})`;
const script = new vm.Script(source, { filename: file, cachedData });
if (process.env.PODWIRE_CODE_CACHE === 'write') {
  // Warm-up runs (scripts/warm-cache.sh): store what this run compiled, on
  // top of what the cache already held, atomically.
  process.once('exit', () => {
    const tmp = `${cacheFile}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile);
  });
}
script.runInThisContext()(exports, require, module, file, dir);
