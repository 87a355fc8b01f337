-- 003: a batch of statuses in one statement. The router's store calls this function for the statuses of a write
-- batch: alone (one round trip, its own transaction) for feedback-only batches, or inside the transaction of a
-- batch with revision rows. Before, a feedback batch was five round trips (BEGIN, page locks, status merge,
-- acceptance marks, COMMIT), and between them the transaction waited for the router's event loop
-- (docs/performance.md). Each statement below still runs with a fresh snapshot (READ COMMITTED, VOLATILE), as
-- separate statements did.
--
-- statuses: the batch folded to one row per (wiki, page, image), sorted by that key, so that concurrent writers
--   lock status rows in one order: [{wiki, pageId, image, status, reasons, source, eventTime (ms), revId, eventId}].
-- accepted: the accepted rows, sorted the same way: [{wiki, pageId, image}].
CREATE FUNCTION imagematching_merge_statuses(statuses json, accepted json) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  -- Per-page advisory locks of the acceptances first, before any row is read or locked, in ascending key order
  -- (see lockPages in lib/store/recommendations.ts for the class id, the key and why the order holds). Taken again
  -- by a transaction that already holds them, this is a no-op.
  PERFORM pg_advisory_xact_lock(443447933, locks.k)
     FROM (SELECT DISTINCT hashtext(u.wiki || ':' || u."pageId"::text) AS k
             FROM json_to_recordset(accepted) AS u(wiki text, "pageId" bigint)
            ORDER BY k) AS locks;

  -- Each row replaces the stored one only when it wins by the precedence of lib/store/status-precedence.ts
  -- (precedenceKeySql('excluded') > precedenceKeySql('s'); a test keeps the two equal), so a loss or a tie
  -- (an idempotent duplicate) leaves the stored row, also when another transaction wrote it meanwhile. Event
  -- times (ms) become timestamps exactly, by interval arithmetic.
  INSERT INTO recommendation_status AS s (wiki, page_id, image, status, reasons, source, event_dt, rev_id, event_id, updated_at)
  SELECT r.wiki, r."pageId", r.image, r.status, r.reasons, r.source,
         'epoch'::timestamptz + r."eventTime" * interval '1 millisecond', r."revId", r."eventId", now()
    FROM json_to_recordset(statuses)
         AS r(wiki text, "pageId" bigint, image text, status text, reasons text[], source text, "eventTime" bigint, "revId" bigint, "eventId" text)
  ON CONFLICT (wiki, page_id, image) DO UPDATE SET
         status = excluded.status, reasons = excluded.reasons, source = excluded.source, event_dt = excluded.event_dt,
         rev_id = excluded.rev_id, event_id = excluded.event_id, updated_at = excluded.updated_at
   WHERE ((CASE excluded.status WHEN 'accepted' THEN 2 WHEN 'rejected' THEN 2 WHEN 'undecided' THEN 0 WHEN 'invalidated' THEN 1 WHEN 'applied' THEN 2 WHEN 'removed' THEN 2 ELSE -1 END), excluded.event_dt, coalesce(excluded.rev_id, 0), (CASE excluded.status WHEN 'accepted' THEN 1 WHEN 'rejected' THEN 4 WHEN 'undecided' THEN 0 WHEN 'invalidated' THEN 0 WHEN 'applied' THEN 2 WHEN 'removed' THEN 3 ELSE -1 END)) > ((CASE s.status WHEN 'accepted' THEN 2 WHEN 'rejected' THEN 2 WHEN 'undecided' THEN 0 WHEN 'invalidated' THEN 1 WHEN 'applied' THEN 2 WHEN 'removed' THEN 2 ELSE -1 END), s.event_dt, coalesce(s.rev_id, 0), (CASE s.status WHEN 'accepted' THEN 1 WHEN 'rejected' THEN 4 WHEN 'undecided' THEN 0 WHEN 'invalidated' THEN 0 WHEN 'applied' THEN 2 WHEN 'removed' THEN 3 ELSE -1 END));

  -- An accepted suggestion marks the image's addition (past or future) and the page as illustrated through it.
  WITH k AS (SELECT * FROM json_to_recordset(accepted) AS k(wiki text, "pageId" bigint, image text)),
       changes AS (
         UPDATE image_change c SET by_suggestion = true FROM k
          WHERE c.wiki = k.wiki AND c.page_id = k."pageId" AND c.image = k.image AND c.change = 'added' AND NOT c.by_suggestion)
  UPDATE page_image_state p SET illustrated_by_suggestion = true FROM k
   WHERE p.wiki = k.wiki AND p.page_id = k."pageId" AND k.image = ANY (p.images) AND p.illustrated_by_suggestion IS NOT TRUE;
END
$fn$;
