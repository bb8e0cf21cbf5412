// `-f FILE` arguments: files, or directories (their .yaml, .yml and .json
// files in name order, as kubectl reads a directory), parsed in full before
// anything is applied.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ManifestError, parseManifests, type Manifest } from './manifests.js';

const EXTENSIONS = ['.yaml', '.yml', '.json'];

function filesOf(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new ManifestError(path, 'no such file or directory');
  }
  if (!st.isDirectory()) return [path];
  return readdirSync(path).filter((f) => EXTENSIONS.some((e) => f.endsWith(e))).sort().map((f) => join(path, f));
}

export function loadManifestFiles(paths: readonly string[]): Manifest[] {
  return paths.flatMap(filesOf).flatMap((file) => parseManifests(readFileSync(file, 'utf8'), file));
}
