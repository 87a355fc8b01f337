// Bundled File/Media namespace names per wiki and the parser for the siteinfo API response.
// The bundled names must let the extractor work offline for the largest Wikipedias.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { defaultNamespaceNames, hasBundledNamespaceNames, namespaceNamesFromSiteinfo } from '../../../lib/wikitext/siteinfo.ts';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/wikitext/${name}`, import.meta.url), 'utf8'));

describe('defaultNamespaceNames', () => {
  const expected: Array<[string, string[], string[]]> = [
    ['enwiki', ['File', 'Image'], ['Media']],
    ['dewiki', ['Datei', 'Bild'], ['Medium']],
    ['frwiki', ['Fichier'], ['Média']],
    ['eswiki', ['Archivo', 'Imagen'], ['Medio']],
    ['jawiki', ['ファイル', '画像'], ['メディア']],
    ['ruwiki', ['Файл', 'Изображение'], ['Медиа']],
    ['itwiki', ['File', 'Immagine'], ['Media']],
    ['zhwiki', ['文件', '檔案', '图像', '圖像'], ['媒体', '媒體']],
    ['ptwiki', ['Ficheiro', 'Arquivo', 'Imagem'], ['Multimédia']],
    ['plwiki', ['Plik', 'Grafika'], ['Media']],
    ['nlwiki', ['Bestand', 'Afbeelding'], ['Media']],
    ['arwiki', ['ملف', 'صورة'], ['ميديا']],
    ['fawiki', ['پرونده', 'تصویر'], ['مدیا']],
    ['ukwiki', ['Файл', 'Зображення'], ['Медіа']],
    ['svwiki', ['Fil', 'Bild'], ['Media']],
    ['viwiki', ['Tập tin', 'Hình'], ['Phương tiện']],
    ['idwiki', ['Berkas', 'Gambar'], ['Media']],
    ['hewiki', ['קובץ', 'תמונה'], ['מדיה']],
    ['kowiki', ['파일', '그림'], ['미디어']],
    ['trwiki', ['Dosya', 'Resim'], ['Medya']],
    ['cawiki', ['Fitxer', 'Imatge'], ['Mèdia']],
    ['cswiki', ['Soubor', 'Obrázek'], ['Média']],
    ['afwiki', ['Lêer', 'Beeld'], ['Media']],
  ];
  for (const [wiki, file, media] of expected) {
    test(`${wiki} knows its localised file names and keeps the canonical File, Image and Media`, () => {
      const names = defaultNamespaceNames(wiki);
      for (const name of [...file, 'File', 'Image']) assert.ok(names.file.includes(name), `${wiki} lacks ${name}`);
      for (const name of [...media, 'Media']) assert.ok(names.media.includes(name), `${wiki} lacks ${name}`);
    });
  }

  test('an unknown wiki gets only the canonical names', () => {
    assert.deepEqual(defaultNamespaceNames('xxwiki'), { file: ['File', 'Image'], media: ['Media'] });
  });

  test('a bare language code and upper-case ids are accepted', () => {
    assert.deepEqual(defaultNamespaceNames('de'), defaultNamespaceNames('DEWIKI'));
  });

  test('no name is listed twice', () => {
    const names = defaultNamespaceNames('itwiki');
    assert.equal(new Set(names.file).size, names.file.length);
  });

  test('each language has one frozen object, shared by every caller; unknown wikis share one too', () => {
    assert.equal(defaultNamespaceNames('dewiki'), defaultNamespaceNames('de'));
    assert.notEqual(defaultNamespaceNames('dewiki'), defaultNamespaceNames('frwiki'));
    assert.equal(defaultNamespaceNames('xxwiki'), defaultNamespaceNames('yywiki'));
    const names = defaultNamespaceNames('dewiki');
    assert.ok(Object.isFrozen(names) && Object.isFrozen(names.file) && Object.isFrozen(names.media));
    assert.throws(() => names.file.push('Bild2'), TypeError);
  });
});

describe('hasBundledNamespaceNames', () => {
  const cases: Array<[string, boolean]> = [
    ['enwiki', true],
    ['dewiki', true],
    ['de', true],
    ['zhwiki', true],
    ['xxwiki', false],
    ['simplewiki', false],
    ['', false],
    ['constructorwiki', false],
  ];
  for (const [wiki, bundled] of cases) {
    test(`${wiki || 'an empty id'} ${bundled ? 'has' : 'has no'} bundled names`, () => {
      assert.equal(hasBundledNamespaceNames(wiki), bundled);
    });
  }

  test('a wiki id spelling a property of every object gets the canonical names', () => {
    assert.deepEqual(defaultNamespaceNames('constructorwiki'), { file: ['File', 'Image'], media: ['Media'] });
    assert.equal(defaultNamespaceNames('constructorwiki'), defaultNamespaceNames('xxwiki'));
  });
});

describe('namespaceNamesFromSiteinfo', () => {
  test('reads the local name, the canonical name and the aliases of namespaces 6 and -2', () => {
    const names = namespaceNamesFromSiteinfo(fixture('siteinfo-dewiki.json'));
    assert.deepEqual(names, { file: ['Datei', 'File', 'Bild', 'Image'], media: ['Medium', 'Media'] });
  });

  test('accepts the query member on its own', () => {
    const body = fixture('siteinfo-dewiki.json') as { query: unknown };
    assert.deepEqual(namespaceNamesFromSiteinfo(body.query), namespaceNamesFromSiteinfo(body));
  });

  test('adds the canonical names when the wiki does not list them', () => {
    const names = namespaceNamesFromSiteinfo({
      query: { namespaces: { '6': { id: 6, name: 'Lêer' }, '-2': { id: -2, name: 'Media' } } },
    });
    assert.deepEqual(names, { file: ['Lêer', 'File', 'Image'], media: ['Media'] });
  });

  const malformed: Array<[string, unknown, RegExp]> = [
    ['a non-object', 'nope', /expected a JSON object/],
    ['an API error', { error: { code: 'maxlag', info: 'Waiting for db' } }, /maxlag: Waiting for db/],
    ['a response without namespaces', { query: {} }, /query\.namespaces is missing/],
    ['a response without namespace 6', { query: { namespaces: { '-2': { name: 'Media' } } } }, /namespace 6/],
    ['a namespace name that is not a string', { query: { namespaces: { '6': { name: 6 }, '-2': { name: 'M' } } } }, /6\.name/],
    [
      'an alias list that is not a list',
      { query: { namespaces: { '6': { name: 'File' }, '-2': { name: 'Media' } }, namespacealiases: {} } },
      /namespacealiases is not a list/,
    ],
    [
      'an alias without id',
      { query: { namespaces: { '6': { name: 'File' }, '-2': { name: 'Media' } }, namespacealiases: [{ alias: 'X' }] } },
      /namespacealiases\[0\]/,
    ],
  ];
  for (const [what, json, message] of malformed) {
    test(`throws a clear error on ${what}`, () => {
      assert.throws(() => namespaceNamesFromSiteinfo(json), message);
    });
  }
});
