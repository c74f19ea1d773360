"""The metric columns: name, type, unit and definition, in one place.

The tidy metric tables, their Arrow schema, the common metric set and its schema
document (docs/metric-set.md, checked by a test) all read this list, so a column
cannot be added in one place and forgotten in another.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

ARROW_TYPES = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "date": pa.date32()}
MIX_DIMENSIONS = {
    # dimension: (scope of posts, scope in words)
    "mode": ("police", "police posts"),
    "topic": ("original", "police original posts"),
    "practice": ("to_citizen", "police replies to citizens"),
    "stance": ("to_citizen", "police replies to citizens"),
}
CODE_SCOPES = {
    # every dimension a share can be computed for: the mixes, plus these two
    **MIX_DIMENSIONS,
    "objective": ("original", "police original posts"),
    "citizen_intent": ("inbound", "inbound citizen posts"),
}
METRIC_SET_MIXES = ("mode", "topic")
SOURCE_WORDS = "gold | predicted | heuristic | mixed | none | all"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # str, int, float, date
    unit: str
    definition: str

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.type]


KEY_COLUMNS: dict[str, Column] = {c.name: c for c in (
    Column("force", "str", "", "the force (police posts: the author's force; inbound posts: the force addressed)"),
    Column("account_type", "str", "", "force_corporate, team, officer or unit (of the author, or of the account "
           "addressed)"),
    Column("account", "str", "", "account id (of the author, or of the primary account addressed)"),
    Column("account_handle", "str", "", "the account's handle"),
    Column("platform", "str", "", "platform"),
    Column("period", "date", "date", "first day of the period (UTC calendar; weeks start on Monday)"),
    Column("period_end", "date", "date", "last day of the period"),
    Column("month", "date", "date", "first day of the month (UTC)"),
)}

METRIC_COLUMNS: list[Column] = [
    # volume and two-way
    Column("posts", "int", "posts", "police posts (reposts excluded unless include_reposts)"),
    Column("posts_original", "int", "posts", "police original posts"),
    Column("posts_reply", "int", "posts", "police replies (to anyone)"),
    Column("posts_quote", "int", "posts", "police quote posts"),
    Column("posts_repost", "int", "posts", "police reposts"),
    Column("accounts_active", "int", "accounts", "police accounts with at least one post"),
    Column("posts_per_account_week", "float", "posts/account/week",
           "posts ÷ active accounts ÷ weeks covered (days of the period inside the data and filters ÷ 7)"),
    Column("replies_to_citizens", "int", "posts", "police replies to citizen posts"),
    Column("two_way_ratio", "float", "ratio", "police replies to citizen posts ÷ police posts"),
    Column("one_way_share", "float", "ratio", "1 − two-way ratio"),
    Column("broadcast_ratio", "float", "ratio", "police original posts ÷ police replies to citizens"),
    # engagement
    Column("engagement_per_post", "float", "interactions/post",
           "mean of likes + replies + reposts + quotes per police post (posts with any count known)"),
    Column("engagement_rate", "float", "ratio",
           "mean of engagement ÷ the author's followers at the time, over posts where followers are known"),
    # responsiveness
    Column("inbound_posts", "int", "posts", "citizen posts replying to a police post or mentioning a police account"),
    Column("needs_response", "int", "posts", "inbound posts that need a response (parameter needs_response)"),
    Column("needs_response_source", "str", "", f"where the needs-response decision came from: {SOURCE_WORDS}"),
    Column("needs_response_gold", "int", "posts", "inbound posts decided by a gold citizen_intent label"),
    Column("needs_response_predicted", "int", "posts", "inbound posts decided by a predicted citizen_intent"),
    Column("needs_response_heuristic", "int", "posts", "inbound posts decided by the 'contains a question' fallback"),
    Column("responded", "int", "posts", "needs-response posts with a response (within response_limit, if set)"),
    Column("responded_1h", "int", "posts", "needs-response posts with a response within 1 hour"),
    Column("responded_24h", "int", "posts", "needs-response posts with a response within 24 hours"),
    Column("answered_within_window", "int", "posts", "needs-response posts with a response within the window"),
    Column("unanswered", "int", "posts", "needs-response posts with no response within the window, the window "
           "having passed by as_of"),
    Column("pending", "int", "posts", "needs-response posts with no response yet whose window has not passed; "
           "needs_response = answered_within_window + unanswered + pending"),
    Column("response_rate", "float", "ratio", "responded ÷ (needs_response − pending); with parameter "
           "pending = count, responded ÷ needs_response"),
    Column("response_rate_1h", "float", "ratio", "responded within 1 h ÷ the response rate's denominator"),
    Column("response_rate_24h", "float", "ratio", "responded within 24 h ÷ the response rate's denominator"),
    Column("response_time_median_s", "float", "seconds", "median time to first response (responded posts)"),
    Column("response_time_p90_s", "float", "seconds", "90th percentile of time to first response"),
    Column("response_time_mean_s", "float", "seconds", "mean time to first response"),
    Column("needs_response_office", "int", "posts", "needs-response posts made in office hours (force local time)"),
    Column("responded_office", "int", "posts", "of those, responded"),
    Column("response_time_office_median_s", "float", "seconds", "median response time, inbound in office hours"),
    Column("response_time_office_p90_s", "float", "seconds", "90th percentile, inbound in office hours"),
    Column("response_time_office_mean_s", "float", "seconds", "mean, inbound in office hours"),
    Column("needs_response_off", "int", "posts", "needs-response posts made outside office hours"),
    Column("responded_off", "int", "posts", "of those, responded"),
    Column("response_time_off_median_s", "float", "seconds", "median response time, inbound outside office hours"),
    Column("response_time_off_p90_s", "float", "seconds", "90th percentile, inbound outside office hours"),
    Column("response_time_off_mean_s", "float", "seconds", "mean, inbound outside office hours"),
    # dialogue
    Column("dialogue_conversations", "int", "conversations",
           "conversations with both police (of the force) and citizen turns"),
    Column("dialogue_depth_mean", "float", "alternations", "mean number of police↔citizen alternations"),
    Column("dialogue_depth_median", "float", "alternations", "median number of police↔citizen alternations"),
    Column("reply_recipients", "int", "citizen-conversations",
           "(citizen, conversation) pairs where the citizen got a police reply"),
    Column("reciprocated", "int", "citizen-conversations", "of those, the citizen posted again afterwards"),
    Column("reciprocity", "float", "ratio", "reciprocated ÷ reply_recipients"),
    # audience
    Column("audience_citizens", "int", "citizens", "distinct citizen accounts with an inbound post"),
    Column("returning_citizens", "int", "citizens", "of those, citizens who also had an inbound post (to the same "
           "group) in the previous period of equal length"),
    Column("returning_share", "float", "ratio", "returning_citizens ÷ audience_citizens; empty when the previous "
           "period starts before the first post in the project"),
    Column("concentration_top_share", "float", "ratio", "share of inbound posts from the top top_share (10%) of "
           "citizens (ceil(top_share × citizens) most active)"),
    Column("gini", "float", "index", "Gini coefficient of inbound posts per citizen"),
]


def mix_columns(dimension: str, codes: list[str]) -> list[Column]:
    """Share columns of one code dimension: observed share, and the misclassification-adjusted
    share with its 95% interval where the shares rest on predictions with a measured error."""
    scope = CODE_SCOPES[dimension][1]
    columns = [
        Column(f"{dimension}_n", "int", "posts", f"{scope} in scope of the {dimension} mix"),
        Column(f"{dimension}_source", "str", "", f"where the {dimension} codes came from: {SOURCE_WORDS}"),
        Column(f"{dimension}_gold", "int", "posts", f"{scope} with a gold {dimension} label"),
        Column(f"{dimension}_predicted", "int", "posts", f"{scope} with a predicted {dimension} code"),
        Column(f"{dimension}_heuristic", "int", "posts", f"{scope} with a heuristic {dimension} code"),
    ]
    for code in codes:
        columns += [
            Column(f"{dimension}_share_{code}", "float", "share", f"share of {scope} coded {dimension} = {code}"),
            Column(f"{dimension}_share_{code}_adjusted", "float", "share",
                   "misclassification-adjusted share (predicted part × precision ÷ recall)"),
            Column(f"{dimension}_share_{code}_low", "float", "share", "lower end of the adjusted share's 95% interval"),
            Column(f"{dimension}_share_{code}_high", "float", "share",
                   "upper end of the adjusted share's 95% interval"),
        ]
    return columns


EXPECTATION_COLUMNS = [
    Column("expectations_survey", "str", "", "the survey the expected shares come from"),
    Column("expectations_tvd", "float", "distance",
           "total variation distance between expected and actual topic shares (0 = same, 1 = disjoint)"),
    Column("expectations_jsd", "float", "bits", "Jensen–Shannon divergence (base 2) between expected and actual "
           "topic shares (0 = same, 1 = disjoint)"),
]


def gap_columns(codes: list[str]) -> list[Column]:
    return [Column(f"topic_gap_{code}", "float", "share", f"expected share − actual share of topic {code}")
            for code in codes]
