// The ImageMatching model's rule: its icon threshold at every wiki size (values computed with the model's own
// Python get_threshold), the exact boundary (a count equal to the threshold is no icon, one above is), the names
// the model never suggests, and the page test over images and known usage counts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canBeIcon,
  hasPageImage,
  iconThreshold,
  imageStatus,
  isUnsuggestableName,
  judgeImages,
  smallestIconCount,
  type UsageCount,
} from '../../../lib/illustration/model-rule.ts';

describe('iconThreshold follows get_threshold', () => {
  // [articles, threshold as Python 3 prints get_threshold(articles), smallest icon count]
  const cases: Array<[number, number, number]> = [
    [0, 3.75, 4],
    [1, 3.75, 4],
    [12_500, 3.75, 4],
    [13_333, 3.9999000000000002, 4],
    [20_000, 6, 7],
    [49_999, 14.999699999999999, 15],
    [50_000, 15, 16],
    [150_000, 22.156818820794935, 23],
    [500_000, 30, 31],
    [1_000_000, 34.51544993495972, 35],
    [2_900_000, 41.451419903444055, 42],
    [5_000_000, 45, 46],
    [6_900_000, 47.09818629601855, 48],
    [50_000_000, 59.99999999999999, 60],
  ];
  for (const [articles, threshold, smallest] of cases) {
    test(`${articles} articles: threshold ${threshold}, icons from ${smallest} uses`, () => {
      assert.equal(iconThreshold(articles), threshold);
      assert.equal(smallestIconCount(iconThreshold(articles)), smallest);
    });
  }

  test('an English Wikipedia of 6.9 million articles makes a file linked from 48 articles an icon, 47 not', () => {
    const threshold = iconThreshold(6_900_000);
    assert.equal(imageStatus('Photo.jpg', { count: 47, complete: true }, threshold), 'counts');
    assert.equal(imageStatus('Photo.jpg', { count: 48, complete: true }, threshold), 'icon');
  });

  test('a count exactly at an integral threshold is no icon, one more is', () => {
    const threshold = iconThreshold(50_000);
    assert.equal(threshold, 15);
    assert.equal(imageStatus('Photo.jpg', { count: 15, complete: true }, threshold), 'counts');
    assert.equal(imageStatus('Photo.jpg', { count: 16, complete: true }, threshold), 'icon');
  });

  test('at 50 million articles the model computes 59.99999999999999, so 60 uses already make an icon', () => {
    assert.equal(imageStatus('Photo.jpg', { count: 60, complete: true }, iconThreshold(50_000_000)), 'icon');
    assert.equal(imageStatus('Photo.jpg', { count: 59, complete: true }, iconThreshold(50_000_000)), 'counts');
  });

  test('on a tiny wiki four uses make an icon', () => {
    assert.equal(imageStatus('Photo.jpg', { count: 3, complete: true }, iconThreshold(800)), 'counts');
    assert.equal(imageStatus('Photo.jpg', { count: 4, complete: true }, iconThreshold(800)), 'icon');
  });
});

describe('imageStatus', () => {
  const threshold = 47.09818629601855;
  const cases: Array<[string, string, UsageCount | undefined, string]> = [
    ['an unknown count is unknown', 'Photo.jpg', undefined, 'unknown'],
    ['an exact count at most the threshold counts', 'Photo.jpg', { count: 1, complete: true }, 'counts'],
    ['no use at all counts (the page itself may not be linked yet)', 'Photo.jpg', { count: 0, complete: true }, 'counts'],
    ['a lower bound above the threshold is an icon', 'Flag_of_France.svg', { count: 48, complete: false }, 'icon'],
    ['a lower bound at most the threshold is still unknown', 'Flag_of_France.svg', { count: 47, complete: false }, 'unknown'],
    ['a name with a comma counts whatever its use: the model never lists it as an icon', 'Paris,_1900.jpg', { count: 5000, complete: true }, 'counts'],
    ['a name with a double quote counts without a count', 'The_"Star".jpg', undefined, 'counts'],
  ];
  for (const [behaviour, name, usage, status] of cases) {
    test(behaviour, () => {
      assert.equal(imageStatus(name, usage, threshold), status);
    });
  }

  test('canBeIcon is false exactly for names with a comma or a double quote', () => {
    assert.deepEqual(['A.jpg', 'A,_b.jpg', 'A"b".jpg', "A'b.jpg"].map(canBeIcon), [true, false, false, true]);
  });
});

describe('isUnsuggestableName', () => {
  const cases: Array<[string, boolean]> = [
    ['Flag_of_France.svg', true],
    ['Flag_map_of_Peru.png', true],
    ['Noimage.jpg', true],
    ['No_free_image_man_(en).svg', true],
    ['Image_manquante_2.png', true],
    ['Replace_this_image_female.png', true],
    ['Falta_imagem_pessoa.jpg', true],
    ['Noenzyimage.png', true],
    ['Noantimage.png', true],
    ['Disambig_gray.png', true],
    ['Regions_of_Peru.png', true],
    ['Default_portrait.jpg', true],
    ['Defaut.jpg', true],
    ['Eiffel_Tower_from_the_Champ_de_Mars.jpg', false],
    ['Cathedral.JPG', false],
    ['Logo.SVG', true],
    // The model lower-cases the name but spells this word in capitals: it never matches.
    ['ImageNA.png', false],
    // Substrings, not words: a photo of a Mapuche weaver is excluded as a "map".
    ['Mapuche_weaver.jpg', true],
  ];
  for (const [name, excluded] of cases) {
    test(`${name} ${excluded ? 'is never suggested' : 'may be suggested'}`, () => {
      assert.equal(isUnsuggestableName(name), excluded);
    });
  }
});

describe('judgeImages', () => {
  const threshold = iconThreshold(6_900_000);
  const usage: Record<string, UsageCount> = {
    'Flag_of_France.svg': { count: 48, complete: false },
    'Flag_of_Germany.svg': { count: 48, complete: false },
    'Eiffel_Tower.jpg': { count: 12, complete: true },
    'Partly_known.jpg': { count: 10, complete: false },
  };
  const usageOf = (name: string): UsageCount | undefined => usage[name];

  test('a page with only a flag icon is not illustrated and needs no look-up', () => {
    assert.deepEqual(judgeImages(['Flag_of_France.svg'], usageOf, threshold), {
      illustrated: false,
      counted: [],
      icons: ['Flag_of_France.svg'],
      unknown: [],
      lookups: [],
    });
  });

  test('a flag plus a known photo is illustrated by the photo', () => {
    const verdict = judgeImages(['Flag_of_France.svg', 'Eiffel_Tower.jpg'], usageOf, threshold);
    assert.equal(verdict.illustrated, true);
    assert.deepEqual(verdict.counted, ['Eiffel_Tower.jpg']);
    assert.deepEqual(verdict.icons, ['Flag_of_France.svg']);
  });

  test('one known non-icon needs no further look-ups, however many images are unknown', () => {
    const verdict = judgeImages(['New_1.jpg', 'Eiffel_Tower.jpg', 'New_2.jpg'], usageOf, threshold);
    assert.equal(verdict.illustrated, true);
    assert.deepEqual(verdict.unknown, ['New_1.jpg', 'New_2.jpg']);
    assert.deepEqual(verdict.lookups, []);
  });

  test('a name that can never be an icon illustrates without any look-up', () => {
    const verdict = judgeImages(['Flag_of_France.svg', 'Paris,_1900.jpg', 'New.jpg'], usageOf, threshold);
    assert.equal(verdict.illustrated, true);
    assert.deepEqual(verdict.lookups, []);
  });

  test('icons and unknown images leave the page undecided, looking up only the unknown ones', () => {
    const verdict = judgeImages(['Flag_of_France.svg', 'New.jpg', 'Partly_known.jpg', 'Flag_of_Germany.svg'], usageOf, threshold);
    assert.equal(verdict.illustrated, null);
    assert.deepEqual(verdict.lookups, ['New.jpg', 'Partly_known.jpg']);
  });

  test('a page without images is not illustrated and needs no look-up', () => {
    assert.deepEqual(judgeImages([], usageOf, threshold), { illustrated: false, counted: [], icons: [], unknown: [], lookups: [] });
  });

  test('a placeholder name is judged by its use like any file: the model does not test names on the page side', () => {
    assert.deepEqual(judgeImages(['Noimage.jpg'], () => ({ count: 2, complete: true }), threshold).counted, ['Noimage.jpg']);
    assert.deepEqual(judgeImages(['Noimage.jpg'], () => ({ count: 900, complete: false }), threshold).icons, ['Noimage.jpg']);
  });

  test('an image listed twice is looked up once', () => {
    assert.deepEqual(judgeImages(['New.jpg', 'New.jpg'], usageOf, threshold).lookups, ['New.jpg']);
  });
});

describe('hasPageImage', () => {
  const cases: Array<[string | null, string | null, boolean]> = [
    [null, null, false],
    ['Photo.jpg', null, true],
    [null, 'Free.jpg', true],
    ['Photo.jpg', 'Free.jpg', true],
  ];
  for (const [pageImage, pageImageFree, expected] of cases) {
    test(`page_image ${pageImage ?? 'absent'} and page_image_free ${pageImageFree ?? 'absent'}: ${expected ? 'illustrated' : 'not illustrated'}`, () => {
      assert.equal(hasPageImage({ pageImage, pageImageFree }), expected);
    });
  }
});
