// nftables through libnftables (libnftables.so.1), in-process: one
// nft_run_cmd_from_buffer call is one atomic ruleset transaction (~1.5 ms),
// against ~10 ms to spawn `nft -f -`. The context is created by the thread
// that will use it; because its netlink socket is opened lazily on the first
// command, a context meant for another netns must run its first command
// inside withNetns (see NftSession).
import { KernelError } from './kernel-error.js';
import { loadKoffi } from './ffi.js';
import type { IKoffiLib } from 'koffi';

const NFT_CTX_DEFAULT = 0;
/** nft_ctx_output_set_flags: NFT_CTX_OUTPUT_JSON. */
export const NFT_OUTPUT_JSON = 1 << 4;

interface NftApi {
  ctxNew(flags: number): unknown;
  ctxFree(ctx: unknown): void;
  /** nft_ctx_free on a koffi worker thread. */
  ctxFreeAsync(ctx: unknown, done: (err: unknown) => void): void;
  runCmd(ctx: unknown, buf: string): number;
  bufferOutput(ctx: unknown): number;
  bufferError(ctx: unknown): number;
  getOutput(ctx: unknown): string | null;
  getError(ctx: unknown): string | null;
  setOutputFlags(ctx: unknown, flags: number): void;
}

let api: NftApi | undefined;

function loadApi(): NftApi {
  if (api) return api;
  const koffi = loadKoffi();
  let lib: IKoffiLib;
  try {
    lib = koffi.load('libnftables.so.1');
  } catch (err) {
    throw new KernelError('nft', 0, `libnftables.so.1 not found (install Debian package libnftables1): ${String(err)}`);
  }
  koffi.opaque('nft_ctx');
  const ctxFree = lib.func('void nft_ctx_free(nft_ctx *ctx)');
  api = {
    ctxNew: lib.func('nft_ctx * nft_ctx_new(uint32_t flags)'),
    ctxFree,
    ctxFreeAsync: (ctx, done) => { ctxFree.async(ctx, done); },
    runCmd: lib.func('int nft_run_cmd_from_buffer(nft_ctx *ctx, const char *buf)'),
    bufferOutput: lib.func('int nft_ctx_buffer_output(nft_ctx *ctx)'),
    bufferError: lib.func('int nft_ctx_buffer_error(nft_ctx *ctx)'),
    getOutput: lib.func('const char *nft_ctx_get_output_buffer(nft_ctx *ctx)'),
    getError: lib.func('const char *nft_ctx_get_error_buffer(nft_ctx *ctx)'),
    setOutputFlags: lib.func('void nft_ctx_output_set_flags(nft_ctx *ctx, uint32_t flags)'),
  } as NftApi;
  return api;
}

/** One libnftables context. Not thread-safe; free it with close(). */
export class NftContext {
  private ctx: unknown;

  constructor(outputFlags = 0) {
    const a = loadApi();
    this.ctx = a.ctxNew(NFT_CTX_DEFAULT);
    if (!this.ctx) throw new KernelError('nft', 0, 'nft_ctx_new failed');
    a.bufferOutput(this.ctx);
    a.bufferError(this.ctx);
    if (outputFlags) a.setOutputFlags(this.ctx, outputFlags);
  }

  /** Runs a script (one transaction); returns its output or throws with nft's error text. */
  run(script: string): string {
    const a = loadApi();
    if (!this.ctx) throw new KernelError('nft', 0, 'context already closed');
    const rc = a.runCmd(this.ctx, script);
    const out = a.getOutput(this.ctx) ?? '';
    if (rc !== 0) {
      const msg = (a.getError(this.ctx) ?? '').trim();
      throw new KernelError('nft', 0, msg || `nft_run_cmd_from_buffer returned ${rc}`);
    }
    return out;
  }

  close(): void {
    if (this.ctx) loadApi().ctxFree(this.ctx);
    this.ctx = undefined;
  }

  /**
   * Frees the context on a koffi worker thread. After a transaction that
   * deleted objects, closing the nfnetlink socket waits for the kernel's
   * deferred destruction (an RCU grace period, 5-25 ms here); off the main
   * thread that wait overlaps with other blocking work, such as a link
   * removal waiting for its own grace period.
   */
  closeAsync(): Promise<void> {
    const ctx = this.ctx;
    this.ctx = undefined;
    if (!ctx) return Promise.resolve();
    return new Promise((resolve, reject) => {
      loadApi().ctxFreeAsync(ctx, (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
    });
  }
}
