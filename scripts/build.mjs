// Bundles every entry in src/bin into dist/bin: <name> is a small loader
// (scripts/loader.cjs) that runs <name>.bundle.js through V8's code cache,
// <name>.bundle.cache once scripts/warm-cache.sh has made it. CommonJS
// output starts faster than ESM under Node 20 and needs no node_modules at
// run time; koffi's native module is copied next to the executables and
// loaded directly (src/kernel/ffi.ts), skipping koffi's ~15 ms JS loader on
// every plugin start. Copy the whole of dist/bin to install.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const outDir = 'dist/bin';
mkdirSync(outDir, { recursive: true });
// dist/ sits inside a "type": "module" package: mark the bundles CommonJS.
writeFileSync('dist/package.json', '{ "type": "commonjs" }\n');

// Every output is written to a temporary name and renamed into place, so a
// plugin started while a build runs sees the old file or the new one, never
// a half-written one.
function replaceFile(path, write) {
  const tmp = `${path}.tmp-${process.pid}`;
  write(tmp);
  renameSync(tmp, path);
}

const loader = readFileSync('scripts/loader.cjs', 'utf8');
const entries = readdirSync('src/bin').filter((f) => f.endsWith('.ts'));
await Promise.all(entries.map(async (file) => {
  const result = await build({
    entryPoints: [join('src/bin', file)],
    bundle: true,
    write: false,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Smaller source parses faster at every plugin start; names stay readable in stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: false,
    legalComments: 'none',
    external: ['koffi'],
    banner: { js: 'const __importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
    define: { 'import.meta.url': '__importMetaUrl' },
    logLevel: 'warning',
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error(`esbuild produced nothing for ${file}`);
  const name = file.replace(/\.ts$/, '');
  replaceFile(join(outDir, `${name}.bundle.js`), (tmp) => writeFileSync(tmp, out.contents));
  // A new bundle invalidates its code cache: V8 would reject it anyway, but a
  // stale file must not linger as if it were useful.
  rmSync(join(outDir, `${name}.bundle.cache`), { force: true });
  // The node that builds is the node that runs the plugins: naming it in the
  // shebang saves runtimes an env(1) exec per plugin call.
  const executable = loader.replaceAll('__NAME__', name).replace(/^#!.*\n/, `#!${process.execPath}\n`);
  replaceFile(join(outDir, name), (tmp) => writeFileSync(tmp, executable, { mode: 0o755 }));
}));

const triplet = `${process.platform}_${process.arch}`;
replaceFile(join(outDir, 'koffi.node'), (tmp) => copyFileSync(`node_modules/koffi/build/koffi/${triplet}/koffi.node`, tmp));
