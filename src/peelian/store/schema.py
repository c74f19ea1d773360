"""The project schema as an ordered list of migrations.

Every table and column is documented in docs/schema.md. Migrations are applied
in order on open; `meta.schema_version` records how far a project has got, so a
project written by a newer Peelian is refused instead of being misread.
Add a migration by appending to MIGRATIONS; never edit a released one.

The large tables (posts, accounts, mentions, predictions) carry no PRIMARY KEY
index: uniqueness of their keys is kept by the set-based merges that write them,
which keeps memory flat on projects of tens of millions of posts. The one index on
them is a non-unique lookup index on `predictions.post_id` (migration 15).
"""

from __future__ import annotations

MIGRATION_1 = """
CREATE TABLE meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);

CREATE SEQUENCE imports_seq START 1;
CREATE TABLE imports (
    import_id BIGINT PRIMARY KEY,
    path VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    size_bytes BIGINT,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    seconds DOUBLE,
    records_read BIGINT NOT NULL DEFAULT 0,
    posts_new BIGINT NOT NULL DEFAULT 0,
    posts_updated BIGINT NOT NULL DEFAULT 0,
    duplicates BIGINT NOT NULL DEFAULT 0,
    notices BIGINT NOT NULL DEFAULT 0,
    quarantined BIGINT NOT NULL DEFAULT 0,
    peelian_version VARCHAR NOT NULL,
    options JSON
);

CREATE TABLE quarantine (
    import_id BIGINT NOT NULL,
    path VARCHAR NOT NULL,
    location VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    raw_excerpt VARCHAR
);

CREATE TABLE notices (
    import_id BIGINT NOT NULL,
    location VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    notice_type VARCHAR NOT NULL,
    post_id VARCHAR,
    account_id VARCHAR,
    detail JSON
);

CREATE TABLE registry (
    platform VARCHAR NOT NULL,
    handle VARCHAR,
    account_id VARCHAR,
    force VARCHAR NOT NULL,
    account_type VARCHAR NOT NULL,
    unit VARCHAR,
    time_zone VARCHAR NOT NULL DEFAULT 'Europe/London',
    notes VARCHAR,
    source_path VARCHAR,
    source_row BIGINT,
    imported_at TIMESTAMP NOT NULL
);

CREATE TABLE accounts (
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    handle VARCHAR,
    display_name VARCHAR,
    pseudonymised BOOLEAN NOT NULL DEFAULT FALSE,
    role VARCHAR NOT NULL DEFAULT 'citizen',
    force VARCHAR,
    account_type VARCHAR,
    unit VARCHAR,
    followers_count BIGINT,
    first_seen_import BIGINT,
    last_seen_import BIGINT
);

CREATE TABLE posts (
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    author_id VARCHAR,
    author_handle VARCHAR,
    author_role VARCHAR NOT NULL DEFAULT 'citizen',
    author_force VARCHAR,
    author_account_type VARCHAR,
    created_at TIMESTAMP,
    text VARCHAR,
    language VARCHAR,
    kind VARCHAR NOT NULL,
    reply_to_post_id VARCHAR,
    reply_to_account_id VARCHAR,
    conversation_id VARCHAR,
    quoted_post_id VARCHAR,
    reposted_post_id VARCHAR,
    like_count BIGINT,
    reply_count BIGINT,
    repost_count BIGINT,
    quote_count BIGINT,
    view_count BIGINT,
    author_followers BIGINT,
    url VARCHAR,
    is_partial BOOLEAN NOT NULL DEFAULT FALSE,
    first_import_id BIGINT,
    last_import_id BIGINT,
    source_location VARCHAR
);

CREATE TABLE mentions (
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    account_id VARCHAR,
    handle VARCHAR
);

CREATE TABLE codebooks (
    codebook_id VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    definition JSON NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (codebook_id, version)
);

CREATE TABLE samples (
    sample_name VARCHAR PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    strategy VARCHAR NOT NULL,
    seed BIGINT,
    codebook_version VARCHAR,
    params JSON
);

CREATE TABLE sample_items (
    sample_name VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    coder VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    is_overlap BOOLEAN NOT NULL
);

CREATE SEQUENCE codings_seq START 1;
CREATE TABLE codings (
    coding_id BIGINT PRIMARY KEY,
    sample_name VARCHAR,
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    coder VARCHAR NOT NULL,
    dimension VARCHAR NOT NULL,
    codes VARCHAR[] NOT NULL,
    status VARCHAR NOT NULL DEFAULT 'coded',
    note VARCHAR,
    codebook_version VARCHAR NOT NULL,
    source VARCHAR NOT NULL DEFAULT 'web',
    created_at TIMESTAMP NOT NULL
);

CREATE SEQUENCE gold_seq START 1;
CREATE TABLE gold (
    gold_id BIGINT PRIMARY KEY,
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    dimension VARCHAR NOT NULL,
    codes VARCHAR[] NOT NULL,
    method VARCHAR NOT NULL,
    decided_by VARCHAR,
    reason VARCHAR,
    sample_name VARCHAR,
    codebook_version VARCHAR NOT NULL,
    decided_at TIMESTAMP NOT NULL
);

CREATE TABLE models (
    model_id VARCHAR PRIMARY KEY,
    dimension VARCHAR NOT NULL,
    codebook_version VARCHAR NOT NULL,
    algorithm VARCHAR NOT NULL,
    validated BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    path VARCHAR NOT NULL,
    training_set_sha256 VARCHAR,
    n_training BIGINT,
    evaluation JSON,
    params JSON
);

CREATE TABLE predictions (
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    dimension VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,
    codes VARCHAR[] NOT NULL,
    probability DOUBLE,
    probabilities JSON,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE expectations (
    survey VARCHAR NOT NULL,
    force VARCHAR,
    topic VARCHAR NOT NULL,
    expected_share DOUBLE NOT NULL,
    respondents BIGINT,
    imported_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    username VARCHAR PRIMARY KEY,
    password_hash VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE SEQUENCE audit_seq START 1;
CREATE TABLE audit_log (
    audit_id BIGINT PRIMARY KEY,
    logged_at TIMESTAMP NOT NULL,
    username VARCHAR,
    action VARCHAR NOT NULL,
    target VARCHAR,
    detail JSON
);

CREATE TABLE handled (
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    handled_by VARCHAR NOT NULL,
    handled_at TIMESTAMP NOT NULL,
    note VARCHAR
);
"""

MIGRATION_2 = """
CREATE TABLE metric_snapshots (
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    observed_at TIMESTAMP NOT NULL,
    metric VARCHAR NOT NULL,
    value BIGINT NOT NULL,
    source VARCHAR NOT NULL,
    import_id BIGINT NOT NULL
);
"""
"""Dated counts of a post that no API response carries (impressions, reach, engagements, a
CrowdTangle interaction history): one row per post, time, metric and source, kept beside the
post's current counts in `posts`."""

MIGRATION_3 = """
CREATE SEQUENCE assessments_seq START 1;
CREATE TABLE assessments (
    assessment_id BIGINT PRIMARY KEY,
    force VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    framework VARCHAR NOT NULL,
    framework_version VARCHAR NOT NULL,
    framework_sha256 VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by VARCHAR
);

CREATE SEQUENCE assessment_answers_seq START 1;
CREATE TABLE assessment_answers (
    answer_id BIGINT PRIMARY KEY,
    assessment_id BIGINT NOT NULL,
    indicator VARCHAR NOT NULL,
    level INTEGER NOT NULL,
    statement VARCHAR,
    note VARCHAR,
    answered_by VARCHAR,
    answered_at TIMESTAMP NOT NULL
);
"""
"""Maturity self-assessments (peelian.assess): one row per force and period, and the answers to
its questionnaire as append-only history (the latest answer per indicator counts)."""

MIGRATION_4 = """
CREATE TABLE collect_state (
    platform VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    target VARCHAR NOT NULL,
    parent VARCHAR,
    account_id VARCHAR,
    cursor VARCHAR,
    walk_until TIMESTAMP,
    walk_newest TIMESTAMP,
    newest_seen TIMESTAMP,
    reply_count BIGINT,
    fetched_reply_count BIGINT,
    status VARCHAR NOT NULL,
    pages BIGINT NOT NULL DEFAULT 0,
    records BIGINT NOT NULL DEFAULT 0,
    last_fetched_at TIMESTAMP,
    last_error VARCHAR,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (platform, kind, target)
);
"""
"""Where each collector (`peelian collect`) stands: an account's feed with the cursor of an unfinished
walk and the newest post of the finished ones, and each thread or context it has queued or fetched,
so a killed collection resumes where it stopped and a later one fetches only what is new."""

MIGRATION_5 = """
ALTER TABLE handled ADD COLUMN outcome VARCHAR;

CREATE TABLE triage_targets (
    force VARCHAR NOT NULL,
    intent VARCHAR NOT NULL,
    target_s DOUBLE NOT NULL,
    office_hours VARCHAR,
    set_by VARCHAR,
    set_at TIMESTAMP NOT NULL,
    PRIMARY KEY (force, intent)
);
"""
"""Triage (peelian.triage): why a post left the inbox without a reply on the platform (`outcome`:
handled_elsewhere or no_response_needed; older rows are handled_elsewhere), and the response-time
target per force ('*' for every force without its own) and citizen intent, in elapsed time or, where
`office_hours` is set, in office hours of the force's local time."""

MIGRATION_6 = """
CREATE TABLE organisations (
    org_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    sector VARCHAR NOT NULL,
    county VARCHAR,
    lat DOUBLE,
    lon DOUBLE,
    area VARCHAR,
    source_path VARCHAR,
    source_row BIGINT,
    imported_at TIMESTAMP NOT NULL
);

CREATE TABLE agreements (
    agreement_id BIGINT PRIMARY KEY,
    org_a VARCHAR NOT NULL,
    org_b VARCHAR NOT NULL,
    layer VARCHAR NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE,
    county VARCHAR,
    value DOUBLE,
    source VARCHAR,
    source_path VARCHAR,
    source_row BIGINT,
    imported_at TIMESTAMP NOT NULL
);
"""
"""Inter-organisational collaboration (peelian.network.orgdata, peelian.network.multilayer): the
organisations (police agencies and their partners, each with a sector and a county) and the agreements
between pairs of them, one layer each (contract, mutual_aid, sharing, working_group), from start to end."""

MIGRATION_7 = """
CREATE TABLE rollup_months (
    month DATE NOT NULL,
    platform VARCHAR,
    force VARCHAR,
    account_type VARCHAR,
    grp INTEGER NOT NULL,
    police_rows BIGINT NOT NULL,
    posts BIGINT NOT NULL,
    posts_original BIGINT NOT NULL,
    replies_to_citizens BIGINT NOT NULL,
    inbound_posts BIGINT NOT NULL,
    needs_response BIGINT NOT NULL,
    needs_response_gold BIGINT NOT NULL,
    needs_response_predicted BIGINT NOT NULL,
    needs_response_heuristic BIGINT NOT NULL,
    needs_response_all BIGINT NOT NULL,
    responded BIGINT NOT NULL,
    unanswered BIGINT NOT NULL,
    pending BIGINT NOT NULL,
    response_time_median_s DOUBLE,
    audience_citizens BIGINT NOT NULL,
    bins BIGINT[] NOT NULL
);

CREATE TABLE rollup_codes (
    dimension VARCHAR NOT NULL,
    month DATE NOT NULL,
    platform VARCHAR,
    force VARCHAR,
    account_type VARCHAR,
    code VARCHAR,
    n BIGINT NOT NULL,
    gold BIGINT NOT NULL,
    predicted BIGINT NOT NULL,
    heuristic BIGINT NOT NULL
);

CREATE TABLE rollup_hours (
    month DATE NOT NULL,
    platform VARCHAR,
    force VARCHAR,
    account_type VARCHAR,
    how SMALLINT,
    police_posts BIGINT NOT NULL,
    inbound_posts BIGINT NOT NULL,
    needs_response BIGINT NOT NULL,
    responses BIGINT NOT NULL
);
"""
"""The dashboard's aggregates per calendar month (peelian.metrics.rollup), derived from the fitted
dialogue and kept in the project so the first dashboard needs no fit: counts, the median response time
and the citizens reached per month and every combination of platform, force and account type
(`grp`: GROUPING(platform, force, account_type)), code counts and the activity clock per month and
cell. Only months whose figures changed are rewritten; `meta.rollup_state` says which data they match."""

MIGRATION_8 = """
CREATE TABLE rollup_weeks (
    week DATE NOT NULL,
    platform VARCHAR,
    force VARCHAR,
    account_type VARCHAR,
    posts BIGINT NOT NULL,
    replies_to_citizens BIGINT NOT NULL,
    inbound_posts BIGINT NOT NULL,
    needs_response BIGINT NOT NULL,
    responded BIGINT NOT NULL,
    unanswered BIGINT NOT NULL,
    pending BIGINT NOT NULL
);
"""
"""The dashboard's weekly trend (peelian.metrics.rollup): the counts behind the two-way ratio and the
response rate per ISO week (Monday), platform, force and account type."""

MIGRATION_9 = """
CREATE TABLE rollup_groups (
    month DATE NOT NULL,
    platform VARCHAR,
    force VARCHAR,
    account_type VARCHAR,
    police_rows BIGINT NOT NULL,
    posts BIGINT NOT NULL,
    replies_to_citizens BIGINT NOT NULL,
    inbound_posts BIGINT NOT NULL,
    needs_response BIGINT NOT NULL,
    responded BIGINT NOT NULL,
    responded_1h BIGINT NOT NULL,
    responded_24h BIGINT NOT NULL,
    pending BIGINT NOT NULL,
    responded_off BIGINT NOT NULL,
    needs_response_off_settled BIGINT NOT NULL,
    urgent_settled BIGINT NOT NULL,
    urgent_answered BIGINT NOT NULL,
    dialogue_conversations BIGINT NOT NULL,
    reply_recipients BIGINT NOT NULL,
    reciprocated BIGINT NOT NULL
);

CREATE TABLE rollup_delays (
    month DATE NOT NULL,
    platform VARCHAR,
    force VARCHAR,
    account_type VARCHAR,
    office BOOLEAN,
    d DOUBLE NOT NULL,
    n BIGINT NOT NULL
);
"""
"""The metric set's additive counts per month and finest cell (platform, force, account type), and the
response times behind its medians (each distinct delay with how many responses took it, per month, cell
and office hours), so the assessment and the benchmark read exact figures for any month-aligned period
without the fit (peelian.metrics.rollup_groups)."""

MIGRATION_10 = """
CREATE TABLE IF NOT EXISTS rollup_queue (
    month DATE NOT NULL,
    nid BIGINT NOT NULL,
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    force VARCHAR,
    account_type VARCHAR,
    account_h UBIGINT,
    account_id VARCHAR,
    account_handle VARCHAR,
    created_at TIMESTAMP NOT NULL,
    author VARCHAR,
    text VARCHAR,
    url VARCHAR,
    need_source VARCHAR,
    intent_codes VARCHAR[],
    resp_at TIMESTAMP,
    settled BOOLEAN NOT NULL
);
"""
"""The unanswered queue under the default parameters (peelian.metrics.rollup): every needs-response
inbound post with no response in its window, pending or overdue at the newest post, per force
addressed, with what the queue page shows of it, so the page needs no fit."""

MIGRATION_11 = """
CREATE TABLE IF NOT EXISTS rollup_police_posts (
    month DATE NOT NULL,
    nid BIGINT NOT NULL,
    platform VARCHAR,
    force VARCHAR,
    account_type VARCHAR,
    account_h UBIGINT,
    t TIMESTAMP NOT NULL,
    kind VARCHAR,
    to_citizen BOOLEAN,
    engagement BIGINT,
    followers BIGINT
);

CREATE TABLE IF NOT EXISTS rollup_inbound_posts (
    month DATE NOT NULL,
    nid BIGINT NOT NULL,
    platform VARCHAR,
    force VARCHAR,
    account_type VARCHAR,
    account_h UBIGINT,
    created_at TIMESTAMP NOT NULL,
    has_question BOOLEAN,
    intent_codes VARCHAR[],
    intent_source VARCHAR,
    local_dow TINYINT,
    local_sec BIGINT,
    resp_at TIMESTAMP,
    resp_nid BIGINT,
    delay_s DOUBLE
);
"""
"""The fitted dialogue's police posts and inbound posts (one row per post and force addressed) with the
columns the figures filter on, per month like the rest of the rollup (peelian.metrics.rollup.StoredFit), so
the posts behind a police or inbound figure and the triage inbox need no fit while the rollup is fresh."""

MIGRATION_12 = """
CREATE TABLE IF NOT EXISTS rollup_inbox (
    month DATE NOT NULL,
    nid BIGINT NOT NULL,
    platform VARCHAR,
    force VARCHAR,
    account_type VARCHAR,
    account_h UBIGINT,
    created_at TIMESTAMP NOT NULL,
    has_question BOOLEAN,
    intent_codes VARCHAR[],
    intent_source VARCHAR,
    local_dow TINYINT,
    local_sec BIGINT,
    resp_at TIMESTAMP,
    resp_nid BIGINT,
    delay_s DOUBLE,
    post_id VARCHAR NOT NULL,
    intents VARCHAR[],
    intent_from VARCHAR NOT NULL,
    risk BOOLEAN NOT NULL,
    risk_from VARCHAR,
    intent_key VARCHAR NOT NULL
);
"""
"""The triage inbox's rows (peelian.triage.inbox): the rows of rollup_inbound_posts still awaiting a
response when their month was written, with the post id and what the inbox derives from the triage
rules' reading of the post (its intents: gold, predicted, else the rules', and their source; immediate
risk and who found it; the key of the rows sharing a target), so the inbox reaching back over millions of
posts neither joins them nor runs the rules on every text. meta 'rollup_keep_rollup_inbox' records the rules'
fingerprint and the rollup they match; when either differs the inbox reads the texts instead."""

MIGRATION_13 = """
CREATE TABLE IF NOT EXISTS rollup_dialogs (
    month DATE NOT NULL,
    conv UBIGINT NOT NULL,
    platform VARCHAR,
    force VARCHAR,
    account_type VARCHAR,
    account_h UBIGINT,
    t TIMESTAMP NOT NULL,
    alternations INTEGER,
    nids BIGINT[],
    ts TIMESTAMP[]
);

CREATE TABLE IF NOT EXISTS rollup_recips (
    month DATE NOT NULL,
    nid BIGINT NOT NULL,
    platform VARCHAR,
    force VARCHAR,
    account_type VARCHAR,
    account_h UBIGINT,
    t TIMESTAMP NOT NULL,
    reciprocated BOOLEAN,
    citizen UBIGINT
);
"""
"""The fit's conversations (one row per conversation and force, with the rowids and times of the posts
the dialogue figures count in it) and reply recipients (one row per citizen, conversation and force, with
the first police reply), per month of their start like the rest of the rollup, so the posts behind a
conversation or reciprocity figure need no fit while the rollup is fresh."""

MIGRATION_14 = """
CREATE TABLE IF NOT EXISTS rollup_post_codes (
    dimension VARCHAR NOT NULL,
    month DATE NOT NULL,
    nid BIGINT NOT NULL,
    codes VARCHAR[],
    source VARCHAR
);
"""
"""The codes the fit reads for each police post of a police code dimension (the latest gold label, else the
prediction of the dimension's model), per month like the rest of the rollup, so the posts behind a code
share need not join millions of predictions to the posts while the rollup is fresh."""

MIGRATION_15 = """
CREATE INDEX IF NOT EXISTS predictions_post_id ON predictions(post_id);
"""
"""An ART index on the predictions' post ids, so the explorer lists the predictions of a page's 50 posts with
an index scan (an `IN` list of the ids) instead of reading every row group of millions of predictions (their
row groups hold scattered ids, so min/max pruning cannot skip them). Not unique: a post has a prediction per
dimension and model."""

MIGRATION_16 = """
ALTER TABLE imports ADD COLUMN IF NOT EXISTS blake3 VARCHAR;
ALTER TABLE imports ALTER COLUMN sha256 DROP NOT NULL;
"""
"""Files are fingerprinted with BLAKE3, not SHA-256: hashing is part of every import (a file identical to
one imported before is skipped), and BLAKE3 takes half the CPU time (a 1.6 GB file: 0.5 against 1.1 CPU-s,
3% of its import). Imports recorded before keep their sha256, which a file of the same size is still
compared with; new ones record blake3 only."""

MIGRATIONS: list[str] = [MIGRATION_1, MIGRATION_2, MIGRATION_3, MIGRATION_4, MIGRATION_5, MIGRATION_6,
                         MIGRATION_7, MIGRATION_8, MIGRATION_9, MIGRATION_10, MIGRATION_11, MIGRATION_12,
                         MIGRATION_13, MIGRATION_14, MIGRATION_15, MIGRATION_16]
SCHEMA_VERSION = len(MIGRATIONS)

POLICE_ACCOUNT_TYPES = ("force_corporate", "team", "officer", "unit")
OTHER_ACCOUNT_TYPES = ("partner", "media")
ACCOUNT_TYPES = POLICE_ACCOUNT_TYPES + OTHER_ACCOUNT_TYPES
POST_KINDS = ("original", "reply", "repost", "quote")


def role_for_account_type(account_type: str | None) -> str:
    """The author role used by metrics: police, partner, media or citizen."""
    if account_type is None:
        return "citizen"
    if account_type in POLICE_ACCOUNT_TYPES:
        return "police"
    return account_type
