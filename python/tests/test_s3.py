"""Reading outputs from object storage: a real S3-compatible server
(SeaweedFS, started by tools/s3serve), the driver writing there, and the
reader checked against the same job written to a local directory."""

import importlib
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

import sluice
from conftest import REPO, ROWS, SEED, SMALL_JOB



def need(module):
    """Import a module the test needs: in CI (.ci/run installs it) a missing
    one fails the test; elsewhere it skips."""
    if os.environ.get("CI") == "true":
        return importlib.import_module(module)
    return pytest.importorskip(module)


boto3 = need("boto3")
botocore_config = need("botocore.config")


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """The running server: {"endpoint", "env"} with the test's AWS
    environment applied to this process while the module runs."""
    go = shutil.which("go") or "/usr/local/go/bin/go"
    exe = str(tmp_path_factory.mktemp("s3bin") / "s3serve")
    subprocess.run([go, "build", "-o", exe, "./tools/s3serve"], cwd=REPO, check=True)
    proc = subprocess.Popen([exe, str(tmp_path_factory.mktemp("s3data"))], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        proc.wait()
        raise RuntimeError("s3serve exited (rc %s) without starting the server" % proc.returncode)
    info = json.loads(line)
    saved = dict(os.environ)
    for kv in info["env"]:
        k, _, v = kv.partition("=")
        os.environ[k] = v
    client = boto3.session.Session().client(
        "s3", endpoint_url=info["endpoint"], region_name="us-east-1",
        config=botocore_config.Config(s3={"addressing_style": "path"}))
    client.create_bucket(Bucket="pytest")
    info["client"] = client
    yield info
    os.environ.clear()
    os.environ.update(saved)
    proc.stdin.close()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def outputs(s3, driver, small, tmp_path_factory):
    """(local dir, s3 URL) of the same job."""
    local = small()
    d = tmp_path_factory.mktemp("s3job")
    job = d / "job.yaml"
    job.write_text(SMALL_JOB % {"rows": ROWS, "seed": SEED, "format": "arrow", "compression": "zstd"})
    url = "s3://pytest/small"
    subprocess.run([driver, "submit", str(job), "--set", "output.path=" + url, "--quiet"],
                   check=True, stdout=subprocess.DEVNULL)
    return local, url


def test_reads_the_same_as_local(outputs):
    local, url = outputs
    a, b = sluice.open(local), sluice.open(url)
    assert b.path == url
    assert [sh["sha256"] for s in a.splits for sh in a.shards(s)] == \
        [sh["sha256"] for s in b.splits for sh in b.shards(s)]
    for split in a.splits:
        x, y = a.read(split), b.read(split)
        assert list(x) == list(y)
        for k in x:
            np.testing.assert_array_equal(np.asarray(x[k]), np.asarray(y[k]))
    assert b.shard_path(b.shards("eval")[0]).startswith(url + "/eval/")


def test_torch_reads_s3(outputs):
    torch = need("torch")
    from sluice.torch import ShardDataset
    local, url = outputs
    ds = ShardDataset(url, split="eval", label="birth_year", batch_size=64, shuffle=False)
    loader = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=2)
    rows = sum(len(y) for _, y in loader)
    assert rows == sluice.open(local).rows("eval")


def test_changed_object_fails_on_read(s3, outputs):
    _, url = outputs
    ds = sluice.open(url)
    sh = ds.shards("eval")[0]
    key = "small/" + sh["path"]
    body = s3["client"].get_object(Bucket="pytest", Key=key)["Body"].read()
    try:
        s3["client"].put_object(Bucket="pytest", Key=key, Body=body[:-1] + bytes([body[-1] ^ 1]))
        with pytest.raises(sluice.ChecksumError, match="sha256 .* does not match"):
            sluice.open(url).read("eval")
        s3["client"].put_object(Bucket="pytest", Key=key, Body=body + b"x")
        with pytest.raises(sluice.ChecksumError, match=r"%d bytes, the manifest says %d" % (len(body) + 1, len(body))):
            sluice.open(url)
        s3["client"].delete_object(Bucket="pytest", Key=key)
        with pytest.raises(sluice.ChecksumError, match="listed in the manifest but not in the bucket"):
            sluice.open(url)
    finally:
        s3["client"].put_object(Bucket="pytest", Key=key, Body=body)
    assert sluice.open(url).rows("eval") == sh["rows"] + sum(x["rows"] for x in ds.shards("eval")[1:])


def test_errors_name_the_url(s3, monkeypatch):
    with pytest.raises(sluice.SluiceError, match=r"s3://pytest/nothing/manifest.json: no such object"):
        sluice.open("s3://pytest/nothing")
    with pytest.raises(sluice.SluiceError, match=r"s3://no-such-bucket/x/manifest.json: bucket 'no-such-bucket' does not exist"):
        sluice.open("s3://no-such-bucket/x")
    with pytest.raises(sluice.SluiceError, match=r"gs://b/x: unknown scheme 'gs'"):
        sluice.open("gs://b/x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-0123456789")
    with pytest.raises(sluice.SluiceError, match=r"s3://pytest/small/manifest.json: access denied"):
        sluice.open("s3://pytest/small")
