// JSON.parse keeps the last of repeated keys and says nothing; log lines must not repeat one. This reads the raw text.

/** The keys that appear more than once in one object of a JSON text, as `path.key` (`key` at the top). */
export function duplicateKeys(text: string): string[] {
  let i = 0;
  const found: string[] = [];
  const space = () => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const string = (): string => {
    const start = i;
    i++; // opening quote
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      space();
      if (text[i] === '}') return void i++;
      for (;;) {
        space();
        const key = string();
        if (seen.has(key)) found.push(path ? `${path}.${key}` : key);
        seen.add(key);
        space();
        i++; // colon
        value(path ? `${path}.${key}` : key);
        space();
        if (text[i++] === '}') return;
      }
    }
    if (c === '[') {
      i++;
      space();
      if (text[i] === ']') return void i++;
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`);
        space();
        if (text[i++] === ']') return;
      }
    }
    if (c === '"') return void string();
    while (i < text.length && !/[,}\]\s]/.test(text[i]!)) i++; // number, true, false, null
  };
  value('');
  return found;
}
