// Reads the runnable parts of the Markdown docs: fenced code blocks by language, SQL statements, shell commands,
// links and heading anchors, so tests can run what the docs tell people to run and the docs cannot silently rot.
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';

export interface CodeBlock {
  /** First word of the info string, e.g. `sql`, `sh`, `yaml`. */
  lang: string;
  /** Second word of the info string, if any: a block id tests refer to (```sql batch-exclusions). */
  name: string | null;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  file: string;
}

/** Every fenced block (``` or ~~~, indented up to 3 spaces or inside list items) of a Markdown text. */
export function codeBlocks(markdown: string, file = 'markdown'): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)\s*([^`\s]*)?.*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const fence = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j]!;
      if (new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`).test(l)) break;
      // Content of a block inside a list item is indented like its fence.
      body.push(l.slice(Math.min(indent, l.length - l.trimStart().length)));
    }
    blocks.push({ lang: open[3] ?? '', name: open[4] || null, code: body.join('\n'), line: i + 1, file });
    i = j;
  }
  return blocks;
}

export function readCodeBlocks(path: string, lang?: string): CodeBlock[] {
  const blocks = codeBlocks(readFileSync(path, 'utf8'), path);
  return lang === undefined ? blocks : blocks.filter((b) => b.lang === lang);
}

/**
 * The statements of an SQL block: split at `;` ending a line (outside comments), `--` comment lines dropped.
 * Enough for documentation SQL; a `;` inside a string at a line end would split wrongly, so docs avoid that.
 */
export function sqlStatements(code: string): string[] {
  const statements: string[] = [];
  let current: string[] = [];
  // Inside a $$-quoted body (a DO block) a line's `;` ends a statement of the body, not of the block.
  let inDollarQuote = false;
  for (const line of code.split('\n')) {
    if (/^\s*--/.test(line)) continue;
    current.push(line);
    if ((line.match(/\$\$/g) ?? []).length % 2 === 1) inDollarQuote = !inDollarQuote;
    if (!inDollarQuote && /;\s*(--.*)?$/.test(line)) {
      const text = current.join('\n').replace(/;\s*(--.*)?$/, '').trim();
      if (text) statements.push(text);
      current = [];
    }
  }
  const rest = current.join('\n').trim();
  if (rest) statements.push(rest);
  return statements;
}

export interface ShellCommand {
  /** The command with backslash continuations joined into one line. */
  text: string;
  /** Words as the shell would split them (quotes removed, no expansion). */
  words: string[];
  block: CodeBlock;
}

/** Shell words of one command line: single and double quotes, backslash escapes; stops at an unquoted `#` or `|`. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word += line.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? line.length : end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length) j++;
        word += line[j];
      }
      i = j;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if ((c === '#' && !inWord) || c === '|' || c === '&' || c === ';' || c === '>') {
      break;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** The commands of shell blocks: continuation lines joined, blank and comment lines skipped. */
export function shellCommands(blocks: readonly CodeBlock[]): ShellCommand[] {
  const commands: ShellCommand[] = [];
  for (const block of blocks) {
    let pending = '';
    for (const raw of block.code.split('\n')) {
      const line = raw.trim();
      if (!pending && (line === '' || line.startsWith('#'))) continue;
      if (line.endsWith('\\')) {
        pending += `${line.slice(0, -1)} `;
        continue;
      }
      const text = pending + line;
      pending = '';
      commands.push({ text, words: shellWords(text), block });
    }
  }
  return commands;
}

/** The `--long` options a command uses (`--name` of `--name=value` too). */
export function longOptions(words: readonly string[]): string[] {
  return words.filter((w) => /^--[a-z]/.test(w)).map((w) => w.replace(/=.*$/, ''));
}

export interface MarkdownLink {
  text: string;
  target: string;
  line: number;
}

/** Inline links `[text](target)` outside code blocks and code spans. */
export function markdownLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  let inFence = false;
  markdown.split('\n').forEach((line, index) => {
    if (/^\s*(`{3,}|~{3,})/.test(line)) inFence = !inFence;
    if (inFence) return;
    const text = line.replace(/`[^`]*`/g, (span) => ' '.repeat(span.length));
    for (const m of text.matchAll(/\[([^\]]*)\]\(([^)\s]+)\)/g)) links.push({ text: m[1]!, target: m[2]!, line: index + 1 });
  });
  // A link text may wrap onto the next line: join pairs of lines to catch `[docs/x,\nY](target)`.
  const joined = markdown.replace(/`[^`\n]*`/g, (s) => ' '.repeat(s.length));
  for (const m of joined.matchAll(/\[([^\]\n[]*\n[^\]\n[]*)\]\(([^)\s]+)\)/g)) {
    links.push({ text: m[1]!.replace(/\n/g, ' '), target: m[2]!, line: joined.slice(0, m.index).split('\n').length });
  }
  return links;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, duplicates numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(`{3,}|~{3,})/.test(line)) inFence = !inFence;
    const m = !inFence && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1]!
      .toLowerCase()
      .replace(/<[^>]+>/g, '')
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

export interface ShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one documented command line with bash (`set -euo pipefail`), asynchronously: the command may call a server
 * in this very process (an admin API under test), which a synchronous spawn would block.
 */
export function runShell(command: string, options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -euo pipefail; ${command}`], { cwd: options.cwd, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
