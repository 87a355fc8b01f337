// A revision's illustration verdict under `illustrated.rule`, from its image diff and its parent's stored verdict:
// what judge_illustration returns and record_page_images records. Looks up only what can change the answer.
//
// Under the model's rule a parent verdict stored by the same rule is carried forward with no look-up while its
// images are the same, or while one of the images it found to count is still there; otherwise only the images that
// could count are judged (those the edit added, when the stored ones were all icons). PageImages' props are read only
// when no image counts. Under `any_image` nothing is asked. Failures are never guessed: they reject (retried).
import type { PageImageChange } from '../recommendations/revision-rows.ts';
import {
  anyImagePageIllustration,
  illustrationChange,
  parentImages,
  wasIllustrated,
  type IllustrationChange,
  type IllustrationRule,
  type IllustrationSource,
  type PageIllustration,
} from '../recommendations/illustration-change.ts';
import { hasPageImage } from './model-rule.ts';
import type { IllustrationJudge } from './illustration-judge.ts';

/** The result of judge_illustration (`results.judge_illustration`). */
export interface RevisionVerdict extends IllustrationChange {
  rule: IllustrationRule;
  source: IllustrationSource | null;
  /** Images found to count, sorted. */
  counted: string[];
  /** Images found to be icons on the way (not stored: an icon-only page lists them all). */
  icons: string[];
  /**
   * `unavailable`: the revision's text is (nothing to judge); `redirect`: never illustrated; `any_image`: the rule
   * needs no look-up; `carried`: the parent's stored verdict still holds; `judged`: decided now.
   */
  how: 'unavailable' | 'redirect' | 'any_image' | 'carried' | 'judged';
}

export interface VerdictSettings {
  rule: IllustrationRule;
  /** Ask PageImages' props when no image counts. */
  pageImages: boolean;
  settleMs: number;
}

type Change = PageImageChange & { images: string[] };

/** The page_image_state verdict of a step result; null when the revision was unavailable. */
export function pageIllustration(verdict: RevisionVerdict): PageIllustration | null {
  if (verdict.illustrated === null) return null;
  return { rule: verdict.rule, illustrated: verdict.illustrated, source: verdict.source, counted: verdict.counted };
}

/** What is known without a look-up: a verdict, or the images to judge (the others cannot count). */
export type VerdictPlan = { kind: 'known'; source: IllustrationSource | null; counted: string[] } | { kind: 'judge'; images: string[] };

/** Pure: under the model's rule, what the parent's stored verdict settles of this revision's. */
export function planModelVerdict(change: Change): VerdictPlan {
  const stored = change.parentIllustration;
  // A redirect's verdict says nothing of the article it becomes again.
  if (!stored || stored.rule !== 'model' || stored.counted === null || stored.redirect) return { kind: 'judge', images: change.images };
  const present = new Set(change.images);
  const kept = stored.counted.filter((image) => present.has(image));
  if (kept.length > 0) return { kind: 'known', source: 'image', counted: kept };
  if (!change.changed) return { kind: 'known', source: stored.source, counted: [] };
  // Nothing counted is left. Where nothing counted before, the stored images were icons: only added ones can count.
  return { kind: 'judge', images: stored.source === 'image' ? change.images : change.added };
}

/** The verdict of `change` (image_diff's result) under `settings`, asking `judge` what the plan leaves open. */
export async function revisionVerdict(change: PageImageChange, settings: VerdictSettings, judge: IllustrationJudge): Promise<RevisionVerdict> {
  const base = { rule: settings.rule, icons: [] as string[] };
  if (change.images === null) return { ...base, ...illustrationChange(null, null), source: null, counted: [], how: 'unavailable' };
  const current: Change = { ...change, images: change.images };
  const byImages = () => parentImages(current.images, current).length > 0;
  if (change.isRedirect) return { ...base, ...illustrationChange(false, wasIllustrated(change, byImages)), source: null, counted: [], how: 'redirect' };
  if (settings.rule === 'any_image') {
    const verdict = anyImagePageIllustration(current)!;
    return { ...base, ...illustrationChange(verdict.illustrated, wasIllustrated(change, byImages)), source: verdict.source, counted: verdict.counted, how: 'any_image' };
  }

  const plan = planModelVerdict(current);
  let source: IllustrationSource | null;
  let counted: string[];
  let icons: string[] = [];
  if (plan.kind === 'known') ({ source, counted } = plan);
  else {
    const decided = await judge.decide(change.domain, plan.images);
    ({ counted, icons } = decided);
    source = decided.illustrated ? 'image' : null;
    if (source === null && settings.pageImages) {
      const revMs = change.revTimestamp === null ? change.eventTime : Date.parse(change.revTimestamp);
      const props = await judge.pageImagesOf(change.domain, { pageId: change.pageId, revId: change.revId, revMs: Number.isNaN(revMs) ? change.eventTime : revMs }, settings.settleMs);
      if (hasPageImage(props)) source = 'page_image';
    }
  }
  const illustrated = source !== null;

  // Without the parent's stored verdict: its images are this revision's unless the edit changed them; then they are
  // judged (no props: the API's are this revision's, not the parent's).
  const was = await wasIllustrated(change, async () => (change.changed ? (await judge.decide(change.domain, parentImages(current.images, current))).illustrated : illustrated));
  return { ...base, ...illustrationChange(illustrated, was), source, counted: [...counted].sort(), icons: [...icons].sort(), how: plan.kind === 'known' ? 'carried' : 'judged' };
}
