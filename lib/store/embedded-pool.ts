// An embedded PostgreSQL (PGlite, Postgres compiled to WebAssembly) behind the subset of pg.Pool the router uses,
// so a run without a database server executes the same migrations and the same SQL. One connection: queries are
// serialised, and a checked-out client holds it exclusively, which keeps transactions isolated.
import { PGlite, types } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';

interface QueryResultLike {
  rows: Record<string, unknown>[];
  rowCount: number;
  command: string;
  fields: Array<{ name: string; dataTypeID: number }>;
}

// node-postgres returns int8 and numeric as strings (they may not fit a JS number); do the same here so code and
// tests behave identically on both back ends.
const AS_STRING = (value: string) => value;
const PARSERS = { [types.INT8]: AS_STRING, [types.NUMERIC]: AS_STRING };

export class EmbeddedPool {
  private readonly db: PGlite;
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new PGlite(dataDir, { parsers: PARSERS });
  }

  /** Run `fn` with the connection to itself; everything else waits. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async run(text: string, values?: unknown[]): Promise<QueryResultLike> {
    if (this.closed) throw Object.assign(new Error('embedded database is closed'), { code: '57P01' });
    if (!values || values.length === 0) {
      // Several statements without parameters (migrations) take the simple query protocol, as with pg.
      const results = await this.db.exec(text);
      const last = results[results.length - 1];
      return toPgResult(last?.rows ?? [], last?.affectedRows, last?.fields ?? [], text);
    }
    const r = await this.db.query<Record<string, unknown>>(text, values);
    return toPgResult(r.rows, r.affectedRows, r.fields, text);
  }

  query(text: string | { text: string; values?: unknown[] }, values?: unknown[]): Promise<QueryResultLike> {
    const sql = typeof text === 'string' ? text : text.text;
    const params = typeof text === 'string' ? values : (text.values ?? values);
    return this.exclusive(() => this.run(sql, params));
  }

  /** A client that owns the connection until release(), like a pooled pg client inside a transaction. */
  async connect(): Promise<{ query: EmbeddedPool['query']; release: (err?: unknown) => void; on: () => void; removeListener: () => void }> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let acquired!: () => void;
    const ready = new Promise<void>((resolve) => (acquired = resolve));
    void this.exclusive(async () => {
      acquired();
      await held;
    });
    await ready;
    return {
      query: (text, values) => {
        const sql = typeof text === 'string' ? text : text.text;
        const params = typeof text === 'string' ? values : (text.values ?? values);
        return this.run(sql, params);
      },
      release: () => release(),
      // The embedded connection cannot be lost under a client: nothing to listen for.
      on: () => undefined,
      removeListener: () => undefined,
    };
  }

  on(): this {
    return this;
  }

  async end(): Promise<void> {
    await this.exclusive(async () => {
      this.closed = true;
      await this.db.close();
    });
  }
}

function toPgResult(rows: Record<string, unknown>[], affected: number | undefined, fields: Array<{ name: string; dataTypeID: number }>, text: string): QueryResultLike {
  const command = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? '';
  const rowCount = command === 'SELECT' || command === 'WITH' ? rows.length : (affected ?? rows.length);
  return { rows, rowCount, command, fields };
}
