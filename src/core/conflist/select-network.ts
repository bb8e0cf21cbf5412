// Picks a network out of a configuration directory's files the way libcni's
// LoadConfList does: every .conflist in lexical order first, then the
// single-plugin .conf and .json files in lexical order (wrapped into a list).
// As in libcni, a file that does not parse stops the search: a runtime would
// fail on the same directory, and the operator should hear which file broke.
import { CniError } from '../../cni/errors.js';
import { parseConfList, parseSingleConf } from './parse-conflist.js';
import type { ConfList } from './types.js';

export interface ConfFile {
  /** The file's name inside the directory, e.g. "10-pwr.conflist". */
  name: string;
  text: string;
}

export const CONF_EXTENSIONS = ['.conflist', '.conf', '.json'] as const;

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot);
}

function inFile(file: ConfFile, parse: (text: string) => ConfList): ConfList {
  try {
    return parse(file.text);
  } catch (err) {
    if (err instanceof CniError) throw new CniError(err.code, `${file.name}: ${err.msg}`, err.details);
    throw err;
  }
}

/** The list named `network`, or undefined when no file has that name. */
export function findNetwork(files: readonly ConfFile[], network: string): ConfList | undefined {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const file of sorted.filter((f) => extensionOf(f.name) === '.conflist')) {
    const list = inFile(file, parseConfList);
    if (list.name === network) return list;
  }
  for (const file of sorted.filter((f) => ['.conf', '.json'].includes(extensionOf(f.name)))) {
    const list = inFile(file, parseSingleConf);
    if (list.name === network) return list;
  }
  return undefined;
}
