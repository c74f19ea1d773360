"""REFI-QDA codebook (.qdc) import and export, for NVivo, ATLAS.ti, MAXQDA, QualCoder and Taguette.

Mapping (docs/codebook.md): a dimension is a top-level non-codable `<Code>` whose children
are its codes; a code's parent is the code it is nested in. Peelian's fields that REFI-QDA
has no attribute for (code id, key, definition, include, exclude, examples; a dimension's
id, scope, multi-label and level) are written into `<Description>` as labelled blocks, and
the codebook's id, name, version and description into a `<Set>` that groups the
dimensions, so a codebook exported by Peelian reads back unchanged. Files from other tools
are read leniently: the older namespace `urn:QDA-XML:codebook:0:4`, a missing `isCodable`,
braced GUIDs, an empty `<Sets/>`, flat code lists (one catch-all dimension) and ATLAS.ti's
`Category::code` names (one dimension per category).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from lxml import etree

from peelian import __version__
from peelian.coding.codebook import KINDS, LEVELS, ROLES, Code, Codebook, Dimension
from peelian.errors import CodebookError

NS = "urn:QDA-XML:codebook:1.0"
ACCEPTED_NAMESPACES = ("urn:QDA-XML:codebook:1.0", "urn:QDA-XML:codebook:0:4", "urn:QDA-XML:project:1.0",
                       "urn:QDA-XML:project:0:4")
XSD_FILE = "refi_qda_codebook.xsd"
SET_MARKER = "Peelian codebook"
GUID_NAMESPACE = uuid.UUID("6f1e2d43-2b9c-5b1a-9d0e-7c3a52f0e8a1")

CODE_LABELS = {"Id": "id", "Key": "key", "Definition": "definition", "Include": "include", "Exclude": "exclude",
               "Examples": "examples"}
DIMENSION_LABELS = {"Id": "id", "Description": "description", "Roles": "roles", "Kinds": "kinds",
                    "Multi-label": "multi_label", "Level": "level"}
CODEBOOK_LABELS = {"Id": "id", "Name": "name", "Version": "version", "Description": "description"}
_BLOCK_RE = re.compile(r"^([A-Z][A-Za-z-]*):(?: (.*))?$")
_GUID_RE = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")
_COLOUR_RE = re.compile(r"^#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")


@dataclass
class QdcImport:
    """A codebook read from a .qdc file and what could not be carried over."""

    codebook: Codebook
    origin: str | None
    warnings: list[str] = field(default_factory=list)


@dataclass
class _RawCode:
    guid: str
    name: str
    codable: bool
    colour: str | None
    description: str
    children: list[_RawCode]
    line: int | None


# ---- labelled blocks --------------------------------------------------------------------------

def pack_blocks(pairs: list[tuple[str, str | list[str]]]) -> str:
    """`Label: value` blocks; continuation lines are indented two spaces, list items start with `- `."""
    lines: list[str] = []
    for label, value in pairs:
        if isinstance(value, list):
            if not value:
                continue
            lines.append(f"{label}:")
            for item in value:
                first, *rest = item.split("\n")
                lines.append(f"- {first}")
                lines += [f"  {r}" for r in rest]
        elif value:
            first, *rest = value.split("\n")
            lines.append(f"{label}: {first}")
            lines += [f"  {r}" for r in rest]
    return "\n".join(lines)


def unpack_blocks(text: str, labels: dict[str, str]) -> tuple[dict[str, str | list[str]], str]:
    """The labelled blocks of a Description, and any free text before the first label."""
    out: dict[str, str | list[str]] = {}
    free: list[str] = []
    current: str | None = None
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        match = _BLOCK_RE.match(line)
        if match and match.group(1) in labels:
            current = labels[match.group(1)]
            out[current] = [] if current == "examples" else (match.group(2) or "")
            continue
        if current is None:
            free.append(line)
        elif current == "examples":
            items = out[current]
            assert isinstance(items, list)
            if line.startswith("- "):
                items.append(line[2:])
            elif items:
                items[-1] += "\n" + (line[2:] if line.startswith("  ") else line)
        else:
            out[current] = f"{out[current]}\n{line[2:] if line.startswith('  ') else line}"
    return out, "\n".join(free).strip()


# ---- export -----------------------------------------------------------------------------------

def _guid(*parts: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, "/".join(parts)))


def qdc_bytes(codebook: Codebook) -> bytes:
    """The codebook as REFI-QDA Codebook 1.0 XML."""
    root = etree.Element(f"{{{NS}}}CodeBook", nsmap={None: NS})
    root.set("origin", f"Peelian {__version__}")
    codes_el = etree.SubElement(root, f"{{{NS}}}Codes")
    dim_guids = []
    for dim in codebook.dimensions:
        guid = _guid(codebook.id, dim.id)
        dim_guids.append(guid)
        dim_el = etree.SubElement(codes_el, f"{{{NS}}}Code", guid=guid, name=dim.label, isCodable="false")
        _description(dim_el, pack_blocks([
            ("Id", dim.id), ("Description", dim.description), ("Roles", ", ".join(dim.applies_to_roles)),
            ("Kinds", ", ".join(dim.applies_to_kinds)), ("Multi-label", "yes" if dim.multi_label else "no"),
            ("Level", dim.level),
        ]))
        children: dict[str | None, list[Code]] = {}
        for code in dim.codes:
            children.setdefault(code.parent, []).append(code)

        def add(parent_el: etree._Element, parent_id: str | None, dim: Dimension = dim,
                children: dict[str | None, list[Code]] = children) -> None:
            for code in children.get(parent_id, []):
                attrs = {"guid": _guid(codebook.id, dim.id, code.id), "name": code.label, "isCodable": "true"}
                if code.colour:
                    attrs["color"] = code.colour
                el = etree.SubElement(parent_el, f"{{{NS}}}Code", **attrs)
                _description(el, pack_blocks([
                    ("Id", code.id), ("Key", code.key or ""), ("Definition", code.definition),
                    ("Include", code.include), ("Exclude", code.exclude), ("Examples", list(code.examples)),
                ]))
                add(el, code.id)

        add(dim_el, None)
    sets_el = etree.SubElement(root, f"{{{NS}}}Sets")
    set_el = etree.SubElement(sets_el, f"{{{NS}}}Set", guid=_guid(codebook.id), name=f"{SET_MARKER}: {codebook.name}")
    _description(set_el, SET_MARKER + "\n" + pack_blocks([
        ("Id", codebook.id), ("Name", codebook.name), ("Version", codebook.version),
        ("Description", codebook.description)]))
    for guid in dim_guids:
        etree.SubElement(set_el, f"{{{NS}}}MemberCode", guid=guid)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _description(parent: etree._Element, text: str) -> None:
    if text:
        etree.SubElement(parent, f"{{{NS}}}Description").text = text


def write_qdc(codebook: Codebook, path: str | Path) -> None:
    try:
        Path(path).write_bytes(qdc_bytes(codebook))
    except OSError as exc:
        raise CodebookError(f"cannot write: {exc.strerror}", path=str(path)) from exc


def qdc_schema() -> etree.XMLSchema:
    """The REFI-QDA Codebook XSD shipped with Peelian (see the note at its top on provenance)."""
    with resources.files("peelian.coding").joinpath(XSD_FILE).open("rb") as fh:
        return etree.XMLSchema(etree.parse(fh))


# ---- import -----------------------------------------------------------------------------------

def read_qdc(path: str | Path, *, id: str | None = None, name: str | None = None,
             version: str | None = None) -> QdcImport:
    """Read a .qdc (or the CodeBook inside a .qde project) leniently; problems name the line."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CodebookError(f"cannot read: {exc.strerror}", path=str(path)) from exc
    return parse_qdc(data, source=str(path), default_name=path.stem, id=id, name=name, version=version)


def parse_qdc(data: bytes, *, source: str | None = None, default_name: str = "codebook", id: str | None = None,
              name: str | None = None, version: str | None = None) -> QdcImport:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise CodebookError(f"not valid XML: {exc.msg}", path=source,
                            location=f"line {exc.lineno}" if exc.lineno else None) from exc
    namespace = etree.QName(root).namespace
    if namespace not in ACCEPTED_NAMESPACES:
        raise CodebookError(f"not a REFI-QDA codebook: root element is in namespace {namespace!r} "
                            f"(expected {ACCEPTED_NAMESPACES[0]!r} or {ACCEPTED_NAMESPACES[1]!r})", path=source,
                            location=f"line {root.sourceline}")
    book = root
    if etree.QName(root).localname == "Project":
        book = next((el for el in root if etree.QName(el).localname == "CodeBook"), None)
        if book is None:
            raise CodebookError("the project file has no CodeBook element", path=source)
    elif etree.QName(root).localname != "CodeBook":
        raise CodebookError(f"root element is <{etree.QName(root).localname}>, expected <CodeBook>", path=source,
                            location=f"line {root.sourceline}")
    codes_el = _child(book, "Codes")
    if codes_el is None:
        raise CodebookError("the codebook has no <Codes> element", path=source, location=f"line {book.sourceline}")
    warnings: list[str] = []
    problems: list[str] = []
    raw = [_raw_code(el, problems) for el in _children(codes_el, "Code")]
    if problems:
        raise CodebookError(problems[0] if len(problems) == 1 else f"{len(problems)} problems:\n  "
                            + "\n  ".join(problems), path=source)
    if not raw:
        raise CodebookError("the codebook has no codes", path=source, location=f"line {codes_el.sourceline}")

    meta: dict[str, str | list[str]] = {}
    sets_el = _child(book, "Sets")
    for set_el in _children(sets_el, "Set") if sets_el is not None else []:
        text = _text(_child(set_el, "Description"))
        if text.startswith(SET_MARKER):
            meta, _ = unpack_blocks(text[len(SET_MARKER):].lstrip("\n"), CODEBOOK_LABELS)
        else:
            members = len(_children(set_el, "MemberCode"))
            warnings.append(f"set {set_el.get('name')!r} ({members} codes) was not imported: Peelian has no "
                            "code sets")
    from_peelian = bool(meta)

    dimensions: list[Dimension] = []
    loose: list[_RawCode] = []
    categories: dict[str, list[_RawCode]] = {}
    for rc in raw:
        if rc.children:
            if rc.codable:
                warnings.append(f"code {rc.name!r} (line {rc.line}) has sub-codes, so it became a dimension; "
                                "codings cannot use it directly")
            dimensions.append(_dimension(rc, warnings))
        elif "::" in rc.name:
            prefix, _, rest = rc.name.partition("::")
            categories.setdefault(prefix.strip(), []).append(
                _RawCode(rc.guid, rest.strip() or rc.name, rc.codable, rc.colour, rc.description, [], rc.line))
        else:
            loose.append(rc)
    for prefix, members in categories.items():
        dimensions.append(_dimension(_RawCode("", prefix, False, None, "", members, None), warnings))
    if loose:
        dimensions.append(_dimension(_RawCode("", "Codes", False, None, "", loose, None), warnings))
    _unique_dimension_ids(dimensions)
    if not from_peelian:
        for dim in dimensions:
            _assign_keys(dim)

    book_id = id or _text_value(meta.get("id")) or _slug(default_name)
    codebook = Codebook(id=_slug(book_id), name=name or _text_value(meta.get("name")) or default_name,
                        version=version or _text_value(meta.get("version")) or "1",
                        description=_text_value(meta.get("description")) or (
                            f"Imported from {etree.QName(root).localname} file ({book.get('origin') or 'unknown tool'})"
                            if not from_peelian else ""),
                        dimensions=dimensions)
    codebook.validate(source)
    return QdcImport(codebook=codebook, origin=book.get("origin") or root.get("origin"), warnings=warnings)


def _child(el: etree._Element | None, name: str) -> etree._Element | None:
    if el is None:
        return None
    return next((c for c in el if isinstance(c.tag, str) and etree.QName(c).localname == name), None)


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and etree.QName(c).localname == name]


def _text(el: etree._Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def _text_value(value: str | list[str] | None) -> str:
    if isinstance(value, list):
        return "\n".join(value)
    return (value or "").strip()


def _raw_code(el: etree._Element, problems: list[str]) -> _RawCode:
    name = (el.get("name") or "").strip()
    guid_text = (el.get("guid") or "").strip()
    match = _GUID_RE.match(guid_text)
    if not name:
        problems.append(f"line {el.sourceline}: <Code> has no name")
    if guid_text and not match:
        problems.append(f"line {el.sourceline}: <Code name={name!r}> has an invalid guid {guid_text!r}")
    codable = (el.get("isCodable") or "true").strip().lower() not in ("false", "0")
    colour = (el.get("color") or "").strip() or None
    if colour and not _COLOUR_RE.match(colour):
        colour = None
    return _RawCode(guid=match.group(1).lower() if match else "", name=name, codable=codable, colour=colour,
                    description=_text(_child(el, "Description")),
                    children=[_raw_code(c, problems) for c in _children(el, "Code")], line=el.sourceline)


def _dimension(rc: _RawCode, warnings: list[str]) -> Dimension:
    blocks, free = unpack_blocks(rc.description, DIMENSION_LABELS)
    roles = [r.strip() for r in _text_value(blocks.get("roles")).split(",") if r.strip()]
    kinds = [k.strip() for k in _text_value(blocks.get("kinds")).split(",") if k.strip()]
    bad = [r for r in roles if r not in ROLES] + [k for k in kinds if k not in KINDS]
    if bad:
        warnings.append(f"dimension {rc.name!r}: unknown roles or kinds {', '.join(bad)} were dropped")
    level = _text_value(blocks.get("level")) or "nominal"
    multi = _text_value(blocks.get("multi_label")).lower()
    dim = Dimension(
        id=_slug(_text_value(blocks.get("id")) or rc.name), label=rc.name or "Codes",
        description=_text_value(blocks.get("description")) or free,
        applies_to_roles=[r for r in roles if r in ROLES], applies_to_kinds=[k for k in kinds if k in KINDS],
        multi_label=multi in ("yes", "true", "1") if multi else True,
        level=level if level in LEVELS else "nominal", codes=[],
    )
    used: set[str] = set()

    def walk(children: list[_RawCode], parent: str | None) -> None:
        for child in children:
            code = _code(child, parent, used)
            dim.codes.append(code)
            walk(child.children, code.id)

    walk(rc.children, None)
    return dim


def _code(rc: _RawCode, parent: str | None, used: set[str]) -> Code:
    blocks, free = unpack_blocks(rc.description, CODE_LABELS)
    code_id = _unique(_slug(_text_value(blocks.get("id")) or rc.name), used)
    key = _text_value(blocks.get("key"))
    examples = blocks.get("examples")
    return Code(id=code_id, label=rc.name or code_id, definition=_text_value(blocks.get("definition")) or free,
                include=_text_value(blocks.get("include")), exclude=_text_value(blocks.get("exclude")),
                examples=list(examples) if isinstance(examples, list) else [], parent=parent, colour=rc.colour,
                key=key if re.fullmatch(r"[a-z0-9]", key or "") else None)


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", text.strip()).strip("_.-").lower()
    return (slug or "code")[:64]


def _unique(base: str, used: set[str]) -> str:
    candidate, n = base, 2
    while candidate in used:
        suffix = f"_{n}"
        candidate = base[:64 - len(suffix)] + suffix
        n += 1
    used.add(candidate)
    return candidate


def _unique_dimension_ids(dimensions: list[Dimension]) -> None:
    used: set[str] = set()
    for dim in dimensions:
        dim.id = _unique(dim.id, used)


def _assign_keys(dim: Dimension) -> None:
    """Keyboard keys for imported codes: first free letter of the label, then digits."""
    taken = {c.key for c in dim.codes if c.key}
    for code in dim.codes:
        if code.key and code.key in taken and sum(c.key == code.key for c in dim.codes) > 1:
            code.key = None
    taken = {c.key for c in dim.codes if c.key}
    for code in dim.codes:
        if code.key:
            continue
        for ch in [*code.label.lower(), *"abcdefghijklmnopqrstuvwxyz0123456789"]:
            if re.fullmatch(r"[a-z0-9]", ch) and ch not in taken:
                code.key = ch
                taken.add(ch)
                break
