"""Coding layer: codebooks (YAML, REFI-QDA), samples, codings, reliability, adjudication into gold labels.

Modules: `codebook` (the format, the default codebook, the project's active codebook),
`refi` (.qdc exchange), `samples` (drawing and assigning samples, thread context),
`codings` (append-only codings, the coder's queue, undo), `sheets` (the spreadsheet route),
`reliability` (pure numpy statistics), `agreement` (reliability of a sample or a CSV) and
`gold` (disagreements, adjudication, majority rule, gold labels).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peelian._lazy import lazy_exports

if TYPE_CHECKING:
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

# Each name's module is imported on first use (see peelian._lazy).
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "codebook": (
        "Code", "Codebook", "Dimension", "active_codebook", "default_codebook", "import_codebook", "load_codebook",
        "save_codebook"
    ),
    "codings": (
        "Coding", "CodingItem", "QueueEntry", "coding_item", "coding_queue", "effective_codings", "next_item",
        "record_coding", "undo_last"
    ),
    "gold": (
        "adjudicate", "apply_decisions", "apply_majority", "disagreements", "gold_labels", "gold_table", "set_gold"
    ),
    "samples": (
        "Sample", "SamplingContext", "create_sample", "get_sample", "list_samples", "register_strategy",
        "thread_context"
    ),
    "sheets": ("export_sheet", "import_sheet"),
})
