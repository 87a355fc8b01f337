-- 007: what counts as illustrated follows a rule (illustrated.rule: the ImageMatching model's, or any image). Beside
-- every image it sees (images), a page keeps the images found to count (counted_images), what made it illustrated
-- (illustration_source: an image that counts, or PageImages' page image) and the rule that decided. `illustrated` is
-- that rule's verdict, so the batch job's view (recommendation_exclusions) and the read API follow it unchanged.
-- Rows written before this migration keep NULL in the three columns: the any-image rule wrote them.
-- No default and NOT VALID constraints: adding the columns rewrites and scans nothing, whatever the table's size.
ALTER TABLE page_image_state
  ADD COLUMN counted_images text[],
  ADD COLUMN illustration_source text,
  ADD COLUMN illustration_rule text;

ALTER TABLE page_image_state
  ADD CONSTRAINT page_image_state_illustration_source CHECK (illustration_source IN ('image', 'page_image')) NOT VALID,
  ADD CONSTRAINT page_image_state_illustration_rule CHECK (illustration_rule IN ('model', 'any_image')) NOT VALID,
  ADD CONSTRAINT page_image_state_illustrated_by_source
    CHECK (illustration_rule IS NULL OR illustrated = (illustration_source IS NOT NULL)) NOT VALID;
