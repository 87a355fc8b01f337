// The local MediaWiki API stand-in lives in lib/demo (the demo serves it too); tests import it from here.
export * from '../../lib/demo/fake-mediawiki.ts';
