// An HTTP proxy in front of FakeMediaWiki that fails a share of requests the way a busy API does: 5xx,
// 429 with Retry-After, and requests that hang past the client's timeout. Deterministic (seeded), so a
// failing run can be repeated. `failureRate` 0 passes everything through.
import { createServer, request, type Server } from 'node:http';

export type FailureKind = 'status_503' | 'status_502' | 'status_429' | 'timeout';

export class FlakyProxy {
  failureRate = 0;
  /** How long a "timeout" request hangs before the socket is dropped (longer than mediawiki.timeout_ms). */
  hangMs = 2500;
  readonly injected: Record<FailureKind, number> = { status_503: 0, status_502: 0, status_429: 0, timeout: 0 };
  passed = 0;
  port = 0;
  private server: Server | null = null;
  private seed = 12345;

  constructor(private readonly upstreamPort: () => number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/{domain}/w/api.php`;
  }

  private random(): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2 ** 31;
    return this.seed / 2 ** 31;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (this.random() < this.failureRate) {
        const kinds: FailureKind[] = ['status_503', 'status_502', 'status_429', 'timeout'];
        const kind = kinds[Math.floor(this.random() * kinds.length)]!;
        this.injected[kind] += 1;
        if (kind === 'timeout') {
          const timer = setTimeout(() => req.socket.destroy(), this.hangMs);
          req.socket.once('close', () => clearTimeout(timer));
          return;
        }
        const status = Number(kind.slice('status_'.length));
        res.writeHead(status, { 'content-type': 'text/plain', ...(status === 429 ? { 'retry-after': '1' } : {}) });
        res.end(status === 429 ? 'Too many requests' : 'Service unavailable');
        return;
      }
      this.passed += 1;
      const upstream = request({ host: '127.0.0.1', port: this.upstreamPort(), path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
