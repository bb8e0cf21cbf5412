// An undo stack for ADD: every step that acquires something registers how to
// give it back, right after acquiring it. On failure the stack unwinds newest
// first and keeps going past errors, so one failed undo cannot strand the
// others; the original error is what the runtime sees.

export class UndoStack {
  private readonly steps: Array<{ what: string; undo: () => void | Promise<void> }> = [];

  push(what: string, undo: () => void | Promise<void>): void {
    this.steps.push({ what, undo });
  }

  /** Forget everything: ADD succeeded and the acquisitions now belong to the attachment. */
  commit(): void {
    this.steps.length = 0;
  }

  /** Unwinds newest first; returns what could not be undone. */
  async unwind(): Promise<string[]> {
    const failed: string[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop();
      if (!step) break;
      try {
        await step.undo();
      } catch (err) {
        failed.push(`${step.what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return failed;
  }
}
