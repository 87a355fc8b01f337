// Counts the lines of a growing file without reading it twice: newlines are counted in chunks, and each call reads
// only the bytes appended since the last one (a file that shrank was replaced, and is counted afresh).
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';

const CHUNK = 1024 * 1024;

/** Newlines in `buf[0, length)`. */
export function countNewlines(buf: Buffer, length = buf.length): number {
  let n = 0;
  for (let i = buf.indexOf(10, 0); i >= 0 && i < length; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

export class LineCounter {
  private bytes = 0;
  private newlines = 0;
  /** Whether bytes follow the last newline (a last line still being written, or one without a newline at EOF). */
  private partial = false;

  constructor(private readonly path: string) {}

  /** Lines in the file now; a last line without a newline counts when `final` (the file is not being appended to). */
  lines(final: boolean): number {
    this.refresh();
    return this.newlines + (final && this.partial ? 1 : 0);
  }

  private refresh(): void {
    if (!existsSync(this.path)) return;
    const fd = openSync(this.path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size < this.bytes) [this.bytes, this.newlines, this.partial] = [0, 0, false];
      const chunk = Buffer.allocUnsafe(CHUNK);
      while (this.bytes < size) {
        const n = readSync(fd, chunk, 0, Math.min(CHUNK, size - this.bytes), this.bytes);
        if (n === 0) break;
        this.newlines += countNewlines(chunk, n);
        this.partial = chunk[n - 1] !== 10;
        this.bytes += n;
      }
    } finally {
      closeSync(fd);
    }
  }
}
