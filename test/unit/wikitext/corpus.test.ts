// The extractor against every real article of the shared corpus: it must agree with a simple independent
// oracle, and known pages must give known answers. Skips (saying where it looked) when there is no corpus.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { explainImages, extractImages } from '../../../lib/wikitext/extract-images.ts';
import { defaultNamespaceNames } from '../../../lib/wikitext/siteinfo.ts';
import { corpusAvailable, corpusDir, loadArticle, loadArticles, oracle } from './corpus.ts';

const missing = `corpus not found at ${corpusDir} (set CORPUS_DIR to run these tests)`;

if (!corpusAvailable) {
  test('every corpus article agrees with the oracle', (t) => {
    t.skip(missing);
  });
  test('known corpus pages give known answers', (t) => {
    t.skip(missing);
  });
} else {
  describe('every corpus article agrees with the oracle', () => {
    for (const article of loadArticles()) {
      test(`${article.id} yields exactly the links, gallery lines and parameter values the oracle sees`, () => {
        const images = extractImages(article.text, article.names);
        const expected = oracle(article.text, article.names);
        for (const image of expected.links) assert.ok(images.includes(image), `link to ${image} not found`);
        for (const image of expected.gallery) assert.ok(images.includes(image), `gallery image ${image} not found`);
        for (const image of expected.params) assert.ok(images.includes(image), `parameter image ${image} not found`);
        assert.deepEqual(images, expected.all, 'found images the oracle does not see');
      });
    }
  });

  describe('known corpus pages give known answers', () => {
    const images = (id: string): string[] => {
      const article = loadArticle(id);
      return extractImages(article.text, article.names);
    };

    test('enwiki/rnli_stations.txt embeds its 174 linked images', () => {
      const article = loadArticle('enwiki/rnli_stations.txt');
      const occurrences = explainImages(article.text, article.names);
      assert.equal(extractImages(article.text, article.names).length, 174);
      assert.ok(occurrences.every((occurrence) => occurrence.kind === 'link'));
      assert.ok(occurrences.some((o) => o.image === 'Tenby_Lifeboat_sheds_-_geograph.org.uk_-_242734.jpg' && o.line === 4));
    });

    test('enwiki/Goryeo-ware.txt has five gallery images and an infobox image', () => {
      const article = loadArticle('enwiki/Goryeo-ware.txt');
      const occurrences = explainImages(article.text, article.names);
      const gallery = occurrences.filter((occurrence) => occurrence.kind === 'gallery').map((o) => o.image);
      assert.deepEqual(gallery, [
        '청자_어룡_모양_주전자.jpg',
        'Goryeo_Celadon.jpg',
        '청자_거북이_모양_주자.jpg',
        '청자_상감_모란_넝쿨_무늬_조롱박_모양_주전자.jpg',
        'Korea-Goryeo_Dynasty-Wine_ewer_in_the_shape_of_a_seated_immortal-01.jpg',
      ]);
      assert.ok(images('enwiki/Goryeo-ware.txt').includes('Korea_-_Seoul_-_National_Museum_-_Incense_Burner_0252-06a.jpg'));
    });

    test('dewiki/Keilwelle.txt embeds its seven Datei: images', () => {
      const found = images('dewiki/Keilwelle.txt');
      assert.equal(found.length, 7);
      const article = loadArticle('dewiki/Keilwelle.txt');
      assert.ok(explainImages(article.text, article.names).every((occurrence) => occurrence.kind === 'link'));
    });

    test('enwiki/redirect.txt yields no images', () => {
      assert.deepEqual(images('enwiki/redirect.txt'), []);
    });

    test('German articles filed under enwiki embed nothing when read with English names', () => {
      const article = loadArticle('enwiki/Bazooka.txt');
      assert.equal(extractImages(article.text, article.names).length, 26);
      assert.deepEqual(extractImages(article.text, defaultNamespaceNames('enwiki')), []);
    });

    test('enwiki/United-Kingdom.txt counts infobox, multiple-image, double-image and audio embeds but not a colon link', () => {
      const found = images('enwiki/United-Kingdom.txt');
      for (const image of [
        'Flag_of_the_United_Kingdom.svg',
        'Royal_Coat_of_Arms_of_the_United_Kingdom.svg',
        'EU-United_Kingdom.svg',
        'Keswick_Panorama_-_Oct_2009.jpg',
        'Queen_Elizabeth_II_in_March_2015.jpg',
        'The_City_London.jpg',
        'London_MMB_»007_River_Thames_and_Canary_Wharf.jpg',
        'United_States_Navy_Band_-_God_Save_the_Queen.ogg',
        'United_Kingdom_(+overseas_territories_and_crown_dependencies)_in_the_World_(+Antarctica_claims).svg',
        'Inside_the_Reef_Cayman.jpg',
      ]) {
        assert.ok(found.includes(image), `${image} not found`);
      }
      assert.ok(!found.includes('Royal_Coat_of_Arms_of_the_United_Kingdom_(Scotland).svg'));
    });

    test('enwiki/toronto.txt counts the image parameter whose value is followed by a comment', () => {
      const article = loadArticle('enwiki/toronto.txt');
      const skyline = explainImages(article.text, article.names).find((o) => o.image === 'Montage_of_Toronto_7.jpg');
      assert.equal(skyline?.kind, 'template-param');
      assert.equal(skyline?.line, 13);
    });

    test('enwiki/Altimont-Butler.txt has an empty image parameter with a comment, so no image', () => {
      assert.deepEqual(images('enwiki/Altimont-Butler.txt'), []);
    });

    test('afwiki/africaans.txt embeds a Lêer: image', () => {
      const article = loadArticle('afwiki/africaans.txt');
      const links = explainImages(article.text, article.names).filter((o) => o.kind === 'link');
      assert.deepEqual(links.map((o) => o.image), ['Satellite_image_of_Great_Britain_and_Northern_Ireland_in_April_2002.jpg']);
    });
  });
}
