// Normalisation of file names to MediaWiki's DB-key form, and stripping of localised namespace prefixes.
// Both sides of every comparison (events, wikitext, database) go through these, so they must agree.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalFileTitle, normalizeFileTitle, stripFileNamespace } from '../../../lib/wikitext/file-title.ts';
import { defaultNamespaceNames } from '../../../lib/wikitext/siteinfo.ts';

describe('normalizeFileTitle', () => {
  const cases: Array<[string, string, string | null]> = [
    ['spaces become underscores', 'Foo bar.jpg', 'Foo_bar.jpg'],
    ['underscores stay underscores', 'Foo_bar.jpg', 'Foo_bar.jpg'],
    ['runs of spaces and underscores collapse', 'Foo  _ _bar.jpg', 'Foo_bar.jpg'],
    ['a tab makes a title invalid', 'Foo\t.jpg', null],
    ['surrounding spaces are trimmed', '  Foo.jpg  ', 'Foo.jpg'],
    ['the first letter is upper-cased', 'foo.jpg', 'Foo.jpg'],
    ['only the first letter is upper-cased', 'foo Bar baz.JPG', 'Foo_Bar_baz.JPG'],
    ['a non-Latin first letter is upper-cased', 'émile.png', 'Émile.png'],
    ['a Cyrillic first letter is upper-cased', 'москва.jpg', 'Москва.jpg'],
    ['a letter without single upper case stays', 'ßtraße.jpg', 'ßtraße.jpg'],
    ['letters without case are kept', '청자 어룡.jpg', '청자_어룡.jpg'],
    ['percent escapes are decoded as UTF-8', 'Caf%C3%A9%20noir.jpg', 'Café_noir.jpg'],
    ['a bad percent escape is left as written', 'Foo%zz%4.jpg', 'Foo%zz%4.jpg'],
    ['percent bytes that are not UTF-8 are left as written', 'Foo%FF.jpg', 'Foo%FF.jpg'],
    ['named entities are decoded', 'Tom &amp; Jerry &quot;1&quot;.jpg', 'Tom_&_Jerry_"1".jpg'],
    ['a decimal apostrophe entity is decoded', 'Saint&#39;s day.jpg', "Saint's_day.jpg"],
    ['a hexadecimal entity is decoded', 'Caf&#xE9;.jpg', 'Café.jpg'],
    ['a non-breaking space counts as a space', 'Foo&nbsp;bar.jpg', 'Foo_bar.jpg'],
    ['an unknown entity is left as written', 'Foo &bogus; bar.jpg', 'Foo_&bogus;_bar.jpg'],
    ['a leading colon is stripped', ':Foo.jpg', 'Foo.jpg'],
    ['directional marks are removed', 'Foo\u200e.jpg', 'Foo.jpg'],
    ['an empty title is invalid', '', null],
    ['a blank title is invalid', ' _ ', null],
    ['a pipe makes a title invalid', 'Foo|bar.jpg', null],
    ['brackets make a title invalid', 'Foo[1].jpg', null],
    ['braces make a title invalid', 'Foo{{x}}.jpg', null],
    ['a hash makes a title invalid', 'Foo#bar.jpg', null],
    ['angle brackets make a title invalid', 'Foo<b>.jpg', null],
    ['an entity that decodes to an angle bracket is invalid', 'Foo&lt;.jpg', null],
    ['a newline makes a title invalid', 'Foo\nbar.jpg', null],
    ['a control character makes a title invalid', 'Foo\u0001.jpg', null],
    ['a title over 255 bytes is invalid', `${'é'.repeat(130)}.jpg`, null],
    ['an ASCII title over 255 bytes is invalid', `${'A'.repeat(252)}.jpg`, null],
    ['a canonical ASCII title stays as it is', "Foo_(bar)_1,2-3+4!'.JPG", "Foo_(bar)_1,2-3+4!'.JPG"],
    ['a double underscore in an ASCII title collapses', 'Foo__bar.jpg', 'Foo_bar.jpg'],
    ['a trailing underscore is trimmed', 'Foo.jpg_', 'Foo.jpg'],
    ['a tilde run makes a title invalid', 'Foo~~~.jpg', null],
    ['a relative path is invalid', 'A/../b.jpg', null],
  ];
  for (const [behaviour, raw, expected] of cases) {
    test(`${behaviour}: ${JSON.stringify(raw)}`, () => {
      assert.equal(normalizeFileTitle(raw), expected);
    });
  }
});

describe('canonicalFileTitle', () => {
  test('names that look canonical come out as the full rules make them', () => {
    // A leading space is trimmed by the full rules and never takes the shortcut for canonical ASCII names, so
    // the two calls compare the shortcut with the full rules on the same name.
    const alphabet = ['A', 'Z', 'a', 'z', '0', '9', '_', '_', '.', ',', '(', ')', "'", '!', '+', '-', '/', '~', ' ', 'é'];
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    let shortcut = 0;
    for (let n = 0; n < 20_000; n++) {
      const length = 1 + Math.floor(random() * 12);
      let name = '';
      for (let i = 0; i < length; i++) name += alphabet[Math.floor(random() * alphabet.length)];
      const result = canonicalFileTitle(name);
      if (result === name) shortcut += 1;
      assert.equal(result, canonicalFileTitle(` ${name}`), JSON.stringify(name));
    }
    assert.ok(shortcut > 100, `${shortcut} names came out unchanged`);
  });
});

describe('stripFileNamespace', () => {
  const en = defaultNamespaceNames('enwiki');
  const de = defaultNamespaceNames('dewiki');
  const ru = defaultNamespaceNames('ruwiki');
  const cases: Array<[string, string, ReturnType<typeof defaultNamespaceNames>, string | null]> = [
    ['removes File:', 'File:Foo.jpg', en, 'Foo.jpg'],
    ['removes the Image: alias', 'Image:Foo.jpg', en, 'Foo.jpg'],
    ['matches the namespace case-insensitively', 'fILE:Foo.jpg', en, 'Foo.jpg'],
    ['allows blanks around the colon', ' File _: Foo.jpg', en, 'Foo.jpg'],
    ['removes a localised name', 'Datei:Foo.jpg', de, 'Foo.jpg'],
    ['removes a localised alias', 'bild:Foo.jpg', de, 'Foo.jpg'],
    ['removes a Cyrillic name case-insensitively', 'файл:Foo.jpg', ru, 'Foo.jpg'],
    ['treats underscores in a name as spaces', 'Tập_tin:Foo.jpg', defaultNamespaceNames('viwiki'), 'Foo.jpg'],
    ['returns null without a prefix', 'Foo.jpg', en, null],
    ['returns null for another namespace', 'Category:Foo', en, null],
    ['returns null for a name of another wiki', 'Datei:Foo.jpg', en, null],
    ['returns null for the Media namespace', 'Media:Foo.jpg', en, null],
  ];
  for (const [behaviour, title, names, expected] of cases) {
    test(`${behaviour}: ${JSON.stringify(title)}`, () => {
      assert.equal(stripFileNamespace(title, names), expected);
    });
  }

  test('composes with normalizeFileTitle into the DB key', () => {
    const rest = stripFileNamespace('Bild:  foo  bar.jpg', de);
    assert.equal(rest === null ? null : normalizeFileTitle(rest), 'Foo_bar.jpg');
  });
});

test('titles that are not valid UTF-8 are refused, as MediaWiki refuses them', () => {
  assert.equal(normalizeFileTitle('Bad\uFFFDname.jpg'), null);
  assert.equal(normalizeFileTitle('Lone\uD800surrogate.jpg'), null);
  assert.equal(normalizeFileTitle('Fine_😀.jpg'), 'Fine_😀.jpg');
});
