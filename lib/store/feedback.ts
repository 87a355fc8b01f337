// Turns feedback events of both streams into one shape: (wiki, page, image, status, reasons, time).
// mediawiki.image_suggestions_feedback is canonical; android.image_recommendation_interaction is legacy.
import { normalizeFileTitle, stripNamespace } from '../wikitext/file-title.ts';
import { InvalidEventError } from '../errors.ts';
import type { RecommendationStatus } from './status-precedence.ts';

export interface FeedbackDecision {
  wiki: string;
  /** Null for the legacy stream until resolve_page found the page. */
  pageId: number | null;
  image: string;
  status: RecommendationStatus;
  reasons: string[];
  /** The stream the decision came from (recommendation_status.source). */
  source: string;
  eventTime: number;
  eventId: string | null;
}

/** Rejection reasons that say "I cannot judge", not "this is wrong": they leave the suggestion open. */
export const UNDECIDED_REASONS: ReadonlySet<string> = new Set(['unfamiliar', 'foreignlanguage']);

/** Legacy numeric reasons, in the order of the Android schema. */
export const LEGACY_REASONS = ['notrelevant', 'noinfo', 'offensive', 'lowquality', 'unfamiliar', 'other'] as const;

export const CANONICAL_STREAM = 'mediawiki.image_suggestions_feedback';
export const LEGACY_STREAM = 'android.image_recommendation_interaction';

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function eventTime(message: Record<string, unknown>): number {
  const dt = typeof message.dt === 'string' ? message.dt : record(message.meta).dt;
  const time = typeof dt === 'string' ? Date.parse(dt) : NaN;
  if (Number.isNaN(time)) throw new InvalidEventError('feedback event has no valid dt or meta.dt');
  return time;
}

// One array for every event: stripNamespace caches the normalised names per array.
const FILE_PREFIXES: readonly string[] = ['File', 'Image'];

function imageName(raw: unknown, field: string): string {
  if (typeof raw !== 'string') throw new InvalidEventError(`feedback event has no ${field}`);
  // The field is documented without a prefix, but `File:` slips in; other localised prefixes are not expected.
  const image = normalizeFileTitle(stripNamespace(raw, FILE_PREFIXES) ?? raw);
  if (image === null) throw new InvalidEventError(`feedback event has an invalid ${field}: ${JSON.stringify(raw)}`);
  return image;
}

/** A rejection counts as undecided when every reason it gives is an "I cannot judge" reason. */
export function rejectionStatus(reasons: readonly string[]): RecommendationStatus {
  return reasons.length > 0 && reasons.every((r) => UNDECIDED_REASONS.has(r)) ? 'undecided' : 'rejected';
}

/** mediawiki.image_suggestions_feedback: is_accepted / is_rejected, both false = invalidated. */
export function canonicalFeedback(message: Record<string, unknown>): FeedbackDecision {
  const wiki = message.wiki;
  if (typeof wiki !== 'string' || !/^[a-z0-9_]+$/.test(wiki)) throw new InvalidEventError('feedback event has no valid wiki');
  const pageId = Number(message.page_id);
  if (!Number.isSafeInteger(pageId) || pageId <= 0) throw new InvalidEventError('feedback event has no valid page_id');
  const reasons = Array.isArray(message.rejection_reasons) ? message.rejection_reasons.filter((r): r is string => typeof r === 'string') : [];
  let status: RecommendationStatus;
  if (message.is_accepted === true && message.is_rejected === true) throw new InvalidEventError('feedback event is both accepted and rejected');
  if (message.is_accepted === true) status = 'accepted';
  else if (message.is_rejected === true) status = rejectionStatus(reasons);
  else status = 'invalidated';
  return decision(message, { wiki, pageId, image: imageName(message.filename, 'filename'), status, reasons }, CANONICAL_STREAM);
}

/**
 * The parts of a decision both streams fill the same way: reasons only for non-acceptances, source, time, id.
 * One object literal in one shape: this runs once per feedback event, and spreads cost a copy each.
 */
function decision(
  message: Record<string, unknown>,
  fields: Pick<FeedbackDecision, 'wiki' | 'pageId' | 'image' | 'status' | 'reasons'>,
  defaultStream: string,
): FeedbackDecision {
  const meta = record(message.meta);
  return {
    wiki: fields.wiki,
    pageId: fields.pageId,
    image: fields.image,
    status: fields.status,
    // The legacy schema example pairs "accept" with reasons; reasons only mean something for a rejection.
    reasons: fields.status === 'accepted' ? [] : fields.reasons,
    source: typeof meta.stream === 'string' ? meta.stream : defaultStream,
    eventTime: eventTime(message),
    eventId: typeof meta.id === 'string' ? meta.id : null,
  };
}

/** The wiki language of a legacy event: the first of the comma-joined app languages. */
export function legacyLanguage(lang: unknown): string {
  const first = typeof lang === 'string' ? lang.split(',')[0]!.trim().toLowerCase() : '';
  if (!/^[a-z][a-z0-9-]*$/.test(first)) throw new InvalidEventError(`legacy feedback event has no valid lang: ${JSON.stringify(lang)}`);
  return first;
}

/** `en` → enwiki / en.wikipedia.org; `zh-yue` → zh_yuewiki / zh-yue.wikipedia.org. */
export function legacyWiki(lang: unknown): { wiki: string; domain: string } {
  const language = legacyLanguage(lang);
  return { wiki: `${language.replace(/-/g, '_')}wiki`, domain: `${language}.wikipedia.org` };
}

/**
 * android.image_recommendation_interaction: response_type 0 accept, 1 reject, 2 not sure; numeric reasons.
 * The page id comes from resolve_page. In this app version "accept" did not edit the page.
 */
export function legacyFeedback(message: Record<string, unknown>, pageId: number | null): FeedbackDecision {
  const { wiki } = legacyWiki(message.lang);
  const reasons = (Array.isArray(message.reasons) ? message.reasons : [])
    .map((r) => LEGACY_REASONS[Number(r)])
    .filter((r): r is (typeof LEGACY_REASONS)[number] => r !== undefined);
  let status: RecommendationStatus;
  switch (Number(message.response_type)) {
    case 0:
      status = 'accepted';
      break;
    case 1:
      status = rejectionStatus(reasons);
      break;
    case 2:
      status = 'undecided';
      break;
    default:
      throw new InvalidEventError(`legacy feedback event has an unknown response_type ${JSON.stringify(message.response_type)}`);
  }
  return decision(message, { wiki, pageId, image: imageName(message.image_title, 'image_title'), status, reasons }, LEGACY_STREAM);
}

/** Either stream, told apart by its fields (the canonical one has `wiki` and `page_id`). */
export function normalizeFeedback(message: Record<string, unknown>, resolvedPageId: number | null = null): FeedbackDecision {
  if (typeof message.wiki === 'string' && message.page_id !== undefined) return canonicalFeedback(message);
  if (message.lang !== undefined && message.response_type !== undefined) return legacyFeedback(message, resolvedPageId);
  throw new InvalidEventError('not an image suggestion feedback event (neither wiki/page_id nor lang/response_type)');
}
