-- 001: the recommendation state that the router keeps and the ImageMatching batch job reads.
-- See docs/state.md for the meaning of every column and the status precedence.

-- Latest known image set of each page. Only moves forward: a write with a smaller rev_id is ignored.
CREATE TABLE page_image_state (
  wiki                      text        NOT NULL,
  page_id                   bigint      NOT NULL,
  page_title                text        NOT NULL,
  rev_id                    bigint      NOT NULL,
  rev_timestamp             timestamptz,
  images                    text[]      NOT NULL DEFAULT '{}',
  illustrated               boolean     NOT NULL,
  -- How the page became illustrated: true = through an image suggestion, false = another route, null = unknown/not illustrated.
  illustrated_by_suggestion boolean,
  updated_at                timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (wiki, page_id)
);

-- Append-only log of images added to or removed from pages, one row per (revision, image, change).
CREATE TABLE image_change (
  wiki          text        NOT NULL,
  page_id       bigint      NOT NULL,
  rev_id        bigint      NOT NULL,
  image         text        NOT NULL,
  change        text        NOT NULL CHECK (change IN ('added', 'removed')),
  rev_timestamp timestamptz,
  by_suggestion boolean     NOT NULL DEFAULT false,
  event_id      text,
  recorded_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (wiki, rev_id, image, change)
);
CREATE INDEX image_change_page ON image_change (wiki, page_id, rev_id);

-- Status of each (wiki, page, image) recommendation.
CREATE TABLE recommendation_status (
  wiki       text        NOT NULL,
  page_id    bigint      NOT NULL,
  image      text        NOT NULL,
  status     text        NOT NULL CHECK (status IN ('accepted', 'rejected', 'undecided', 'invalidated', 'applied', 'removed')),
  reasons    text[]      NOT NULL DEFAULT '{}',
  source     text        NOT NULL,
  event_dt   timestamptz NOT NULL,
  rev_id     bigint,
  event_id   text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (wiki, page_id, image)
);
CREATE INDEX recommendation_status_by_time ON recommendation_status (wiki, updated_at);
CREATE INDEX recommendation_status_by_status ON recommendation_status (wiki, status);
