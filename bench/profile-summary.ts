// Summarises a V8 .cpuprofile (from `bench/run.ts --profile DIR`): self time by function and by file,
// and inclusive time of the router's own modules, so a profile reads without DevTools.
//   node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top 25]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ options: { top: { type: 'string' } }, allowPositionals: true });
const top = Number(values.top ?? 25);
if (positionals.length === 0) {
  console.error('usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top N]');
  process.exit(2);
}

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const short = (url: string) => url.replace(/^file:\/\/.*?\/(lib|bench|node_modules)\//, '$1/').replace(/^node:/, 'node:');
  const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

  const fnSelf = new Map<string, number>();
  const fileSelf = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    fnSelf.set(label(node), (fnSelf.get(label(node)) ?? 0) + us);
    const f = short(node.callFrame.url) || `(${node.callFrame.functionName || 'native'})`;
    fileSelf.set(f, (fileSelf.get(f) ?? 0) + us);
    // Inclusive per lib/ file: count each sample once per distinct lib file on its stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const url = short(byId.get(cur)!.callFrame.url);
      if (url.startsWith('lib/') && !seen.has(url)) {
        seen.add(url);
        inclusive.set(url, (inclusive.get(url) ?? 0) + us);
      }
    }
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const show = (title: string, m: Map<string, number>) => {
    console.log(`\n${title}`);
    for (const [k, us] of [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us)}  ${k}`);
  };
  console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
  show('self time by function', fnSelf);
  show('self time by file', fileSelf);
  show('inclusive time by lib/ file', inclusive);
}
