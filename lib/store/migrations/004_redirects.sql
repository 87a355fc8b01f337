-- 004: redirects. A page turned into a redirect shows no image and is not an article: it is neither illustrated nor
-- suggestible. page_image_state keeps the redirect revision (so the next revision still finds its parent stored), with
-- no images, and the batch job's view leaves the page out with reason 'redirect' until it becomes an article again.
ALTER TABLE page_image_state ADD COLUMN is_redirect boolean NOT NULL DEFAULT false;

CREATE INDEX page_image_state_redirects ON page_image_state (wiki, page_id) WHERE is_redirect;

CREATE OR REPLACE VIEW recommendation_exclusions AS
  SELECT wiki, page_id, NULL::text AS image, 'illustrated'::text AS reason, COALESCE(rev_timestamp, updated_at) AS since
    FROM page_image_state
   WHERE illustrated
  UNION ALL
  SELECT wiki, page_id, NULL::text AS image, 'redirect'::text AS reason, COALESCE(rev_timestamp, updated_at) AS since
    FROM page_image_state
   WHERE is_redirect
  UNION ALL
  SELECT wiki, page_id, image, status AS reason, event_dt AS since
    FROM recommendation_status
   WHERE status IN ('accepted', 'rejected', 'invalidated', 'applied', 'removed');
