// What an `http` step's URI says without an event: its scheme, and its host when no template is inside the host.
// A constant `ftp://` URI, or a host outside `http.allowed_hosts`, would fail every event at run time (a dead letter
// each), so validation and the config check report them instead. A templated host cannot be known before an event.
import { isHostAllowed } from '../net/host-allowlist.ts';

/** The handler whose `uri` option this reads. */
export const HTTP_HANDLER = 'http';
const SCHEMES = ['http', 'https'];

export interface UriTarget {
  /** Lower case, without the colon; undefined when a template comes first. */
  scheme?: string;
  /** The host name, when the whole host is written out (no template in it). */
  host?: string;
  /** Why the URI can never be requested, when it cannot. */
  problem?: string;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
/** `scheme://authority` followed by the end of the authority, all before any template. */
const AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)[/?#]/;

/** What is known of one `uri` option (a template or a constant). */
export function uriTarget(uri: string): UriTarget {
  const at = uri.indexOf('{{');
  let target: UriTarget;
  if (at < 0) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return { problem: `${JSON.stringify(uri)} is not an absolute URI` };
    }
    target = { scheme: url.protocol.slice(0, -1).toLowerCase(), host: url.hostname };
  } else {
    const literal = uri.slice(0, at);
    target = {};
    const scheme = SCHEME.exec(literal)?.[1]?.toLowerCase();
    if (scheme !== undefined) target.scheme = scheme;
    const authority = AUTHORITY.exec(literal);
    if (authority && scheme !== undefined) {
      try {
        target.host = new URL(`${scheme}://${authority[1]}/`).hostname;
      } catch {
        /* not a host the runtime could call either: its error says so per event */
      }
    }
  }
  if (target.scheme !== undefined && !SCHEMES.includes(target.scheme)) {
    return { ...target, problem: `scheme "${target.scheme}:" is not supported: the http step calls http:// and https:// URIs only` };
  }
  return target;
}

/** Each http step's `uri` option with its path in the rule (`['steps', 2, 'http', 'uri']`). */
export function httpUris(steps: unknown): { path: (string | number)[]; uri: string }[] {
  if (!Array.isArray(steps)) return [];
  return steps.flatMap((step, i) => {
    const options = (step as Record<string, unknown> | null)?.[HTTP_HANDLER] as Record<string, unknown> | null | undefined;
    const uri = options?.uri;
    return typeof uri === 'string' ? [{ path: ['steps', i, HTTP_HANDLER, 'uri'], uri }] : [];
  });
}

/** A host an http step of a rule calls, and where its URI is written. */
export interface HttpHost {
  rule: string;
  host: string;
  file: string;
  line: number;
  column: number;
  /** `rule.steps[0].http.uri` */
  path: string;
}

/** The hosts outside `allowed` (the config's `http.allowed_hosts`), as rule problems at their URIs. */
export function disallowedHosts(hosts: readonly HttpHost[], allowed: readonly string[]): { file: string; line: number; column: number; path: string; reason: string }[] {
  const list = allowed.length > 0 ? allowed.join(', ') : 'none: it is empty';
  return hosts
    .filter((h) => !isHostAllowed(h.host, allowed))
    .map(({ file, line, column, path, host }) => ({ file, line, column, path, reason: `host ${host} is not in the config's http.allowed_hosts (${list})` }));
}
