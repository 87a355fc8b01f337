// Canary events: Wikimedia produces one into every stream at least hourly (meta.domain "canary") to check that the
// stream works end to end. Consumers must discard them, so the engine drops them before any rule runs.

export const CANARY_DOMAIN = 'canary';

/** True for a canary event: `meta.domain` is "canary". */
export function isCanaryEvent(event: Record<string, unknown>): boolean {
  const meta = event.meta;
  return meta !== null && typeof meta === 'object' && (meta as Record<string, unknown>).domain === CANARY_DOMAIN;
}
