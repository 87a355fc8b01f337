// Parent/child revision pairs derived from real corpus articles: what diffImages(extractImages(parent),
// extractImages(child)) reports for the edits the router sees (add, remove, rename, move, revert, ...).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { explainImages, extractImages } from '../../../lib/wikitext/extract-images.ts';
import type { ImageOccurrence } from '../../../lib/wikitext/extract-images.ts';
import { diffImages } from '../../../lib/wikitext/image-diff.ts';
import type { ImageDiff } from '../../../lib/wikitext/image-diff.ts';
import { corpusAvailable, corpusDir, loadArticle } from './corpus.ts';
import type { Article } from './corpus.ts';

function diffOf(article: Article, parent: string | null, child: string): ImageDiff {
  return diffImages(parent === null ? null : extractImages(parent, article.names), extractImages(child, article.names));
}

/** A line holding exactly one link embed, of an image embedded nowhere else on the page. */
function soleLinkLine(article: Article): { occurrence: ImageOccurrence; lineText: string } {
  const occurrences = explainImages(article.text, article.names);
  const lines = article.text.split('\n');
  for (const occurrence of occurrences) {
    if (occurrence.kind !== 'link') continue;
    if (occurrences.filter((o) => o.image === occurrence.image || o.line === occurrence.line).length !== 1) continue;
    const lineText = lines[occurrence.line - 1]!;
    if (lineText.trimStart().startsWith('[[') && lineText.trimEnd().endsWith(']]')) return { occurrence, lineText };
  }
  throw new Error(`${article.id} has no line with a single image link`);
}

function withoutLine(text: string, lineText: string): string {
  const at = text.indexOf(`${lineText}\n`);
  assert.ok(at >= 0);
  return text.slice(0, at) + text.slice(at + lineText.length + 1);
}

/** The text after the lead's first blank line: a place where a new paragraph or image fits. */
function afterFirstParagraph(text: string): number {
  const at = text.indexOf('\n\n', text.indexOf("'''"));
  assert.ok(at > 0);
  return at + 1;
}

const insertAt = (text: string, at: number, inserted: string): string => text.slice(0, at) + inserted + text.slice(at);

if (!corpusAvailable) {
  test('edit pairs built from corpus articles', (t) => {
    t.skip(`corpus not found at ${corpusDir} (set CORPUS_DIR to run these tests)`);
  });
} else {
  describe('edit pairs built from corpus articles', () => {
    const uk = loadArticle('enwiki/United-Kingdom.txt');
    const rnli = loadArticle('enwiki/rnli_stations.txt');
    const keilwelle = loadArticle('dewiki/Keilwelle.txt');

    test('adding an image link reports that image as added', () => {
      const child = insertAt(uk.text, afterFirstParagraph(uk.text), '[[File:Added test image.jpg|thumb|A new [[caption]]]]\n');
      const before = extractImages(uk.text, uk.names).length;
      assert.deepEqual(diffOf(uk, uk.text, child), { added: ['Added_test_image.jpg'], removed: [], unchanged: before });
    });

    test('adding an image to an empty infobox parameter reports it as added', () => {
      const article = loadArticle('enwiki/Altimont-Butler.txt');
      const child = article.text.replace(/\| image = +/, '| image = Altimont Butler 1999.jpg ');
      assert.notEqual(child, article.text);
      assert.deepEqual(diffOf(article, article.text, child).added, ['Altimont_Butler_1999.jpg']);
    });

    test('removing the only link to an image reports it as removed', () => {
      const { occurrence, lineText } = soleLinkLine(rnli);
      const diff = diffOf(rnli, rnli.text, withoutLine(rnli.text, lineText));
      assert.deepEqual(diff, { added: [], removed: [occurrence.image], unchanged: 173 });
    });

    test('removing one of two links to the same image removes nothing', () => {
      const child = insertAt(rnli.text, 0, '[[File:Tenby Lifeboat sheds - geograph.org.uk - 242734.jpg|thumb|again]]\n');
      assert.deepEqual(diffOf(rnli, child, rnli.text), { added: [], removed: [], unchanged: 174 });
    });

    test('renaming an image in a link is one removal and one addition', () => {
      const { occurrence, lineText } = soleLinkLine(uk);
      const renamed = lineText.replace(/^(\s*\[\[\s*File\s*:)[^|\]]+/, '$1Renamed picture.jpg');
      assert.notEqual(renamed, lineText);
      const diff = diffOf(uk, uk.text, uk.text.replace(lineText, renamed));
      assert.deepEqual([diff.added, diff.removed], [['Renamed_picture.jpg'], [occurrence.image]]);
    });

    test('moving an image link to another section is no change', () => {
      const { lineText } = soleLinkLine(uk);
      const removed = withoutLine(uk.text, lineText);
      const child = insertAt(removed, afterFirstParagraph(removed), `${lineText}\n`);
      assert.notEqual(child, uk.text);
      const diff = diffOf(uk, uk.text, child);
      assert.deepEqual([diff.added, diff.removed], [[], []]);
    });

    test('an unrelated text edit is no change', () => {
      const child = uk.text.replace('The United Kingdom', 'The present United Kingdom').replace(/\[\[London\]\]/, '[[London]] (the capital)');
      assert.notEqual(child, uk.text);
      const diff = diffOf(uk, uk.text, child);
      assert.deepEqual([diff.added, diff.removed], [[], []]);
    });

    test('a revert gives a removal, then the same image re-added', () => {
      const { occurrence, lineText } = soleLinkLine(uk);
      const a = uk.text;
      const b = withoutLine(a, lineText);
      assert.deepEqual(diffOf(uk, a, b).removed, [occurrence.image]);
      assert.deepEqual(diffOf(uk, b, a).added, [occurrence.image]);
      assert.deepEqual(diffOf(uk, b, a).removed, []);
    });

    test('a page creation adds every image of the page', () => {
      const diff = diffOf(rnli, null, rnli.text);
      assert.equal(diff.added.length, 174);
      assert.deepEqual([diff.removed, diff.unchanged], [[], 0]);
    });

    test('switching a German link from Datei: to Bild: is no change', () => {
      const child = keilwelle.text.replace('[[Datei:', '[[Bild:');
      assert.notEqual(child, keilwelle.text);
      assert.deepEqual(diffOf(keilwelle, keilwelle.text, child), { added: [], removed: [], unchanged: 7 });
    });

    test('adding a German Bild: link reports the image as added', () => {
      const child = `${keilwelle.text}\n[[Bild:Neue Welle.svg|mini|Eine neue Abbildung]]\n`;
      assert.deepEqual(diffOf(keilwelle, keilwelle.text, child).added, ['Neue_Welle.svg']);
    });

    test('an image added inside a comment is not counted, and uncommenting it adds it', () => {
      const hidden = insertAt(uk.text, afterFirstParagraph(uk.text), '<!-- [[File:Hidden idea.jpg|thumb|later]] -->\n');
      assert.deepEqual(diffOf(uk, uk.text, hidden).added, []);
      const shown = hidden.replace('<!-- [[File:Hidden idea.jpg|thumb|later]] -->', '[[File:Hidden idea.jpg|thumb|later]]');
      assert.deepEqual(diffOf(uk, hidden, shown).added, ['Hidden_idea.jpg']);
    });

    test('commenting out an existing image link removes it', () => {
      const { occurrence, lineText } = soleLinkLine(keilwelle);
      const child = keilwelle.text.replace(lineText, `<!-- ${lineText} -->`);
      assert.deepEqual(diffOf(keilwelle, keilwelle.text, child).removed, [occurrence.image]);
    });

    test('adding an image to a gallery reports it as added', () => {
      const goryeo = loadArticle('enwiki/Goryeo-ware.txt');
      const child = goryeo.text.replace('</gallery>', 'New celadon bowl.jpg|A bowl\n</gallery>');
      assert.deepEqual(diffOf(goryeo, goryeo.text, child).added, ['New_celadon_bowl.jpg']);
    });
  });
}
