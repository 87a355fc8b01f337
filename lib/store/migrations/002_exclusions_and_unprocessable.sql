-- 002: what the router could not process for good (deleted revisions, unknown pages), and the stable view
-- the ImageMatching batch job reads to leave out illustrated pages and decided page/image pairs.

-- Permanent outcomes recorded instead of retried or dead-lettered: a revision whose text is hidden or
-- unknown, a feedback title that names no page. `ref` is `rev:<rev_id>` or `title:<DB key>`.
CREATE TABLE unprocessable_event (
  wiki        text        NOT NULL,
  ref         text        NOT NULL,
  reason      text        NOT NULL CHECK (reason IN ('revision_missing', 'revision_hidden', 'page_missing', 'title_invalid')),
  page_id     bigint,
  stream      text,
  event_id    text,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (wiki, ref)
);

-- Illustrated pages are looked up by the view on every batch run.
CREATE INDEX page_image_state_illustrated ON page_image_state (wiki, page_id) WHERE illustrated;

-- The batch job's contract. image IS NULL: do not suggest anything for the page (it shows an image).
-- image set: do not suggest this image for this page again. `reason` is `illustrated` or the status.
CREATE VIEW recommendation_exclusions AS
  SELECT wiki, page_id, NULL::text AS image, 'illustrated'::text AS reason, COALESCE(rev_timestamp, updated_at) AS since
    FROM page_image_state
   WHERE illustrated
  UNION ALL
  SELECT wiki, page_id, image, status AS reason, event_dt AS since
    FROM recommendation_status
   WHERE status IN ('accepted', 'rejected', 'invalidated', 'applied', 'removed');
