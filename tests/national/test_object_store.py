"""Lakes on object stores: a real S3 API (moto's server on the loopback interface) for export,
the metric set and the network; URI parsing and its messages for s3a:// and abfss://."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
import pyarrow.fs as pafs
import pytest
from moto.server import ThreadedMotoServer

from peelian import Project
from peelian.errors import LakeError
from peelian.national import Lake, export_dataset, national_metric_set
from peelian.national.classify import classify_lake
from peelian.national.location import lake_location
from peelian.national.network import edges
from tests.national.test_metric_set import assert_same_set

SECRET = "moto-secret-never-stored"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The standard AWS variables pointing at the local S3, and a fresh bucket; returns its name."""
    for name, value in {"AWS_ENDPOINT_URL": s3_endpoint, "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    pafs.S3FileSystem(endpoint_override=s3_endpoint, region="us-east-1", allow_bucket_creation=True).create_dir(bucket)
    return bucket


@pytest.fixture
def local_and_s3_lakes(demo_path: Path, s3: str, tmp_path: Path) -> tuple[Path, str]:
    project = Project.open(demo_path)
    try:
        export_dataset(project, tmp_path / "lake")
        result = export_dataset(project, f"s3://{s3}/national/lake")
    finally:
        project.close()
    assert result["lake"] == f"s3://{s3}/national/lake"
    return tmp_path / "lake", f"s3://{s3}/national/lake"


def test_a_lake_on_s3_gives_the_local_lakes_metric_set_and_network(local_and_s3_lakes, s3_endpoint):
    local, remote = local_and_s3_lakes
    fs = pafs.S3FileSystem(endpoint_override=s3_endpoint, region="us-east-1")
    bucket = remote.split("/")[2]
    written = [i.path for i in fs.get_file_info(pafs.FileSelector(f"{bucket}/national/lake", recursive=True))
               if i.type == pafs.FileType.File]
    local_files = sorted(str(p.relative_to(local)) for p in local.rglob("*.parquet"))
    assert sorted(p.split("/national/lake/", 1)[1] for p in written if p.endswith(".parquet")) == local_files
    with fs.open_input_stream(f"{bucket}/national/lake/manifest.json") as stream:
        manifest = stream.read()
    assert SECRET.encode() not in manifest and b"testing" not in manifest  # credentials never stored
    remote_sources = orjson.loads(manifest)["sources"]
    local_sources = orjson.loads((local / "manifest.json").read_bytes())["sources"]
    assert {k: dict(v, exported_at=None) for k, v in remote_sources.items()} == \
        {k: dict(v, exported_at=None) for k, v in local_sources.items()}
    assert_same_set(national_metric_set(local, engine="duckdb"), national_metric_set(remote, engine="duckdb"))
    assert edges(remote, engine="duckdb") == edges(local, engine="duckdb")


def test_exporting_again_to_s3_replaces_the_sources_own_objects(local_and_s3_lakes, demo_path):
    _, remote = local_and_s3_lakes
    lake = Lake.open(remote)
    before = {t: lake.files(t) for t in ("police", "inbound", "texts")}
    project = Project.open(demo_path)
    try:
        export_dataset(project, remote)
    finally:
        project.close()
    lake = Lake.open(remote)
    assert {t: lake.files(t) for t in before} == before and len(lake.sources) == 1


def test_cli_exports_to_and_computes_from_an_s3a_uri(cli, demo_path, s3, tmp_path):
    project = tmp_path / "p.peelian"
    shutil.copy(demo_path, project)
    shutil.copytree(demo_path.parent / "demo.peelian.d", tmp_path / "p.peelian.d")
    uri = f"s3a://{s3}/lake"
    result = cli("export", project, "dataset", "--to", uri)
    assert result.exit_code == 0, result.output
    assert f"to the lake {uri} as source" in result.output and SECRET not in result.output
    result = cli("national", "metrics", uri, "--json")
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.output)["forces"] == 3
    result = cli("national", "metrics", f"s3a://{s3}/elsewhere")
    assert result.exit_code == 2 and "no manifest.json: this is not a Peelian lake" in result.output


def test_a_missing_bucket_is_named(s3):
    with pytest.raises(LakeError, match="the bucket 'no-such-bucket' does not exist"):
        Lake.open("s3a://no-such-bucket/lake")


def test_classify_asks_for_a_mounted_lake(local_and_s3_lakes, tmp_path):
    with pytest.raises(LakeError, match="needs the lake in a local or mounted folder"):
        classify_lake(local_and_s3_lakes[1], tmp_path, engine="duckdb")


# ---- URI parsing, without a store --------------------------------------------------------------

def test_uris_map_to_the_file_system_and_to_what_spark_reads(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # no region lookup over the network
    s3 = lake_location("s3a://bucket/national/lake/")
    assert (s3.root, s3.uri, s3.local) == ("bucket/national/lake", "s3a://bucket/national/lake", False)
    assert s3.spark_path("police") == "s3a://bucket/national/lake/police"
    assert isinstance(s3.fs, pafs.S3FileSystem)
    azure = lake_location("abfss://national@forcesdata.dfs.core.windows.net/lake")
    assert (azure.root, azure.scheme) == ("national/lake", "abfss")
    assert azure.spark_path("inbound") == "abfss://national@forcesdata.dfs.core.windows.net/lake/inbound"
    assert isinstance(azure.fs, pafs.AzureFileSystem)
    assert azure.uri_of("national/lake/police/x.parquet") == \
        "abfss://national@forcesdata.dfs.core.windows.net/lake/police/x.parquet"
    local = lake_location("relative/lake")
    assert local.local and Path(local.root).is_absolute() and local.spark_path("dialog").endswith("relative/lake/dialog")


@pytest.mark.parametrize(("uri", "message"), [
    ("gs://bucket/lake", r"unknown lake URI scheme 'gs://': use a local or mounted folder, s3a://bucket/prefix"),
    ("hdfs://namenode/lake", r"unknown lake URI scheme 'hdfs://'"),
    ("s3a:///lake", r"the URI names no bucket: write s3a://BUCKET/prefix"),
    ("s3://", r"the URI names no bucket"),
    ("abfss://forcesdata.dfs.core.windows.net/lake", r"the URI names no container"),
    ("abfss://national@forcesdata/lake", r"the URI names no storage account"),
    ("s3a://bucket/lake?endpoint=x", r"a lake URI takes no query"),
])
def test_bad_uris_are_named(uri, message):
    with pytest.raises(LakeError, match=message) as err:
        lake_location(uri)
    assert uri in str(err.value) or "?" in uri


@pytest.mark.parametrize("uri", ["s3a://AKIAEXAMPLE:wJalrXUtnFEMI@bucket/lake",
                                 "abfss://national:wJalrXUtnFEMI@forcesdata.dfs.core.windows.net/lake"])
def test_a_uri_carrying_credentials_is_refused_without_repeating_them(uri):
    with pytest.raises(LakeError, match="carries") as err:
        lake_location(uri)
    assert "wJalrXUtnFEMI" not in str(err.value) and "AKIAEXAMPLE" not in str(err.value)


def test_abfss_without_credentials_says_which_to_set(monkeypatch, tmp_path):
    import os

    for name in [n for n in os.environ if n.startswith(("AZURE_", "IDENTITY_", "MSI_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PATH", str(tmp_path))  # no `az` command to borrow a login from
    with pytest.raises(LakeError, match=r"no usable credentials to read the lake: set AZURE_STORAGE_ACCOUNT_KEY, "
                                        r"AZURE_STORAGE_SAS_TOKEN, a service principal") as err:
        Lake.open("abfss://national@forcesdata.dfs.core.windows.net/lake")
    assert err.value.path == "abfss://national@forcesdata.dfs.core.windows.net/lake"
