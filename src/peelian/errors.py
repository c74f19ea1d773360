"""Typed exceptions. The library raises these; only the CLI and web edges turn them into messages."""

from __future__ import annotations


class PeelianError(Exception):
    """Base class for every error Peelian reports to a user."""


class ProjectError(PeelianError):
    """The project file is missing, unreadable or not a Peelian project."""


class ProjectExistsError(ProjectError):
    """`init` was asked to create a project where one already exists."""


class SchemaVersionError(ProjectError):
    """The project was written by a newer Peelian than the one running."""


class ProjectLockedError(ProjectError):
    """Another process holds the project open for writing."""


class StorageError(PeelianError):
    """The project (or a file next to it) cannot be written: a full disk, a file-size limit, a
    read-only file or folder. Carries the path and the operating system's cause."""

    def __init__(self, message: str, *, path: str | None = None, cause: str | None = None):
        self.path = path
        self.cause = cause
        super().__init__(message)


class ProjectReadOnlyError(StorageError, ProjectError):
    """The project file or its folder is read-only to this process."""


class InputError(PeelianError):
    """Bad user input: a file, a row or a value. Carries where, so messages can name it."""

    def __init__(self, message: str, *, path: str | None = None, location: str | None = None):
        self.path = path
        self.location = location
        where = ", ".join(p for p in (path, location) if p)
        super().__init__(f"{where}: {message}" if where else message)
        self.reason = message


class UnknownFormatError(InputError):
    """No importer recognises the file."""


class FormatError(InputError):
    """A file claimed by an importer cannot be read as that format at all."""


class NoPostsError(UnknownFormatError):
    """The file is a known platform's response or export file that holds no posts (an instance
    document, a poll, an account list, an archive's manifest): the message says what it is and
    which file of the export to import instead."""


class MappingError(InputError):
    """A generic-CSV column mapping is incomplete or names missing columns."""


class RegistryError(InputError):
    """The police-account registry CSV is invalid."""


class CodebookError(InputError):
    """A codebook (YAML or REFI-QDA) is malformed."""


class CodingError(InputError):
    """Codings or a coding sheet cannot be applied."""


class SampleError(PeelianError):
    """A sample cannot be drawn or is unknown."""


class ModelError(PeelianError):
    """A classifier cannot be trained, loaded or applied."""


class MetricsError(PeelianError):
    """A metric parameter is invalid or a metric cannot be computed."""


class NotFoundError(PeelianError):
    """A named thing (post, conversation, sample, user, model) does not exist."""


class AuthError(PeelianError):
    """Authentication or authorisation failed."""


class NotAssignedError(AuthError):
    """A coder asked for, or tried to code, a post outside the samples assigned to them."""


class DraftError(InputError):
    """A draft (or a file of drafts) cannot be checked: empty, not text, or without the text column."""


class CollectError(PeelianError):
    """A collection from a platform's API cannot go on."""


class UnknownAccountError(CollectError):
    """The platform says the account to collect does not exist (or is suspended, deactivated or
    blocking the collector)."""


class RemoteAuthError(CollectError):
    """The platform refused the request: it needs a login, or the content is private."""


class NetworkError(CollectError):
    """The platform could not be reached, or kept failing (5xx, rate limits) after every retry."""


class BadResponseError(NetworkError):
    """The platform answered with something that is not the JSON its API documents (an HTML error
    page, truncated JSON), even after retries. Carries the last body received, for the record."""

    def __init__(self, message: str, *, content: bytes | None = None):
        self.content = content
        super().__init__(message)


class AssessmentError(InputError):
    """A maturity framework, an answers file, a force or a period of an assessment is invalid."""


class NetworkDataError(InputError):
    """An organisations or agreements file is invalid (unknown organisation, unknown layer, end before
    start, a self-tie, a missing column); the message names the file, each bad row and why."""


class LakeError(InputError):
    """A national lake (partitioned Parquet plus manifest) is missing, malformed or cannot take an export."""


class EngineUnavailableError(PeelianError):
    """A distributed engine (Spark) cannot start here: PySpark or Java is missing."""
