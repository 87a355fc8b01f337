-- 005: imported image-suggestion datasets (`imagematching-router import-suggestions`, lib/suggestions/) and what the
-- read API `/v1/suggestions` serves from them. Both shapes that exist (the Cassandra table
-- image_suggestions.suggestions and the older Hive table imagerec_prod) are normalised into one row model here;
-- see docs/integration.md, "The real serving path".

-- One imported dataset: a Cassandra `id` (a timeuuid: one per run of the weekly pipeline) or an imagerec_prod
-- `dataset_id`. `dataset_key` is a small surrogate so the suggestion rows and their indexes stay narrow.
-- `dataset_time` is the dataset's own time (the timeuuid's timestamp, or insertion_ts / the snapshot month): the
-- newest dataset is the newest time, never the greatest id string (timeuuids do not sort as strings).
CREATE SEQUENCE suggestion_dataset_key_seq AS integer;
CREATE TABLE suggestion_dataset (
  dataset_key  integer     PRIMARY KEY DEFAULT nextval('suggestion_dataset_key_seq'),
  dataset_id   text        NOT NULL UNIQUE,
  shape        text        NOT NULL CHECK (shape IN ('cassandra', 'imagerec_prod')),
  dataset_time timestamptz NOT NULL,
  files        text[]      NOT NULL,
  row_count    bigint      NOT NULL,
  skipped_rows bigint      NOT NULL DEFAULT 0,
  imported_at  timestamptz NOT NULL DEFAULT now()
);
ALTER SEQUENCE suggestion_dataset_key_seq OWNED BY suggestion_dataset.dataset_key;

-- The wikis a dataset has rows for. A run covers many wikis and `--keep N` prunes per wiki, so the newest dataset
-- is chosen per wiki from here (one index probe).
CREATE TABLE suggestion_dataset_wiki (
  wiki         text        NOT NULL,
  dataset_key  integer     NOT NULL REFERENCES suggestion_dataset ON DELETE CASCADE,
  dataset_time timestamptz NOT NULL,
  row_count    bigint      NOT NULL,
  PRIMARY KEY (wiki, dataset_key)
);
CREATE INDEX suggestion_dataset_wiki_newest ON suggestion_dataset_wiki (wiki, dataset_time DESC, dataset_key DESC);

-- One suggestion: (wiki, page, dataset, image[, section]), with the Data Gateway's columns. No foreign key on
-- dataset_key: rows are written by COPY before their dataset row, in the same transaction (lib/suggestions/importer.ts).
CREATE TABLE image_suggestion (
  dataset_key     integer  NOT NULL,
  wiki            text     NOT NULL,
  page_id         bigint   NOT NULL,
  image           text     NOT NULL,
  section_index   integer,
  section_heading text,
  page_title      text,
  confidence      real     NOT NULL,
  kind            text[]   NOT NULL DEFAULT '{}',
  found_on        text[]   NOT NULL DEFAULT '{}',
  origin_wiki     text,
  page_rev        bigint,
  page_qid        text
);
-- The page look-up (GET /v1/suggestions/:wiki/:pageId) and the dataset's key: a duplicate suggestion in one dataset
-- is refused, not silently doubled. An article-level suggestion has section_index NULL, hence NULLS NOT DISTINCT.
CREATE UNIQUE INDEX image_suggestion_page ON image_suggestion (wiki, page_id, dataset_key, image, section_index) NULLS NOT DISTINCT;
-- Paging a dataset's suggestible pages in page_id order (GET /v1/suggestions/:wiki), and pruning a wiki's old datasets.
CREATE INDEX image_suggestion_dataset_pages ON image_suggestion (wiki, dataset_key, page_id);
