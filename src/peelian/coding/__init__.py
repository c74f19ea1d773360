"""Coding layer: codebooks (YAML, REFI-QDA), samples, codings, reliability, adjudication into gold labels.

Modules: `codebook` (the format, the default codebook, the project's active codebook),
`refi` (.qdc exchange), `samples` (drawing and assigning samples, thread context),
`codings` (append-only codings, the coder's queue, undo), `sheets` (the spreadsheet route),
`reliability` (pure numpy statistics), `agreement` (reliability of a sample or a CSV) and
`gold` (disagreements, adjudication, majority rule, gold labels).
"""

from peelian.coding.codebook import (
    Code,
    Codebook,
    Dimension,
    active_codebook,
    default_codebook,
    import_codebook,
    load_codebook,
    save_codebook,
)
from peelian.coding.codings import (
    Coding,
    CodingItem,
    QueueEntry,
    coding_item,
    coding_queue,
    effective_codings,
    next_item,
    record_coding,
    undo_last,
)
from peelian.coding.gold import (
    adjudicate,
    apply_decisions,
    apply_majority,
    disagreements,
    gold_labels,
    gold_table,
    set_gold,
)
from peelian.coding.samples import (
    Sample,
    SamplingContext,
    create_sample,
    get_sample,
    list_samples,
    register_strategy,
    thread_context,
)
from peelian.coding.sheets import export_sheet, import_sheet

__all__ = [
    "Code", "Codebook", "Coding", "CodingItem", "Dimension", "QueueEntry", "Sample", "SamplingContext",
    "active_codebook", "adjudicate", "apply_decisions", "apply_majority", "coding_item", "coding_queue",
    "create_sample", "default_codebook", "disagreements", "effective_codings", "export_sheet", "get_sample",
    "gold_labels", "gold_table", "import_codebook", "import_sheet", "list_samples", "load_codebook", "next_item",
    "record_coding", "register_strategy", "save_codebook", "set_gold", "thread_context", "undo_last",
]
