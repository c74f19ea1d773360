"""The national lake: force projects exported as partitioned Parquet with a manifest.

A force's project holds the pseudonym secret, so everything that needs it, or that needs the
whole project (conversations rebuilt from reply links, the force each citizen post addresses,
first responses, local office hours, the codes' source), is fitted there, by the same
`Dialogue` the embedded engine uses. The export writes those per-post facts, never the secret:
one table per metric family, partitioned by force, platform and month, each file holding full
columns (the directories are `force_key=<slug>/platform_key=<platform>/month_key=YYYY-MM`, so
Spark, DuckDB, PyArrow or Polars read them with or without partition discovery). Every aggregation
of the metric set is left to the national engines. The lake is a folder or an object-store URI
(s3a://, abfss://); every read and write goes through its PyArrow file system (location.py).

Several projects merge into one lake: each force belongs to exactly one export (its source),
a source is its project plus its pseudonym key fingerprint, and a second export of the same
source replaces its own files. Post ids in the lake are `platform:post_id`, which no two
projects can disagree on.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from peelian import __version__
from peelian.errors import LakeError
from peelian.metrics.columns import METRIC_SET_MIXES
from peelian.metrics.params import MetricParams
from peelian.national.location import LakeLocation, lake_location
from peelian.store.project import Project, utcnow

LAKE_FORMAT = "peelian-lake"
SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
PARTITION_KEYS = ("force_key", "platform_key", "month_key")

_S, _I64, _TS = pa.string(), pa.int64(), pa.timestamp("us")
_LIST = pa.list_(pa.string())
# Column names are those of the fitted dialogue's tables (engine.py), so compute.py's families run unchanged.
SCHEMAS: dict[str, pa.Schema] = {
    "police": pa.schema([("nid", _S), ("force", _S), ("account_type", _S), ("author", _I64), ("platform", _S),
                         ("created_at", _TS), ("kind", _S), ("to_citizen", pa.bool_()), ("engagement", _I64),
                         ("followers", _I64), ("local_how", pa.int16())]),
    "inbound": pa.schema([("nid", _S), ("force", _S), ("account_h", _I64), ("account_type", _S), ("platform", _S),
                          ("author", _I64), ("created_at", _TS), ("conv", _I64), ("has_question", pa.bool_()),
                          ("intent_codes", _LIST), ("intent_source", _S), ("local_dow", pa.int8()),
                          ("local_sec", _I64), ("local_how", pa.int16()), ("resp_at", _TS), ("resp_nid", _S),
                          ("resp_account", _I64), ("resp_how", pa.int16()), ("delay_s", pa.float64())]),
    "dialog": pa.schema([("conv", _I64), ("force", _S), ("account_type", _S), ("account_h", _I64),
                         ("platform", _S), ("t", _TS), ("alternations", pa.int32())]),
    "recip": pa.schema([("nid", _S), ("force", _S), ("account_type", _S), ("account_h", _I64), ("platform", _S),
                        ("t", _TS), ("reciprocated", pa.bool_()), ("citizen", _I64)]),
    "codes": pa.schema([("nid", _S), ("force", _S), ("platform", _S), ("t", _TS), ("dimension", _S),
                        ("codes", _LIST), ("source", _S)]),
    "texts": pa.schema([("nid", _S), ("force", _S), ("platform", _S), ("created_at", _TS), ("role", _S),
                        ("kind", _S), ("text", _S)]),
    "edges": pa.schema([("force", _S), ("platform", _S), ("source", _S), ("target", _S), ("kind", _S),
                        ("created_at", _TS), ("source_role", _S), ("source_force", _S), ("target_role", _S),
                        ("target_force", _S)]),
}
# The time column each table is partitioned by month on.
TIME_COLUMN = {"police": "created_at", "inbound": "created_at", "dialog": "t", "recip": "t", "codes": "t",
               "texts": "created_at", "edges": "created_at"}


def key_fingerprint(project: Project) -> str:
    """A one-way fingerprint of the project's pseudonym secret: equal for equal keys, and
    useless for recomputing pseudonyms (it is a hash of the key, never the key)."""
    from peelian.store.project import SECRET_FILE

    path = project.folder / SECRET_FILE
    if not path.exists():
        raise LakeError("the project's pseudonym secret is missing, so its export could not be told apart "
                        "from another force's", path=str(path))
    secret = bytes.fromhex(path.read_text().strip())
    return hashlib.sha256(b"peelian-lake-key-fingerprint\x00" + secret).hexdigest()[:16]


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "x"


# ---- the manifest ----------------------------------------------------------------------------------

@dataclass
class Lake:
    """An opened lake: where it is (a folder or an object-store URI) and its manifest (schema
    version, fit parameters, sources, forces)."""

    location: LakeLocation
    manifest: dict[str, Any]

    @classmethod
    def open(cls, where: str | Path | LakeLocation) -> Lake:
        """Read and check the manifest; a lake without one, or of another schema version, is refused."""
        location = where if isinstance(where, LakeLocation) else lake_location(where)
        if location.local and not Path(location.root).is_dir():
            raise LakeError("no such lake folder", path=location.uri)
        file = location.join(MANIFEST)
        if not location.exists(file):
            location.check_container()
            raise LakeError(f"no {MANIFEST}: this is not a Peelian lake (write one with "
                            f"`peelian export PROJECT dataset --to {location.uri}`)", path=location.uri)
        try:
            manifest = orjson.loads(location.read_bytes(file))
        except orjson.JSONDecodeError as exc:
            raise LakeError(f"the manifest is not valid JSON ({exc})", path=location.uri_of(file)) from exc
        if not isinstance(manifest, dict) or manifest.get("format") != LAKE_FORMAT:
            raise LakeError(f"the manifest is not a {LAKE_FORMAT} manifest", path=location.uri_of(file))
        version = manifest.get("schema_version")
        if version != SCHEMA_VERSION:
            raise LakeError(f"lake schema version {version} does not match this Peelian's version {SCHEMA_VERSION}; "
                            f"re-export the projects with Peelian {__version__} into a new lake",
                            path=location.uri_of(file))
        return cls(location, manifest)

    @classmethod
    def create(cls, location: LakeLocation, params: MetricParams) -> Lake:
        return cls(location, {"format": LAKE_FORMAT, "schema_version": SCHEMA_VERSION, "peelian_version": __version__,
                              "fit": _fit_params(params), "sources": {}, "forces": {},
                              "tables": {name: [[f.name, str(f.type)] for f in schema]
                                         for name, schema in SCHEMAS.items()}})

    def save(self) -> None:
        self.location.write_bytes(self.location.join(MANIFEST),
                                  orjson.dumps(self.manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))

    @property
    def uri(self) -> str:
        """The lake as the user addressed it (a folder, or an s3a:// / abfss:// URI)."""
        return self.location.uri

    @property
    def path(self) -> Path:
        """The lake's local folder, for work that needs one (renaming finished partitions)."""
        if not self.location.local:
            raise LakeError("this needs the lake in a local or mounted folder (e.g. /dbfs/mnt/lake on Databricks, "
                            "a blobfuse or mountpoint-s3 mount); object-store URIs serve export, metrics and "
                            "network", path=self.uri)
        return Path(self.location.root)

    # ---- what the engines read ----
    @property
    def sources(self) -> dict[str, dict[str, Any]]:
        return self.manifest["sources"]

    @property
    def forces(self) -> list[str]:
        return sorted(self.manifest["forces"])

    def files(self, table: str) -> list[str]:
        """The table's Parquet files, as paths in the lake's file system."""
        return self.location.files(self.location.join(table), ".parquet")

    def check_schemas(self) -> None:
        """Every file's columns and types must be the schema version's (a file from another
        version, or written by hand, would otherwise give wrong figures or a deep engine error)."""
        for table, schema in SCHEMAS.items():
            for file in self.files(table):
                found = self.location.call("read a Parquet footer", pq.read_schema, file,
                                           filesystem=self.location.fs)
                for field in schema:
                    index = found.get_field_index(field.name)
                    if index < 0:
                        raise LakeError(f"column {field.name!r} is missing (lake schema version {SCHEMA_VERSION})",
                                        path=self.location.uri_of(file))
                    if not found.field(index).type.equals(field.type):
                        raise LakeError(f"column {field.name!r} is {found.field(index).type}, lake schema version "
                                        f"{SCHEMA_VERSION} has {field.type}", path=self.location.uri_of(file))

    def data_span(self) -> tuple[datetime | None, datetime | None]:
        """First and newest post over all sources (as the embedded engine takes them for one project)."""
        starts = [datetime.fromisoformat(s["data_start"]) for s in self.sources.values() if s.get("data_start")]
        ends = [datetime.fromisoformat(s["data_end"]) for s in self.sources.values() if s.get("data_end")]
        return (min(starts) if starts else None, max(ends) if ends else None)

    def codes(self) -> dict[str, list[str]]:
        """Code ids per mix dimension; every source must use the same codebook codes."""
        found = {orjson.dumps(s["codes"]): s["codes"] for s in self.sources.values()}
        if not found:
            from peelian.metrics.codes import _default_codebook

            return {dim: _default_codebook().dimension(dim).code_ids() for dim in METRIC_SET_MIXES}
        return next(iter(found.values()))

    def models(self) -> dict[str, dict[str, Any]]:
        """The model per dimension whose evaluation adjusts the shares: the sources' common one.
        Where sources used different models for a dimension, no single correction applies to the
        pooled counts, so the adjusted shares of that dimension stay empty."""
        out: dict[str, dict[str, Any]] = {}
        for dim in METRIC_SET_MIXES:
            models = {orjson.dumps(s["models"].get(dim)) for s in self.sources.values()}
            if len(models) == 1:
                model = next(iter(self.sources.values()))["models"].get(dim)
                if model:
                    out[dim] = model
        return out

    def survey(self) -> Any:
        """The expectations survey, as the sources recorded it (the shares of every force merged)."""
        from peelian.metrics.expectations import Survey

        recorded = [s["survey"] for s in self.sources.values() if s.get("survey")]
        if not recorded:
            return None
        survey = Survey(recorded[0]["name"])
        for rec in recorded:
            for force, topic, share in rec["shares"]:
                survey.shares.setdefault(force, {})[topic] = share
        return survey


def _fit_params(params: MetricParams) -> dict[str, Any]:
    """The parameters applied when facts are fitted in the project (the rest apply when aggregating)."""
    return {"use_predictions": params.use_predictions, "default_time_zone": params.default_time_zone}


# ---- export --------------------------------------------------------------------------------------

def _open_or_create(location: LakeLocation, params: MetricParams) -> Lake:
    if location.local:
        folder = Path(location.root)
        if folder.exists() and not folder.is_dir():
            raise LakeError("not a folder", path=location.uri)
    if location.exists(location.join(MANIFEST)):
        lake = Lake.open(location)
        if lake.manifest["fit"] != _fit_params(params):
            raise LakeError(f"the lake was fitted with {lake.manifest['fit']}, this export with "
                            f"{_fit_params(params)}; export every project with the same parameters", path=location.uri)
        return lake
    location.check_container()
    if location.files(location.root) or (location.local and Path(location.root).is_dir()
                                         and any(Path(location.root).iterdir())):
        raise LakeError(f"the folder is not empty and has no {MANIFEST}: not a Peelian lake", path=location.uri)
    if location.local:
        Path(location.root).mkdir(parents=True, exist_ok=True)
    return Lake.create(location, params)


def _check_sources(lake: Lake, source_id: str, project_name: str, fingerprint: str, forces: Sequence[str],
                   codes: dict[str, list[str]]) -> None:
    """Refuse an export that would put two sources' facts under one force, or mix codebooks."""
    for force in forces:
        owner = lake.manifest["forces"].get(force)
        if owner is None or owner == source_id:
            continue
        other = lake.sources[owner]
        if other["key_fingerprint"] != fingerprint:
            raise LakeError(f"pseudonym key clash for force {force!r}: the lake holds it from project "
                            f"{other['project']!r} pseudonymised with key {other['key_fingerprint']}, this project's "
                            f"key is {fingerprint}; the same citizens would be counted twice under two pseudonyms. "
                            f"Export each force from one project only, or use a new lake", path=lake.uri)
        raise LakeError(f"id clash for force {force!r}: the lake already holds it from project {other['project']!r}; "
                        f"each force must come from one project (export the others with --force)",
                        path=lake.uri)
    for other in lake.sources.values():
        if other["codes"] != codes and other.get("project") != project_name:
            raise LakeError(f"the codebook of project {other['project']!r} has other codes than this project's "
                            f"({other['codes']} vs {codes}); a lake holds one codebook", path=lake.uri)


def export_dataset(project: Project, destination: str | Path, *, forces: Sequence[str] | None = None,
                   params: MetricParams | None = None) -> dict[str, Any]:
    """Export the project's facts (all its forces, or `forces`) into the lake at `destination`,
    creating it or merging into it. Returns what was written."""
    from peelian.metrics.codes import code_ids
    from peelian.metrics.engine import prepared
    from peelian.metrics.expectations import load_survey

    if not project.pseudonymise_citizens:
        raise LakeError("the project keeps citizens' real ids (pseudonymise_citizens is off); a lake takes "
                        "pseudonymised projects only", path=str(project.path))
    params = params or MetricParams()
    location = lake_location(destination)
    lake = _open_or_create(location, params)
    fingerprint = key_fingerprint(project)
    project_name = project.path.name
    source_id = f"{_slug(project.path.stem)}-{fingerprint[:8]}"
    dialogue = prepared(project, params)
    con = dialogue.con_
    codes = {dim: code_ids(project, dim) for dim in METRIC_SET_MIXES}
    present = sorted({r[0] for r in con.execute(
        "SELECT DISTINCT CAST(force AS VARCHAR) FROM m_police UNION SELECT DISTINCT CAST(force AS VARCHAR) "
        "FROM m_inbound UNION SELECT DISTINCT CAST(force AS VARCHAR) FROM m_dialog").fetchall() if r[0]})
    if forces:
        unknown = [f for f in forces if f not in present]
        if unknown:
            raise LakeError(f"no data for force(s) {', '.join(map(repr, unknown))} in this project "
                            f"(it has: {', '.join(present) or 'none'})", path=str(project.path))
        chosen = list(forces)
    else:
        chosen = present
    _check_sources(lake, source_id, project_name, fingerprint, chosen, codes)
    written = {}
    for table in SCHEMAS:
        written[table] = _write_table(lake, table, source_id, _table_arrow(dialogue, table, chosen))
    survey = load_survey(project)
    start, end = dialogue.data_start_, dialogue.data_end_
    lake.sources[source_id] = {
        "project": project_name, "key_fingerprint": fingerprint, "exported_at": utcnow().isoformat(),
        "peelian_version": __version__, "forces": chosen,
        "data_start": start.isoformat() if start else None, "data_end": end.isoformat() if end else None,
        "codes": codes, "threads": dict(dialogue.threads_),
        "models": {dim: {"model_id": m["model_id"], "evaluation": m["evaluation"]}
                   for dim, m in dialogue.models_.items() if dim in METRIC_SET_MIXES},
        "survey": {"name": survey.name, "shares": [[f, t, v] for f, shares in survey.shares.items()
                                                   for t, v in sorted(shares.items())]} if survey else None,
        "rows": written,
    }
    lake.manifest["forces"] = {f: s for f, s in lake.manifest["forces"].items() if s != source_id}
    lake.manifest["forces"].update({f: source_id for f in chosen})
    lake.save()
    if not project.read_only:
        project.audit("export", target="dataset", detail={"to": location.uri, "source": source_id,
                                                          "forces": chosen, "rows": written})
    return {"lake": location.uri, "source": source_id, "forces": chosen, "key_fingerprint": fingerprint,
            "rows": written}


def _table_arrow(dialogue: Any, table: str, forces: Sequence[str]) -> pa.Table:
    """One lake table of the fitted dialogue, for the chosen forces, cast to the lake schema."""
    con = dialogue.con_
    nid = "(p.platform || ':' || p.post_id)"
    signed = "CAST(CAST({} AS HUGEINT) - 9223372036854775808 AS BIGINT)"  # UBIGINT hash -> BIGINT, one to one
    force_list = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in forces) + "]"
    chosen = f"list_contains({force_list}, CAST(x.force AS VARCHAR))"
    sql = {
        "police": f"""SELECT {nid} AS nid, x.force, x.account_type, {signed.format('x.author')} AS author, x.platform,
                             x.created_at, x.kind, x.to_citizen, x.engagement, x.followers, x.local_how
                      FROM m_police x JOIN posts p ON p.rowid = x.nid WHERE {chosen}""",
        "inbound": f"""SELECT {nid} AS nid, x.force, {signed.format('x.account_h')} AS account_h, x.account_type,
                              x.platform, {signed.format('x.author')} AS author, x.created_at,
                              {signed.format('x.conv')} AS conv, x.has_question, x.intent_codes, x.intent_source,
                              x.local_dow, x.local_sec, x.local_how, x.resp_at,
                              CASE WHEN r.rowid IS NOT NULL THEN r.platform || ':' || r.post_id END AS resp_nid,
                              {signed.format('x.resp_account')} AS resp_account, x.resp_how, x.delay_s
                       FROM m_inbound x JOIN posts p ON p.rowid = x.nid LEFT JOIN posts r ON r.rowid = x.resp_nid
                       WHERE {chosen}""",
        "dialog": f"""SELECT {signed.format('x.conv')} AS conv, x.force, x.account_type,
                             {signed.format('x.account_h')} AS account_h, x.platform, x.t, x.alternations
                      FROM m_dialog x WHERE {chosen}""",
        "recip": f"""SELECT {nid} AS nid, x.force, x.account_type, {signed.format('x.account_h')} AS account_h,
                            x.platform, x.t, x.reciprocated, {signed.format('x.citizen')} AS citizen
                     FROM m_recip x JOIN posts p ON p.rowid = x.nid WHERE {chosen}""",
        "codes": " UNION ALL ".join(
            f"""SELECT {nid} AS nid, x.force, x.platform, x.created_at AS t, '{dim}' AS dimension, c.codes,
                       CAST(c.source AS VARCHAR) AS source
                FROM m_police x JOIN {dialogue.codes(dim)} c ON c.nid = x.nid JOIN posts p ON p.rowid = x.nid
                WHERE {chosen}""" for dim in METRIC_SET_MIXES),
        "texts": f"""SELECT {nid} AS nid, x.force, x.platform, p.created_at, p.author_role AS role, p.kind, p.text
                     FROM (SELECT nid, force, platform FROM m_police
                           UNION SELECT nid, force, platform FROM m_inbound) x
                     JOIN posts p ON p.rowid = x.nid WHERE {chosen}""",
        "edges": f"""WITH x AS (SELECT nid, force FROM m_police UNION SELECT nid, force FROM m_inbound),
                     e AS (
                         SELECT x.force, p.platform, p.author_id AS source, p.reply_to_account_id AS target,
                                'reply' AS kind, p.created_at, p.author_role AS source_role,
                                p.author_force AS source_force
                         FROM x JOIN posts p ON p.rowid = x.nid
                         WHERE p.reply_to_account_id IS NOT NULL AND p.author_id IS NOT NULL AND {chosen}
                         UNION ALL
                         SELECT x.force, p.platform, p.author_id, coalesce(m.account_id, m.handle), 'mention',
                                p.created_at, p.author_role, p.author_force
                         FROM x JOIN posts p ON p.rowid = x.nid JOIN mentions m USING (platform, post_id)
                         WHERE p.author_id IS NOT NULL AND {chosen})
                     SELECT e.*, coalesce(o.role, 'citizen') AS target_role, o.force AS target_force
                     FROM e LEFT JOIN m_org o ON o.platform = e.platform AND o.account_id = e.target""",
    }[table]
    time = TIME_COLUMN[table]
    keyed = f"""SELECT *, regexp_replace(lower(CAST(force AS VARCHAR)), '[^a-z0-9]+', '-', 'g') AS force_key,
                       CAST(platform AS VARCHAR) AS platform_key, strftime({time}, '%Y-%m') AS month_key
                FROM ({sql})"""
    con.execute("SELECT 1").fetchall()  # finish any result the fit left open, so a relation may run
    result = con.sql(keyed).to_arrow_table()
    if isinstance(result, pa.RecordBatchReader):
        result = result.read_all()
    schema = SCHEMAS[table]
    columns = [result.column(f.name).cast(f.type) for f in schema]
    keys = [result.column(k).cast(pa.string()) for k in PARTITION_KEYS]
    return pa.Table.from_arrays(columns + keys, schema=schema.append(pa.field("force_key", _S))
                                .append(pa.field("platform_key", _S)).append(pa.field("month_key", _S)))


def _write_table(lake: Lake, table: str, source_id: str, data: pa.Table) -> int:
    """Replace this source's files of one table with `data`, partitioned by force, platform, month."""
    location = lake.location
    folder = location.join(table)
    for old in location.files(folder, ".parquet"):
        if old.rsplit("/", 1)[-1].startswith(f"{source_id}-"):
            location.delete(old)
    if location.local and Path(folder).is_dir():  # an object store has no empty folders to leave behind
        for empty in sorted(Path(folder).rglob("*"), reverse=True):
            if empty.is_dir() and not any(empty.iterdir()):
                shutil.rmtree(empty)
    if data.num_rows:
        location.call("write to the lake", ds.write_dataset, data, folder, format="parquet",
                      filesystem=location.fs, basename_template=f"{source_id}-{{i}}.parquet",
                      partitioning=ds.partitioning(pa.schema([(k, _S) for k in PARTITION_KEYS]), flavor="hive"),
                      existing_data_behavior="overwrite_or_ignore", max_rows_per_group=1 << 20)
    return data.num_rows
