"""Where a lake lives: a local or mounted folder, an S3 bucket or an Azure Data Lake container.

A lake is addressed by what the user types: a folder, `s3a://bucket/prefix` (or `s3://`), or
`abfss://container@account.dfs.core.windows.net/prefix`. PyArrow's file systems read and write
it on this machine (the manifest, the export's Parquet, DuckDB's reads); Spark is handed the
URI as typed and reads it with the cluster's own drivers (hadoop-aws, ABFS), so the scheme the
user chose is the one their cluster speaks.

Credentials come only from where the cloud SDKs look by themselves: the standard environment
variables, configuration files and instance or managed identities. A URI carrying a secret is
refused, so none can reach the manifest, the project's audit log or a message.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.fs as pafs

from peelian.errors import LakeError

S3_SCHEMES = ("s3", "s3a")
AZURE_SCHEMES = ("abfss", "abfs")
SCHEMES = S3_SCHEMES + AZURE_SCHEMES
S3_CREDENTIALS = ("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN), AWS_PROFILE, "
                  "or an instance profile / IAM role")
AZURE_CREDENTIALS = ("AZURE_STORAGE_ACCOUNT_KEY, AZURE_STORAGE_SAS_TOKEN, a service principal "
                     "(AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET), workload identity "
                     "(AZURE_FEDERATED_TOKEN_FILE) or a managed identity")
T = TypeVar("T")


@dataclass(frozen=True)
class LakeLocation:
    """A lake's place: the file system, the lake's root inside it, and the URI Spark is given."""

    uri: str
    fs: pafs.FileSystem
    root: str
    local: bool
    scheme: str = ""

    def join(self, *parts: str) -> str:
        """A path inside the file system, below the lake's root."""
        return posixpath.join(self.root, *parts) if not self.local else str(Path(self.root, *parts))

    def uri_of(self, path: str) -> str:
        """The URI a user would type for a path inside the file system (for messages)."""
        if self.local:
            return path
        return self.uri + path[len(self.root):]

    def spark_path(self, *parts: str) -> str:
        """What Spark reads: the URI as the user typed it (its scheme is the cluster's driver)."""
        return "/".join([self.uri, *parts]) if not self.local else str(Path(self.root, *parts))

    def call(self, what: str, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run one file-system operation, turning the SDK's failure into a LakeError that names
        the problem (no credentials, no such bucket or container, the store not reached)."""
        try:
            return fn(*args, **kwargs)
        except (OSError, pa.ArrowException) as exc:
            raise self.error(what, exc) from exc

    def error(self, what: str, exc: BaseException) -> LakeError:
        text = str(exc)
        if self.local:
            return LakeError(f"could not {what} ({text})", path=self.uri)
        azure = self.scheme in AZURE_SCHEMES
        if any(s in text for s in ("AuthenticationException", "DefaultAzureCredential", "No credentials",
                                   "NoCredentialProviders", "InvalidAccessKeyId", "SignatureDoesNotMatch",
                                   "ExpiredToken", "AuthorizationFailure", "AuthenticationFailed")):
            return LakeError(f"no usable credentials to {what}: set {AZURE_CREDENTIALS if azure else S3_CREDENTIALS} "
                             f"in the environment (they are never read from the lake URI or stored)", path=self.uri)
        if any(s in text for s in ("NO_SUCH_BUCKET", "bucket does not exist", "NoSuchBucket", "ContainerNotFound")):
            kind = "container" if azure else "bucket"
            return LakeError(f"the {kind} {self.root.split('/', 1)[0]!r} does not exist (create it first)",
                             path=self.uri)
        if any(s in text for s in ("ACCESS_DENIED", "AccessDenied", "AuthorizationPermissionMismatch")):
            return LakeError(f"access denied when trying to {what}: the credentials found lack permission",
                             path=self.uri)
        return LakeError(f"could not {what} ({text})", path=self.uri)

    def check_container(self) -> None:
        """Raise LakeError naming a missing bucket or container (a store reports a key under it as
        merely absent, which would read as "not a lake")."""
        if self.local:
            return
        top = self.root.split("/", 1)[0]
        if not self.exists(top):
            kind = "container" if self.scheme in AZURE_SCHEMES else "bucket"
            raise LakeError(f"the {kind} {top!r} does not exist (create it first)", path=self.uri)

    # ---- the few operations the lake needs --------------------------------------------------------
    def exists(self, path: str) -> bool:
        return self.call("read the lake", self.fs.get_file_info, path).type != pafs.FileType.NotFound

    def files(self, path: str, suffix: str = "") -> list[str]:
        """Every file below `path` (none when it does not exist), sorted."""
        selector = pafs.FileSelector(path, recursive=True, allow_not_found=True)
        infos = self.call("list the lake", self.fs.get_file_info, selector)
        return sorted(i.path for i in infos if i.type == pafs.FileType.File and i.path.endswith(suffix))

    def read_bytes(self, path: str) -> bytes:
        def read() -> bytes:
            with self.fs.open_input_stream(path) as stream:
                return stream.read()

        return self.call("read the lake", read)

    def write_bytes(self, path: str, data: bytes) -> None:
        """Write a whole file; on a local folder through a temporary file moved into place, so a
        reader never sees half of it (an object store's upload is whole or absent by itself)."""
        def write(target: str) -> None:
            with self.fs.open_output_stream(target) as stream:
                stream.write(data)

        if self.local:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            write(path + ".tmp")
            Path(path + ".tmp").replace(path)
        else:
            self.call("write to the lake", write, path)

    def delete(self, path: str) -> None:
        self.call("delete from the lake", self.fs.delete_file, path)


def lake_location(value: str | Path) -> LakeLocation:
    """Parse a lake's address: a folder, s3a:// / s3:// or abfss:// / abfs://. Raises LakeError
    for an unknown scheme, a URI without its bucket or container, or one carrying credentials."""
    text = str(value)
    if isinstance(value, Path) or "://" not in text:
        path = Path(text).expanduser().absolute()
        return LakeLocation(str(path), pafs.LocalFileSystem(), str(path), True)
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise LakeError(f"unknown lake URI scheme {parts.scheme + '://'!r}: use a local or mounted folder, "
                        f"s3a://bucket/prefix (or s3://) or abfss://container@account.dfs.core.windows.net/prefix",
                        path=text)
    if parts.query or parts.fragment:
        raise LakeError("a lake URI takes no query or fragment (credentials and options come from the "
                        "environment)", path=_redacted(text))
    prefix = parts.path.strip("/")
    if scheme in S3_SCHEMES:
        bucket = parts.hostname or ""
        if parts.username is not None or parts.password is not None:
            raise LakeError("the URI carries credentials: remove them, and set AWS_ACCESS_KEY_ID / "
                            "AWS_SECRET_ACCESS_KEY (or a profile or instance role) instead", path=_redacted(text))
        if not bucket:
            raise LakeError(f"the URI names no bucket: write {scheme}://BUCKET/prefix", path=text)
        uri = f"{parts.scheme}://{parts.netloc}" + (f"/{prefix}" if prefix else "")
        return LakeLocation(uri, _s3_filesystem(bucket, uri), posixpath.join(bucket, prefix).rstrip("/"), False,
                            scheme)
    if parts.password is not None:
        raise LakeError("the URI carries a secret: remove it, and set the credentials in the environment "
                        f"({AZURE_CREDENTIALS})", path=_redacted(text))
    container, host = parts.username or "", parts.hostname or ""
    if not container:
        raise LakeError(f"the URI names no container: write {scheme}://CONTAINER@ACCOUNT.dfs.core.windows.net/prefix",
                        path=text)
    account, _, suffix = host.partition(".")
    if not account or not suffix.startswith("dfs."):
        raise LakeError(f"the URI names no storage account: write {scheme}://CONTAINER@ACCOUNT.dfs.core.windows.net"
                        f"/prefix", path=text)
    uri = f"{parts.scheme}://{parts.netloc}" + (f"/{prefix}" if prefix else "")
    return LakeLocation(uri, _azure_filesystem(account, "." + suffix, scheme), posixpath.join(container, prefix)
                        .rstrip("/"), False, scheme)


def _redacted(text: str) -> str:
    """The URI without anything between the scheme and the host that could be a secret."""
    parts = urlsplit(text)
    return f"{parts.scheme}://…@{parts.hostname or ''}{parts.path}"


def _s3_filesystem(bucket: str, uri: str) -> pafs.FileSystem:
    """S3 with the SDK's own credential chain; the endpoint from AWS_ENDPOINT_URL_S3 /
    AWS_ENDPOINT_URL (an S3-compatible store) and the region from AWS_REGION /
    AWS_DEFAULT_REGION, else the bucket's own."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    kwargs: dict[str, str] = {}
    if endpoint:
        kwargs["endpoint_override"] = endpoint
    if not region and not endpoint:
        try:
            region = pafs.resolve_s3_region(bucket)
        except (OSError, pa.ArrowException) as exc:
            raise LakeLocation(uri, pafs.LocalFileSystem(), bucket, False, "s3").error(
                "find the bucket's region", exc) from exc
    if region:
        kwargs["region"] = region
    return pafs.S3FileSystem(**kwargs)


def _azure_filesystem(account: str, dfs_suffix: str, scheme: str) -> pafs.FileSystem:
    """Azure Data Lake Storage Gen2: an account key or SAS token from the environment, else the
    default credential chain (service principal or workload identity variables, managed identity)."""
    kwargs: dict[str, str] = {}
    key = os.environ.get("AZURE_STORAGE_ACCOUNT_KEY") or os.environ.get("AZURE_STORAGE_KEY")
    sas = os.environ.get("AZURE_STORAGE_SAS_TOKEN")
    if key:
        kwargs["account_key"] = key
    elif sas:
        kwargs["sas_token"] = sas
    if dfs_suffix != ".dfs.core.windows.net":  # another Azure cloud
        kwargs["dfs_storage_authority"] = dfs_suffix
        kwargs["blob_storage_authority"] = dfs_suffix.replace(".dfs.", ".blob.", 1)
    return pafs.AzureFileSystem(account, **kwargs)  # abfs:// too: the store takes TLS only
