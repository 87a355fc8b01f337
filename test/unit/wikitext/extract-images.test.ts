// Table-driven cases for every way wikitext embeds (or only mentions) a file, from DESIGN.md section 4,
// plus the guarantee that adversarial input is processed in linear time.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { countStringWork } from '../../helpers/string-work.ts';
import { explainImages, extractImages } from '../../../lib/wikitext/extract-images.ts';
import { defaultNamespaceNames } from '../../../lib/wikitext/siteinfo.ts';

interface Case {
  behaviour: string;
  wikitext: string;
  images: string[];
  wiki?: string;
}

function check(cases: readonly Case[]): void {
  for (const { behaviour, wikitext, images, wiki } of cases) {
    test(behaviour, () => {
      assert.deepEqual(extractImages(wikitext, defaultNamespaceNames(wiki ?? 'enwiki')), images);
    });
  }
}

describe('image links', () => {
  check([
    { behaviour: 'a plain file link is an embed', wikitext: 'x [[File:Foo.jpg]] y', images: ['Foo.jpg'] },
    { behaviour: 'options and a caption are allowed', wikitext: '[[File:Foo.jpg|thumb|left|200px|A caption]]', images: ['Foo.jpg'] },
    {
      behaviour: 'nested links in the caption keep the brackets balanced',
      wikitext: '[[File:X.jpg|thumb|caption with [[nested]] links and [[Page|piped]] ones]] [[File:After.png]]',
      images: ['After.png', 'X.jpg'],
    },
    {
      behaviour: 'an image embedded in a caption is found too',
      wikitext: '[[File:X.jpg|thumb|caption with [[nested]] links and [[File:Inner.png]]]]',
      images: ['Inner.png', 'X.jpg'],
    },
    { behaviour: 'templates in the caption do not end the link', wikitext: '[[File:A.jpg|thumb|{{lang|fr|Été}} [[B]]]]', images: ['A.jpg'] },
    { behaviour: 'the Image: alias works on every wiki', wikitext: '[[Image:Foo.jpg]] [[Image:Bar.jpg]]', images: ['Bar.jpg', 'Foo.jpg'], wiki: 'frwiki' },
    { behaviour: 'the namespace is matched case-insensitively', wikitext: '[[file:a.jpg]] [[IMAGE:b.jpg]] [[fIlE:c.jpg]]', images: ['A.jpg', 'B.jpg', 'C.jpg'] },
    { behaviour: 'spaces and underscores are equal in the name', wikitext: '[[File:Foo_bar.jpg]] [[File:Foo  bar.jpg]]', images: ['Foo_bar.jpg'] },
    { behaviour: 'whitespace after the brackets and around the colon is allowed', wikitext: '[[  File : foo.jpg |thumb]]', images: ['Foo.jpg'] },
    { behaviour: 'escapes in the target are decoded', wikitext: '[[File:Caf%C3%A9&amp;Bar.jpg]]', images: ['Café&Bar.jpg'] },
    { behaviour: 'a section fragment is ignored', wikitext: '[[File:Foo.jpg#section|thumb]]', images: ['Foo.jpg'] },
    { behaviour: 'a localised name is an embed', wikitext: '[[Datei:Foo.jpg|mini]]', images: ['Foo.jpg'], wiki: 'dewiki' },
    { behaviour: 'a localised alias is an embed', wikitext: '[[Bild:Foo.jpg|mini]]', images: ['Foo.jpg'], wiki: 'dewiki' },
    { behaviour: 'Russian names and aliases are embeds', wikitext: '[[Файл:А.jpg]] [[изображение:Б.jpg]]', images: ['А.jpg', 'Б.jpg'], wiki: 'ruwiki' },
    { behaviour: 'Japanese names and aliases are embeds', wikitext: '[[ファイル:A.jpg]][[画像:B.png]]', images: ['A.jpg', 'B.png'], wiki: 'jawiki' },
    { behaviour: 'Arabic names and aliases are embeds', wikitext: '[[ملف:A.jpg]] [[صورة:B.png]]', images: ['A.jpg', 'B.png'], wiki: 'arwiki' },
    { behaviour: 'Chinese aliases are embeds', wikitext: '[[文件:A.jpg]] [[檔案:B.jpg]] [[图像:C.jpg]]', images: ['A.jpg', 'B.jpg', 'C.jpg'], wiki: 'zhwiki' },
    { behaviour: 'Afrikaans names are embeds', wikitext: '[[Lêer:A.jpg]] [[Beeld:B.jpg]]', images: ['A.jpg', 'B.jpg'], wiki: 'afwiki' },
    { behaviour: 'a localised name of another wiki is just a link', wikitext: '[[Datei:Foo.jpg]]', images: [], wiki: 'enwiki' },
    { behaviour: 'a file link inside a template parameter is found', wikitext: '{{Infobox|image=[[File:A.jpg|200px]]|caption=x}}', images: ['A.jpg'] },
    { behaviour: 'a file link inside a reference is rendered and found', wikitext: 'x<ref>See [[File:A.jpg|20px]]</ref>', images: ['A.jpg'] },
    { behaviour: 'a file link inside code is rendered and found', wikitext: '<code>[[File:A.jpg]]</code>', images: ['A.jpg'] },
    { behaviour: 'an extra opening bracket is literal', wikitext: '[[[File:A.jpg]]]', images: ['A.jpg'] },
    { behaviour: 'the same image twice is listed once', wikitext: '[[File:A.jpg]] [[File:a.jpg|thumb]]', images: ['A.jpg'] },
    { behaviour: 'output is sorted', wikitext: '[[File:C.jpg]] [[File:A.jpg]] [[File:B.jpg]]', images: ['A.jpg', 'B.jpg', 'C.jpg'] },
  ]);
});

describe('not embeds', () => {
  check([
    { behaviour: 'a leading colon makes a link to the file page', wikitext: '[[:File:X.jpg]] [[ :File:Y.jpg|see]]', images: [] },
    { behaviour: 'Media: is a direct link to the file', wikitext: '[[Media:X.jpg]] [[media:Y.ogg|listen]]', images: [] },
    { behaviour: 'a localised Media name is a direct link', wikitext: '[[Medium:X.jpg]]', images: [], wiki: 'dewiki' },
    { behaviour: 'an interwiki prefix makes a link', wikitext: '[[commons:File:X.jpg]] [[de:Datei:Y.jpg]]', images: [] },
    { behaviour: 'a commented-out embed is not shown', wikitext: 'a <!-- [[File:X.jpg]] --> b', images: [] },
    { behaviour: 'an unterminated comment hides everything after it', wikitext: '[[File:A.jpg]] <!-- [[File:X.jpg]] \n\n [[File:Y.jpg]]', images: ['A.jpg'] },
    { behaviour: 'comment markers inside a comment do not nest', wikitext: '<!-- <!-- --> [[File:A.jpg]] -->', images: ['A.jpg'] },
    { behaviour: 'nowiki content is literal', wikitext: '<nowiki>[[File:X.jpg]]</nowiki> [[File:A.jpg]]', images: ['A.jpg'] },
    { behaviour: 'a self-closing nowiki is harmless', wikitext: '[[File:A.jpg]]<nowiki/> [[File:B.jpg]]', images: ['A.jpg', 'B.jpg'] },
    { behaviour: 'an unclosed nowiki is literal text and hides nothing', wikitext: '<nowiki> [[File:A.jpg]]', images: ['A.jpg'] },
    { behaviour: 'pre content is literal', wikitext: '<pre>[[File:X.jpg]]</pre>', images: [] },
    { behaviour: 'syntaxhighlight content is literal', wikitext: '<syntaxhighlight lang="text">[[File:X.jpg]]</syntaxhighlight>', images: [] },
    { behaviour: 'source content is literal', wikitext: '<source lang="text">[[File:X.jpg]]</source>', images: [] },
    { behaviour: 'math content is literal', wikitext: '<math>[[File:X.jpg]]</math>', images: [] },
    { behaviour: 'tags are matched case-insensitively', wikitext: '<NoWiki>[[File:X.jpg]]</NOWIKI >', images: [] },
    { behaviour: 'includeonly content is not shown on the page itself', wikitext: '<includeonly>[[File:X.jpg]]</includeonly>', images: [] },
    { behaviour: 'an unclosed image link is text', wikitext: '[[File:X.jpg|thumb|caption', images: [] },
    { behaviour: 'an image link whose caption never balances is text', wikitext: '[[File:X.jpg|thumb|a [[b]] [[c', images: [] },
    { behaviour: 'a target across lines is not a link', wikitext: '[[File:X\n.jpg]]', images: [] },
    { behaviour: 'a target built by a template cannot be known', wikitext: '[[File:{{PAGENAME}}.jpg]]', images: [] },
    { behaviour: 'an empty file name is nothing', wikitext: '[[File:]] [[File:|thumb]]', images: [] },
    { behaviour: 'a redirect to a file is not an embed', wikitext: '#REDIRECT [[File:X.jpg]]', images: [] },
    { behaviour: 'a redirect page yields nothing', wikitext: '#REDIRECT [[Toronto]]', images: [] },
    { behaviour: 'a category link is not an image', wikitext: '[[Category:Images]]', images: [] },
  ]);
});

describe('galleries and imagemaps', () => {
  check([
    {
      behaviour: 'each gallery line names an image, with or without prefix',
      wikitext: '<gallery>\nFile:A.jpg|caption\nB.jpg|caption\n\nImage:C.png\n  D.svg  |  indented\n</gallery>',
      images: ['A.jpg', 'B.jpg', 'C.png', 'D.svg'],
    },
    {
      behaviour: 'a gallery with attributes is read',
      wikitext: '<gallery mode="packed" heights="150px" caption="x">\nA.jpg|a\n</gallery>',
      images: ['A.jpg'],
    },
    { behaviour: 'a gallery tag is matched case-insensitively', wikitext: '<Gallery>\nA.jpg\n</GALLERY>', images: ['A.jpg'] },
    { behaviour: 'gallery lines use the localised prefix', wikitext: '<gallery>\nDatei:A.jpg|x\nBild:B.jpg\n</gallery>', images: ['A.jpg', 'B.jpg'], wiki: 'dewiki' },
    { behaviour: 'a gallery line with another namespace is skipped', wikitext: '<gallery>\nCategory:Foo\nA.jpg\n</gallery>', images: ['A.jpg'] },
    { behaviour: 'a commented gallery line is skipped', wikitext: '<gallery>\n<!-- A.jpg|x -->\nB.jpg\n</gallery>', images: ['B.jpg'] },
    {
      behaviour: 'links in gallery captions are not images but embeds there are',
      wikitext: '<gallery>\nA.jpg|[[Page|link]] and [[File:Icon.png|10px]]\n</gallery>',
      images: ['A.jpg', 'Icon.png'],
    },
    { behaviour: 'an unclosed gallery is text', wikitext: '<gallery>\nA.jpg\n', images: [] },
    { behaviour: 'a gallery in a comment is not shown', wikitext: '<!--<gallery>\nA.jpg\n</gallery>-->', images: [] },
    { behaviour: 'a gallery inside nowiki is literal', wikitext: '<nowiki><gallery>\nA.jpg\n</gallery></nowiki>', images: [] },
    {
      behaviour: 'the first line of an imagemap is its image and area links are not',
      wikitext: '<imagemap>\nFile:Map.png|400px|Map\nrect 0 0 10 10 [[File:Other.jpg]]\ndefault [[Page]]\n</imagemap>',
      images: ['Map.png'],
    },
    {
      behaviour: 'an imagemap skips blank and comment lines before its image',
      wikitext: '<imagemap>\n\n# a comment\nImage:Map.png|thumb\n</imagemap>',
      images: ['Map.png'],
    },
  ]);
});

// MediaWiki reads a gallery line with Title::newFromText(line, NS_FILE) and registers it only when the title is in
// the File namespace (TraditionalImageGallery::toHTML); ImageMap reads its first line with Title::newFromText(line)
// (no default namespace) and refuses anything but a File title (imagemap_no_image). A leading ':' means "main
// namespace, not the default" and is dropped before a namespace prefix is read.
describe('gallery and imagemap lines are titles as MediaWiki reads them', () => {
  check([
    { behaviour: 'a gallery line starting with a colon still names its file', wikitext: '<gallery>\n:File:Bar.jpg|caption\n</gallery>', images: ['Bar.jpg'] },
    { behaviour: 'a gallery line with a colon, blanks and a localised prefix names its file', wikitext: '<gallery>\n: Datei:Bar.jpg\n</gallery>', images: ['Bar.jpg'], wiki: 'dewiki' },
    { behaviour: 'a gallery line of a colon and a bare name is a main-namespace title, not a file', wikitext: '<gallery>\n:Bar.jpg|caption\n</gallery>', images: [] },
    { behaviour: 'a gallery line with two colons is not a title', wikitext: '<gallery>\n::File:Bar.jpg\n</gallery>', images: [] },
    { behaviour: 'a Media: gallery line is not registered as an image', wikitext: '<gallery>\nMedia:Bar.jpg|caption\nFile:Baz.jpg\n</gallery>', images: ['Baz.jpg'] },
    { behaviour: 'an interwiki gallery line is not a local image', wikitext: '<gallery>\ncommons:File:Bar.jpg\n</gallery>', images: [] },
    { behaviour: 'a gallery line keeps its percent escapes decoded', wikitext: '<gallery>\nFile:Bar%20baz.jpg\n</gallery>', images: ['Bar_baz.jpg'] },
    { behaviour: 'an imagemap image without a File prefix is refused', wikitext: '<imagemap>\nMap.png|400px\nrect 0 0 10 10 [[Page]]\n</imagemap>', images: [] },
    { behaviour: 'an imagemap image with a Media: prefix is refused', wikitext: '<imagemap>\nMedia:Map.png|400px\n</imagemap>', images: [] },
    { behaviour: 'an imagemap image in another namespace is refused', wikitext: '<imagemap>\nCategory:Map.png\n</imagemap>', images: [] },
    { behaviour: 'an imagemap image with the localised prefix is accepted', wikitext: '<imagemap>\nDatei:Map.png|400px\n</imagemap>', images: ['Map.png'], wiki: 'dewiki' },
    { behaviour: 'an imagemap image with a leading colon is still a File title', wikitext: '<imagemap>\n:File:Map.png|400px\n</imagemap>', images: ['Map.png'] },
    { behaviour: 'an imagemap image keeps a percent escape, which no title may hold', wikitext: '<imagemap>\nFile:Map%20x.png\n</imagemap>', images: [] },
    { behaviour: 'an imagemap image decodes character references as titles do', wikitext: '<imagemap>\nFile:Caf&eacute;.png\n</imagemap>', images: ['Café.png'] },
    { behaviour: 'a refused imagemap image is not replaced by a later line', wikitext: '<imagemap>\nMap.png\nFile:Other.png\n</imagemap>', images: [] },
  ]);
});

describe('template parameters', () => {
  check([
    { behaviour: 'an infobox image parameter with a bare name is an embed', wikitext: '{{Infobox person\n| name = X\n| image = Foo.jpg\n}}', images: ['Foo.jpg'] },
    { behaviour: 'numbered and suffixed image parameters count', wikitext: '{{Infobox|image1=A.jpg|image_skyline=B.png|logo=C.svg}}', images: ['A.jpg', 'B.png', 'C.svg'] },
    { behaviour: 'German and Spanish parameter names count', wikitext: '{{Infobox|Bild=A.jpg}} {{Ficha|imagen=B.jpg}}', images: ['A.jpg', 'B.jpg'], wiki: 'dewiki' },
    {
      behaviour: 'every image of a Multiple image template counts',
      wikitext: '{{Multiple image|align=right|image1=A.jpg|width1=100|caption1=[[A|a]]|image2 = B b.jpg |caption2=b}}',
      images: ['A.jpg', 'B_b.jpg'],
    },
    { behaviour: 'a value with a file prefix counts', wikitext: '{{Infobox|image=File:Foo.jpg}}', images: ['Foo.jpg'] },
    { behaviour: 'a value followed by a comment counts', wikitext: '{{Infobox|image = Foo.jpg <!-- do not change -->\n}}', images: ['Foo.jpg'] },
    { behaviour: 'media extensions are matched case-insensitively', wikitext: '{{Infobox|image=Foo.JPG|audio=Bar.Ogg}}', images: ['Bar.Ogg', 'Foo.JPG'] },
    {
      behaviour: 'positional file names count, as in the Gallery template',
      wikitext: '{{Gallery|title=T|File:A.jpg|cap a|File:B.jpg|cap b}}',
      images: ['A.jpg', 'B.jpg'],
    },
    { behaviour: 'positional bare names count, as in Wide image', wikitext: '{{wide image|Panorama.jpg|1800px|A view}}', images: ['Panorama.jpg'] },
    { behaviour: 'a value without a media extension is not a file', wikitext: '{{Infobox|image=Foo|name=Bar.txt|site=example.com}}', images: [] },
    { behaviour: 'a value with more than a file name is not a file', wikitext: '{{Infobox|caption=Seen in Foo.jpg style|image=Foo.jpg 200px}}', images: [] },
    { behaviour: 'a URL ending in a media extension is not a file', wikitext: '{{cite web|url=http://example.org/report.pdf|title=x}}', images: [] },
    { behaviour: 'an empty value is nothing', wikitext: '{{Infobox|image=|image_size=}}', images: [] },
    { behaviour: 'a value built by a nested template cannot be known', wikitext: '{{Infobox|image={{#property:P18}}}}', images: [] },
    { behaviour: 'parameters of an unclosed template are text', wikitext: '{{Infobox|image=Foo.jpg\n', images: [] },
    { behaviour: 'a template inside a commented block is not shown', wikitext: '<!-- {{Infobox|image=Foo.jpg}} -->', images: [] },
    { behaviour: 'the template name itself is not a parameter', wikitext: '{{Foo.jpg}}', images: [] },
    { behaviour: 'pipes inside a reference do not split the parameter', wikitext: '{{Infobox|image=<ref>a|b.jpg</ref>|logo=C.png}}', images: ['C.png'] },
    { behaviour: 'template arguments with defaults are not values', wikitext: '{{{image|Default.jpg}}}', images: [] },
    { behaviour: 'nested templates keep the outer parameters apart', wikitext: '{{A|x={{B|y=1}}|image=Foo.jpg}}', images: ['Foo.jpg'] },
  ]);
});

// Extension tags with wikitext content (<ref>, <gallery>, <poem>, ...) are parsed on their own, as in MediaWiki:
// a `[[` or `{{` left open inside ends with the tag. Text after such a tag once made the scanner loop forever,
// so a regression here shows as a test file that never ends (cancelled by the --test-timeout of scripts/test.sh).
describe('frames left open inside extension tags', () => {
  check([
    { behaviour: 'an unclosed link in a reference ends with it', wikitext: '<ref>[[Foo</ref> bar [[File:B.jpg]]', images: ['B.jpg'] },
    { behaviour: 'an unclosed template in a reference ends with it', wikitext: '<ref>{{Cite web|url=x</ref> bar [[File:B.jpg]]', images: ['B.jpg'] },
    {
      behaviour: 'a reference with attributes ends its unclosed link',
      wikitext: '<ref name="x" group=\'n\'>[[Foo|bar</ref> baz [[File:B.jpg]]',
      images: ['B.jpg'],
    },
    {
      behaviour: 'an unclosed link in a gallery caption ends with the gallery',
      wikitext: '<gallery>\nA.jpg|caption [[Foo\n</gallery> bar [[File:B.jpg]]',
      images: ['A.jpg', 'B.jpg'],
    },
    { behaviour: 'an unclosed link in a poem ends with it', wikitext: '<poem>[[Foo</poem> bar [[File:B.jpg]]', images: ['B.jpg'] },
    {
      behaviour: 'several references with unclosed links and templates are all ended',
      wikitext: '<ref>[[A</ref> x <ref>{{B|c</ref> y <ref name=c>[[C|{{D</ref> z [[File:E.jpg]] {{Infobox|image=F.png}}',
      images: ['E.jpg', 'F.png'],
    },
    {
      behaviour: 'a reference with an unclosed link leaves the enclosing template open',
      wikitext: '{{Infobox|caption=<ref>[[Foo</ref> text|image=A.jpg}}',
      images: ['A.jpg'],
    },
    {
      behaviour: 'a reference with an unclosed link leaves the enclosing image link open',
      wikitext: '[[File:A.jpg|thumb|caption<ref>[[Foo</ref> more]] [[File:B.jpg]]',
      images: ['A.jpg', 'B.jpg'],
    },
    { behaviour: 'a link closer after the closing tag does not close a link inside it', wikitext: '<ref>[[File:A.jpg</ref>]]', images: [] },
    { behaviour: 'such a closer stays text when more text follows', wikitext: '<ref>[[File:A.jpg</ref>]] x [[File:B.jpg]]', images: ['B.jpg'] },
    {
      behaviour: 'a template closer after the closing tag does not close a template inside it',
      wikitext: '<ref>{{Infobox|image=A.jpg</ref>}} [[File:B.jpg]]',
      images: ['B.jpg'],
    },
    {
      behaviour: 'ten thousand references with unclosed links are each ended',
      wikitext: `${'<ref>[[Foo</ref> x '.repeat(10_000)}[[File:Z.png]]`,
      images: ['Z.png'],
    },
  ]);
});

describe('explainImages', () => {
  test('lists every occurrence in text order with its kind, offset and line', () => {
    const wikitext = [
      '{{Infobox|image = A.jpg}}',
      '[[File:B.jpg|thumb|x]] [[File:B.jpg]]',
      '<gallery>',
      'C.jpg|c',
      '</gallery>',
      '<imagemap>',
      'File:D.png|100px',
      '</imagemap>',
      '{{Gallery|File:E.jpg|e}}',
    ].join('\n');
    const occurrences = explainImages(wikitext, defaultNamespaceNames('enwiki'));
    assert.deepEqual(occurrences, [
      { image: 'A.jpg', kind: 'template-param', offset: wikitext.indexOf('A.jpg'), line: 1 },
      { image: 'B.jpg', kind: 'link', offset: wikitext.indexOf('[[File:B'), line: 2 },
      { image: 'B.jpg', kind: 'link', offset: wikitext.lastIndexOf('[[File:B'), line: 2 },
      { image: 'C.jpg', kind: 'gallery', offset: wikitext.indexOf('C.jpg'), line: 4 },
      { image: 'D.png', kind: 'imagemap', offset: wikitext.indexOf('File:D'), line: 7 },
      { image: 'E.jpg', kind: 'template-positional', offset: wikitext.indexOf('File:E'), line: 9 },
    ]);
  });

  test('agrees with extractImages on the set of images', () => {
    const wikitext = '[[File:X.jpg|thumb|[[File:Y.jpg]]]] {{Infobox|image=X.jpg}}';
    const names = defaultNamespaceNames('enwiki');
    const explained = [...new Set(explainImages(wikitext, names).map((o) => o.image))].sort();
    assert.deepEqual(explained, extractImages(wikitext, names));
  });
});

describe('linear time on adversarial input', () => {
  const names = defaultNamespaceNames('enwiki');
  const repeatTo = (unit: string, size: number): string => unit.repeat(Math.ceil(size / unit.length));
  const workOf = (text: string): number => countStringWork(() => extractImages(text, names));

  const patterns: Array<[string, string]> = [
    ['unclosed image links', '[[File:A.jpg|thumb|'],
    ['unclosed templates', '{{Infobox|image=A.jpg|'],
    ['nested comment openers', '<!--<!-- [[File:A.jpg]] '],
    ['unclosed extension tags', '<ref name="a"><nowiki><gallery>\n'],
    ['tag openers without a closing angle bracket', '<ref <pre <gallery '],
    ['closing brackets without openers', ']]}}]]}}|=|'],
    ['alternating brackets', '[[{{[[{{|=]]'],
    ['deeply nested closed links', '[[File:A.jpg|[[B|'],
    ['long link targets', `[[File:${'a'.repeat(500)}`],
    ['many closed links and templates', '[[File:A.jpg|thumb|x]] {{T|image=B.png}} <!-- c --> '],
  ];
  for (const [name, unit] of patterns) {
    test(`${name} take work proportional to the input size`, () => {
      // Counted, not timed: the characters the string operations examine. Linear work grows 8x with 8x the
      // input, quadratic work 64x; a clock ratio would also measure machine load and garbage collection.
      const small = workOf(repeatTo(unit, 50_000));
      const large = workOf(repeatTo(unit, 400_000));
      assert.ok(small > 0, 'the extractor examined the input');
      const ratio = large / small;
      assert.ok(ratio < 10, `8x the input took ${ratio.toFixed(1)}x the work`);
    });
  }

  test('the work count sees a quadratic rescan', () => {
    // The counter itself must be able to fail the tests above: a search from every position is quadratic.
    const rescan = (text: string): number =>
      countStringWork(() => {
        for (let at = 0; at < text.length; at += 1) text.indexOf('!', at);
      });
    assert.ok(rescan('a'.repeat(8_000)) / rescan('a'.repeat(1_000)) > 50);
  });

  test('a closed form of deep nesting still finds the outer image', () => {
    const depth = 10_000;
    const text = `[[File:Outer.jpg|${'[[B|'.repeat(depth)}x${']]'.repeat(depth)}]]`;
    assert.deepEqual(extractImages(text, names), ['Outer.jpg']);
  });
});
