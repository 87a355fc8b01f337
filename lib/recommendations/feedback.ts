// Turns feedback events of both streams into one shape: (wiki, page, image, status, reasons, time).
// mediawiki.image_suggestions_feedback is canonical; android.image_recommendation_interaction is legacy.
import { fileNameFromReference } from '../wikitext/file-reference.ts';
import { defaultNamespaceNames } from '../wikitext/siteinfo.ts';
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
  /** The article section the suggestion was for (feedback 2.1.0); null for an article-level suggestion. */
  section: { title: string; ordinal: number | null } | null;
  /**
   * `section`: a rejection whose only real reason is `sectionnotappropriate`, made in a section: the image is ruled out
   * for that section alone. `page`: every other decision, about the image for the whole article.
   */
  scope: 'page' | 'section';
}

/** The reason that says "not in this section", not "not this image". */
export const SECTION_REASON = 'sectionnotappropriate';

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

/**
 * The DB-key name of the file a feedback event names. 2.x sends the bare name, 1.0.0 a Commons page URL; prefixed
 * titles (`File:`, the wiki's localised names) slip in. Anything that names no file is an invalid event, never a
 * bogus name in the state.
 */
function imageName(raw: unknown, field: string, wiki: string): string {
  if (typeof raw !== 'string') throw new InvalidEventError(`feedback event has no ${field}`);
  const reference = fileNameFromReference(raw, defaultNamespaceNames(wiki).file);
  if (!reference.ok) throw new InvalidEventError(`feedback event's ${field} ${JSON.stringify(raw.slice(0, 200))} ${reference.reason}`);
  return reference.name;
}

/** A rejection counts as undecided when every reason it gives is an "I cannot judge" reason. */
export function rejectionStatus(reasons: readonly string[]): RecommendationStatus {
  return reasons.length > 0 && reasons.every((r) => UNDECIDED_REASONS.has(r)) ? 'undecided' : 'rejected';
}

// 1.0.0's free-text rejection_reason is kept as given, but bounded: it lands in a text[] column.
const MAX_REASON_LENGTH = 200;

/**
 * The rejection reasons of any feedback version: 2.x `rejection_reasons` (a list of the schema's enum), 1.0.0
 * `rejection_reason` (one free-text string).
 */
function rejectionReasons(message: Record<string, unknown>): string[] {
  if (Array.isArray(message.rejection_reasons)) return message.rejection_reasons.filter((r): r is string => typeof r === 'string');
  if (typeof message.rejection_reason === 'string' && message.rejection_reason.trim() !== '') {
    return [message.rejection_reason.trim().slice(0, MAX_REASON_LENGTH)];
  }
  return [];
}

/**
 * mediawiki.image_suggestions_feedback, every schema version (1.0.0, 2.0.0, 2.1.0): is_accepted / is_rejected,
 * both false = invalidated. Told apart by their fields, never by `$schema`.
 */
export function canonicalFeedback(message: Record<string, unknown>, stream: string = CANONICAL_STREAM): FeedbackDecision {
  const wiki = message.wiki;
  if (typeof wiki !== 'string' || !/^[a-z0-9_]+$/.test(wiki)) throw new InvalidEventError('feedback event has no valid wiki');
  const pageId = Number(message.page_id);
  if (!Number.isSafeInteger(pageId) || pageId <= 0) throw new InvalidEventError('feedback event has no valid page_id');
  if (typeof message.is_accepted !== 'boolean' || typeof message.is_rejected !== 'boolean') {
    // Required by every version: without them the decision cannot be told (and must not default to "invalidated").
    throw new InvalidEventError('feedback event has no is_accepted and is_rejected booleans');
  }
  if (message.is_accepted && message.is_rejected) {
    throw new InvalidEventError('feedback event is both accepted and rejected (is_accepted and is_rejected are both true): its decision cannot be told');
  }
  const reasons = rejectionReasons(message);
  let status: RecommendationStatus;
  if (message.is_accepted) status = 'accepted';
  else if (message.is_rejected) status = rejectionStatus(reasons);
  else status = 'invalidated';
  const section = sectionOf(message);
  const real = reasons.filter((r) => !UNDECIDED_REASONS.has(r));
  const scope = section !== null && status === 'rejected' && real.length > 0 && real.every((r) => r === SECTION_REASON) ? 'section' : 'page';
  return decision(message, { wiki, pageId, image: imageName(message.filename, 'filename', wiki), status, reasons, section, scope }, stream);
}

/** The section of a 2.1.0 event (`section_title`, `section_ordinal`, omitted when null), or null. */
function sectionOf(message: Record<string, unknown>): FeedbackDecision['section'] {
  const title = typeof message.section_title === 'string' ? message.section_title.trim() : '';
  if (title === '') return null;
  const ordinal = Number.isSafeInteger(message.section_ordinal) ? (message.section_ordinal as number) : null;
  return { title: title.slice(0, 255), ordinal };
}

/**
 * The parts of a decision both streams fill the same way: reasons only for non-acceptances, source, time, id.
 * One object literal in one shape: this runs once per feedback event, and spreads cost a copy each.
 */
function decision(
  message: Record<string, unknown>,
  fields: Pick<FeedbackDecision, 'wiki' | 'pageId' | 'image' | 'status' | 'reasons'> & Partial<Pick<FeedbackDecision, 'section' | 'scope'>>,
  stream: string,
): FeedbackDecision {
  const meta = record(message.meta);
  return {
    wiki: fields.wiki,
    pageId: fields.pageId,
    image: fields.image,
    status: fields.status,
    // The legacy schema example pairs "accept" with reasons; reasons only mean something for a rejection.
    reasons: fields.status === 'accepted' ? [] : fields.reasons,
    // The stream it was consumed from: meta.stream may name a schema (the feedback examples say
    // "/mediawiki/page/image-suggestions-feedback").
    source: stream,
    eventTime: eventTime(message),
    eventId: typeof meta.id === 'string' ? meta.id : null,
    section: fields.section ?? null,
    scope: fields.scope ?? 'page',
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
export function legacyFeedback(message: Record<string, unknown>, pageId: number | null, stream: string = LEGACY_STREAM): FeedbackDecision {
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
  return decision(message, { wiki, pageId, image: imageName(message.image_title, 'image_title', wiki), status, reasons }, stream);
}

/** Either stream, told apart by its fields (the canonical one has `wiki` and `page_id`); `stream` is the source. */
export function normalizeFeedback(message: Record<string, unknown>, resolvedPageId: number | null = null, stream?: string): FeedbackDecision {
  if (typeof message.wiki === 'string' && message.page_id !== undefined) return canonicalFeedback(message, stream);
  if (message.lang !== undefined && message.response_type !== undefined) return legacyFeedback(message, resolvedPageId, stream);
  throw new InvalidEventError('not an image suggestion feedback event (neither wiki/page_id nor lang/response_type)');
}
