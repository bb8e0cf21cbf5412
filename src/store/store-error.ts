// Failures of the lease store's file operations as data: which operation, on
// which path, which errno code. They carry a CNI code so the skel reports them
// (I/O failure, 5) without knowing about the store. The message names
// ipam.dataDir because that is the only setting that decides these paths.
import { ErrorCode } from '../cni/errors.js';

export class StoreError extends Error {
  readonly op: string;
  readonly path: string;
  /** errno name ("EACCES"), or "" when the failure is not a system call's. */
  readonly errnoCode: string;
  readonly cniCode: number;

  constructor(op: string, path: string, errnoCode: string, detail?: string, cniCode: number = ErrorCode.IoFailure) {
    super(`ipam.dataDir: ${op} ${path}: ${detail ?? errnoCode}`);
    this.name = 'StoreError';
    this.op = op;
    this.path = path;
    this.errnoCode = errnoCode;
    this.cniCode = cniCode;
  }
}

/** The errno name of a Node fs error ("ENOENT"), or "" for anything else. */
export function errnoCodeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** Wraps a failed fs call; keeps the errno name and the system message. */
export function storeError(op: string, path: string, err: unknown): StoreError {
  const code = errnoCodeOf(err);
  const text = err instanceof Error ? err.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '') : String(err);
  return new StoreError(op, path, code, code ? `${code} (${text})` : text);
}
