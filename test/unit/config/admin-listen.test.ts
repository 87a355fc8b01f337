import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../lib/config/load.ts';

const config = (listen: string) => `source: {type: file, file: {paths: [e.ndjson]}}\nadmin: {listen: "${listen}"}\n`;

for (const [listen, valid] of [
  ['127.0.0.1:0', true],
  ['127.0.0.1:1', true],
  ['127.0.0.1:8686', true],
  ['0.0.0.0:59999', true],
  ['localhost:65535', true],
  ['127.0.0.1:65536', false],
  ['127.0.0.1:70000', false],
  ['127.0.0.1:99999', false],
  ['127.0.0.1:123456', false],
  ['127.0.0.1', false],
  [':8686', false],
] as const) {
  test(`admin.listen ${listen} is ${valid ? 'valid' : 'refused'}`, () => {
    if (valid) assert.equal(parseConfig(config(listen), {}).admin.listen, listen);
    else assert.throws(() => parseConfig(config(listen), {}), /admin\.listen/);
  });
}
