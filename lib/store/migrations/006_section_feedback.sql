-- 006: section-level feedback (image-suggestions-feedback 2.1.0: section_title, section_ordinal and the rejection
-- reason sectionnotappropriate). A decision made in a section is kept with its section; a rejection whose only real
-- reason is sectionnotappropriate rules the image out for that section alone (the image may still suit the article
-- or another section), so it lives in a table of its own rather than in the page-level status (docs/state.md).
ALTER TABLE recommendation_status ADD COLUMN section_title text, ADD COLUMN section_ordinal integer;

CREATE TABLE recommendation_section_status (
  wiki            text        NOT NULL,
  page_id         bigint      NOT NULL,
  image           text        NOT NULL,
  section_title   text        NOT NULL,
  section_ordinal integer,
  status          text        NOT NULL CHECK (status IN ('rejected')),
  reasons         text[]      NOT NULL DEFAULT '{}',
  source          text        NOT NULL,
  event_dt        timestamptz NOT NULL,
  event_id        text,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (wiki, page_id, image, section_title)
);
CREATE INDEX recommendation_section_status_by_time ON recommendation_section_status (wiki, updated_at);

-- The batch job's contract gains two columns at its end: a row with section_title set leaves the image out of that
-- section only; section_title NULL is what every row meant before.
CREATE OR REPLACE VIEW recommendation_exclusions AS
  SELECT wiki, page_id, NULL::text AS image, 'illustrated'::text AS reason, COALESCE(rev_timestamp, updated_at) AS since,
         NULL::text AS section_title, NULL::integer AS section_ordinal
    FROM page_image_state
   WHERE illustrated
  UNION ALL
  SELECT wiki, page_id, NULL::text, 'redirect'::text, COALESCE(rev_timestamp, updated_at), NULL::text, NULL::integer
    FROM page_image_state
   WHERE is_redirect
  UNION ALL
  SELECT wiki, page_id, image, status, event_dt, NULL::text, NULL::integer
    FROM recommendation_status
   WHERE status IN ('accepted', 'rejected', 'invalidated', 'applied', 'removed')
  UNION ALL
  SELECT wiki, page_id, image, status, event_dt, section_title, section_ordinal
    FROM recommendation_section_status;

-- The status function of migration 003, now writing the section a decision was made in (null for edits and for
-- article-level feedback). Same precedence, same locks.
CREATE OR REPLACE FUNCTION imagematching_merge_statuses(statuses json, accepted json) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(443447933, locks.k)
     FROM (SELECT DISTINCT hashtext(u.wiki || ':' || u."pageId"::text) AS k
             FROM json_to_recordset(accepted) AS u(wiki text, "pageId" bigint)
            ORDER BY k) AS locks;

  INSERT INTO recommendation_status AS s (wiki, page_id, image, status, reasons, source, event_dt, rev_id, event_id, updated_at, section_title, section_ordinal)
  SELECT r.wiki, r."pageId", r.image, r.status, r.reasons, r.source,
         'epoch'::timestamptz + r."eventTime" * interval '1 millisecond', r."revId", r."eventId", now(), r."sectionTitle", r."sectionOrdinal"
    FROM json_to_recordset(statuses)
         AS r(wiki text, "pageId" bigint, image text, status text, reasons text[], source text, "eventTime" bigint, "revId" bigint, "eventId" text, "sectionTitle" text, "sectionOrdinal" integer)
  ON CONFLICT (wiki, page_id, image) DO UPDATE SET
         status = excluded.status, reasons = excluded.reasons, source = excluded.source, event_dt = excluded.event_dt,
         rev_id = excluded.rev_id, event_id = excluded.event_id, updated_at = excluded.updated_at,
         section_title = excluded.section_title, section_ordinal = excluded.section_ordinal
   WHERE ((CASE excluded.status WHEN 'accepted' THEN 2 WHEN 'rejected' THEN 2 WHEN 'undecided' THEN 0 WHEN 'invalidated' THEN 1 WHEN 'applied' THEN 2 WHEN 'removed' THEN 2 ELSE -1 END), excluded.event_dt, coalesce(excluded.rev_id, 0), (CASE excluded.status WHEN 'accepted' THEN 1 WHEN 'rejected' THEN 4 WHEN 'undecided' THEN 0 WHEN 'invalidated' THEN 0 WHEN 'applied' THEN 2 WHEN 'removed' THEN 3 ELSE -1 END)) > ((CASE s.status WHEN 'accepted' THEN 2 WHEN 'rejected' THEN 2 WHEN 'undecided' THEN 0 WHEN 'invalidated' THEN 1 WHEN 'applied' THEN 2 WHEN 'removed' THEN 2 ELSE -1 END), s.event_dt, coalesce(s.rev_id, 0), (CASE s.status WHEN 'accepted' THEN 1 WHEN 'rejected' THEN 4 WHEN 'undecided' THEN 0 WHEN 'invalidated' THEN 0 WHEN 'applied' THEN 2 WHEN 'removed' THEN 3 ELSE -1 END));

  WITH k AS (SELECT * FROM json_to_recordset(accepted) AS k(wiki text, "pageId" bigint, image text)),
       changes AS (
         UPDATE image_change c SET by_suggestion = true FROM k
          WHERE c.wiki = k.wiki AND c.page_id = k."pageId" AND c.image = k.image AND c.change = 'added' AND NOT c.by_suggestion)
  UPDATE page_image_state p SET illustrated_by_suggestion = true FROM k
   WHERE p.wiki = k.wiki AND p.page_id = k."pageId" AND k.image = ANY (p.images) AND p.illustrated_by_suggestion IS NOT TRUE;
END
$fn$;
