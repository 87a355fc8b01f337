// Localised names of the File (6) and Media (-2) namespaces, per wiki: bundled defaults for the largest
// Wikipedias (so tests and the demo need no network) and a parser for the live siteinfo API response.

/** Names and aliases by which wikitext can address namespace 6 (File) and -2 (Media). Matched case-insensitively. */
export interface FileNamespaceNames {
  file: string[];
  media: string[];
}

// `Image` is a global alias of the File namespace on every MediaWiki, so it is listed as canonical.
const CANONICAL_FILE = ['File', 'Image'];
const CANONICAL_MEDIA = ['Media'];

// Localised names and aliases from MediaWiki's MessagesXx.php and the wikis' $wgNamespaceAliases. Wikis
// not listed here (and a wiki whose names changed since) should load siteinfo instead.
const LOCALISED: Readonly<Record<string, { file: readonly string[]; media: readonly string[] }>> = {
  af: { file: ['Lêer', 'Beeld'], media: ['Media'] },
  ar: { file: ['ملف', 'صورة'], media: ['ميديا', 'وسائط'] },
  arz: { file: ['ملف', 'صورة'], media: ['ميديا', 'وسائط'] },
  ca: { file: ['Fitxer', 'Imatge'], media: ['Mèdia', 'Media'] },
  ceb: { file: ['Payl', 'Imahen'], media: ['Medya'] },
  cs: { file: ['Soubor', 'Obrázek'], media: ['Média'] },
  da: { file: ['Fil', 'Billede'], media: ['Medie'] },
  de: { file: ['Datei', 'Bild'], media: ['Medium'] },
  el: { file: ['Αρχείο', 'Εικόνα'], media: ['Μέσο', 'Μέσον'] },
  en: { file: [], media: [] },
  es: { file: ['Archivo', 'Imagen'], media: ['Medio'] },
  eu: { file: ['Fitxategi', 'Irudi'], media: ['Media'] },
  fa: { file: ['پرونده', 'تصویر'], media: ['مدیا', 'رسانه'] },
  fi: { file: ['Tiedosto', 'Kuva'], media: ['Media'] },
  fr: { file: ['Fichier'], media: ['Média'] },
  he: { file: ['קובץ', 'תמונה'], media: ['מדיה'] },
  hu: { file: ['Fájl', 'Kép'], media: ['Média'] },
  hy: { file: ['Պատկեր'], media: ['Մեդիա'] },
  id: { file: ['Berkas', 'Gambar'], media: ['Media'] },
  it: { file: ['File', 'Immagine'], media: ['Media'] },
  ja: { file: ['ファイル', '画像'], media: ['メディア'] },
  ko: { file: ['파일', '그림', '화일'], media: ['미디어'] },
  ms: { file: ['Fail', 'Imej'], media: ['Media'] },
  nl: { file: ['Bestand', 'Afbeelding'], media: ['Media'] },
  no: { file: ['Fil', 'Bilde'], media: ['Medium'] },
  pl: { file: ['Plik', 'Grafika'], media: ['Media'] },
  pt: { file: ['Ficheiro', 'Arquivo', 'Imagem'], media: ['Multimédia', 'Mídia', 'Média'] },
  ro: { file: ['Fișier', 'Fişier', 'Imagine'], media: ['Media'] },
  ru: { file: ['Файл', 'Изображение'], media: ['Медиа'] },
  sr: { file: ['Датотека', 'Слика', 'Datoteka', 'Slika'], media: ['Медиј', 'Medij', 'Медија'] },
  sv: { file: ['Fil', 'Bild'], media: ['Media'] },
  tr: { file: ['Dosya', 'Resim'], media: ['Medya'] },
  uk: { file: ['Файл', 'Зображення'], media: ['Медіа'] },
  vi: { file: ['Tập tin', 'Hình'], media: ['Phương tiện'] },
  zh: {
    file: ['文件', '檔案', '档案', '图像', '圖像', '图片', '圖片', '影像', '文檔', '文档'],
    media: ['媒体', '媒體', '媒体文件', '媒體檔案'],
  },
};

function unique(names: readonly string[]): string[] {
  return [...new Set(names.filter((name) => name.length > 0))];
}

/** `dewiki` → `de`, `zh_yuewiki` → `zh-yue`; a bare language code is accepted too. */
function languageOf(wiki: string): string {
  const id = wiki.trim().toLowerCase();
  const lang = id.endsWith('wiki') ? id.slice(0, -'wiki'.length) : id;
  return lang.replace(/_/g, '-');
}

// One frozen object per language: steps ask for every event, and stripNamespace caches its lookup per names array.
const bundled = new Map<string, FileNamespaceNames>();

/** Whether `wiki` (e.g. `dewiki`) has bundled localised names; for any other wiki only the canonical ones are known. */
export function hasBundledNamespaceNames(wiki: string): boolean {
  return Object.hasOwn(LOCALISED, languageOf(wiki));
}

/** Bundled namespace names for `wiki` (e.g. `dewiki`); unknown wikis get the canonical English names only. Frozen, shared. */
export function defaultNamespaceNames(wiki: string): FileNamespaceNames {
  const language = languageOf(wiki);
  // Own keys only: an id such as `constructorwiki` must not find a property of Object.prototype.
  const local = Object.hasOwn(LOCALISED, language) ? LOCALISED[language] : undefined;
  // Unknown languages share one entry, so event data cannot grow the map.
  const key = local ? language : '';
  let names = bundled.get(key);
  if (names === undefined) {
    names = Object.freeze({
      file: Object.freeze(unique([...(local?.file ?? []), ...CANONICAL_FILE])) as string[],
      media: Object.freeze(unique([...(local?.media ?? []), ...CANONICAL_MEDIA])) as string[],
    });
    bundled.set(key, names);
  }
  return names;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(detail: string): Error {
  return new Error(`Malformed siteinfo response: ${detail}`);
}

function namesOfNamespace(namespaces: Record<string, unknown>, id: number): string[] {
  const entry = namespaces[String(id)];
  if (!isRecord(entry)) throw malformed(`query.namespaces has no entry for namespace ${id}`);
  const names: string[] = [];
  for (const key of ['name', 'canonical'] as const) {
    const value = entry[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw malformed(`query.namespaces.${id}.${key} is not a string`);
    names.push(value);
  }
  if (names.length === 0) throw malformed(`query.namespaces.${id} has neither name nor canonical`);
  return names;
}

/** The query whose answer namespaceNamesFromSiteinfo reads (formatversion=2; `maxlag` added by the client). */
export function namespacesQuery(): Record<string, string> {
  return { action: 'query', meta: 'siteinfo', siprop: 'general|namespaces|namespacealiases', format: 'json', formatversion: '2' };
}

/**
 * Parses `action=query&meta=siteinfo&siprop=general|namespaces|namespacealiases&formatversion=2`.
 * Accepts the whole response body or its `query` member; throws an Error naming what is wrong otherwise.
 */
export function namespaceNamesFromSiteinfo(json: unknown): FileNamespaceNames {
  if (!isRecord(json)) throw malformed('expected a JSON object');
  if (isRecord(json.error)) {
    throw malformed(`API error ${String(json.error.code)}: ${String(json.error.info)}`);
  }
  const query = isRecord(json.query) ? json.query : json;
  const namespaces = query.namespaces;
  if (!isRecord(namespaces)) throw malformed('query.namespaces is missing or not an object');

  const file = namesOfNamespace(namespaces, 6);
  const media = namesOfNamespace(namespaces, -2);

  const aliases = query.namespacealiases ?? [];
  if (!Array.isArray(aliases)) throw malformed('query.namespacealiases is not a list');
  for (const [index, alias] of aliases.entries()) {
    if (!isRecord(alias) || typeof alias.id !== 'number' || typeof alias.alias !== 'string') {
      throw malformed(`query.namespacealiases[${index}] is not {id: number, alias: string}`);
    }
    if (alias.id === 6) file.push(alias.alias);
    else if (alias.id === -2) media.push(alias.alias);
  }
  return { file: unique([...file, ...CANONICAL_FILE]), media: unique([...media, ...CANONICAL_MEDIA]) };
}
