// Bundles every entry in src/bin into a self-contained executable in dist/bin.
// CommonJS output starts faster than ESM under Node 20 and needs no
// node_modules at run time; koffi's native module is copied next to the
// executables and loaded directly (src/kernel/ffi.ts), skipping koffi's
// ~15 ms JS loader on every plugin start.
import { build } from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const outDir = 'dist/bin';
mkdirSync(outDir, { recursive: true });
// dist/ sits inside a "type": "module" package: mark the bundles CommonJS.
writeFileSync('dist/package.json', '{ "type": "commonjs" }\n');

const entries = readdirSync('src/bin').filter((f) => f.endsWith('.ts'));
await Promise.all(entries.map((file) => build({
  entryPoints: [join('src/bin', file)],
  outfile: join(outDir, file.replace(/\.ts$/, '')),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  external: ['koffi'],
  banner: { js: '#!/usr/bin/env node\nconst __importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__importMetaUrl' },
  logLevel: 'warning',
})));
for (const file of entries) chmodSync(join(outDir, file.replace(/\.ts$/, '')), 0o755);

const triplet = `${process.platform}_${process.arch}`;
copyFileSync(`node_modules/koffi/build/koffi/${triplet}/koffi.node`, join(outDir, 'koffi.node'));
