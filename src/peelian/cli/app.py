"""The root Typer application and the command groups every CLI module registers on."""

from __future__ import annotations

import typer

from peelian.cli.common import PeelianGroup

# The panels of `peelian --help`, in the order of a study's workflow (PeelianGroup lists commands so).
PROJECT = "Project & import"
CODING = "Coding"
CLASSIFY = "Classify"
MEASURE = "Measure"
REPORT = "Report & serve"
ADMIN = "Admin"
HELP_PANELS = (PROJECT, CODING, CLASSIFY, MEASURE, REPORT, ADMIN)

app = typer.Typer(
    name="peelian",
    cls=PeelianGroup,
    help="Peelian: measure and improve how police and the public talk to each other on social media.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
registry_app = typer.Typer(help="The registry of police (and partner) accounts.", no_args_is_help=True)
collect_app = typer.Typer(help="Collect posts from open platform APIs (Bluesky, Mastodon).", no_args_is_help=True)
codebook_app = typer.Typer(help="Codebooks: show, import (YAML or REFI-QDA .qdc), export.", no_args_is_help=True)
sample_app = typer.Typer(help="Coding samples: create, list, export sheets.", no_args_is_help=True)
codings_app = typer.Typer(help="Human codings: import filled coding sheets, list.", no_args_is_help=True)
classify_app = typer.Typer(help="Classifiers trained on the human codes.", no_args_is_help=True)
metrics_app = typer.Typer(help="Dialogue and responsiveness metrics.", invoke_without_command=True)
expectations_app = typer.Typer(help="Public expectations surveys and the expectations gap.", no_args_is_help=True)
users_app = typer.Typer(help="Web app users and roles.", no_args_is_help=True)
national_app = typer.Typer(help="National scale: the metric set, classification and networks of many forces over a lake, on DuckDB or Apache Spark.", no_args_is_help=True)
assess_app = typer.Typer(help="The four-pillar maturity self-assessment: start, answer, show, compare.",
                         no_args_is_help=True)

app.add_typer(registry_app, name="registry", rich_help_panel=PROJECT)
app.add_typer(collect_app, name="collect", rich_help_panel=PROJECT)
app.add_typer(codebook_app, name="codebook", rich_help_panel=CODING)
app.add_typer(sample_app, name="sample", rich_help_panel=CODING)
app.add_typer(codings_app, name="codings", rich_help_panel=CODING)
app.add_typer(classify_app, name="classify", rich_help_panel=CLASSIFY)
app.add_typer(metrics_app, name="metrics", rich_help_panel=MEASURE)
app.add_typer(expectations_app, name="expectations", rich_help_panel=MEASURE)
app.add_typer(assess_app, name="assess", rich_help_panel=MEASURE)
app.add_typer(national_app, name="national", rich_help_panel=MEASURE)
app.add_typer(users_app, name="users", rich_help_panel=ADMIN)
