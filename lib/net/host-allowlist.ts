// Outbound HTTP goes only to hosts an operator allowed. Patterns are exact host names or "*.example.org",
// which matches any subdomain (not example.org itself). Comparison is case-insensitive.

export function isHostAllowed(host: string, patterns: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return patterns.some((raw) => {
    const p = raw.toLowerCase();
    if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
    return h === p;
  });
}
