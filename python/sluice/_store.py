"""Where a sluice output lives: a local directory or an object-store prefix.

``s3://bucket/prefix`` is read with boto3 (an optional dependency: local
outputs need only numpy). Credentials come from boto3's standard chain
(``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, profiles, instance roles);
the endpoint from ``storage_options["endpoint_url"]``, else
``AWS_ENDPOINT_URL_S3``, else ``AWS_ENDPOINT_URL`` (as the Go driver reads
them), with path-style addressing for a custom endpoint; the region from
``storage_options["region_name"]``, else ``AWS_REGION``.
"""

import os


class StoreError(ValueError):
    """An object or file that cannot be read; the message names its URL."""


class LocalStore:
    """A local output directory."""

    def __init__(self, root):
        self.root = root

    def name(self, rel):
        return os.path.join(self.root, *rel.split("/"))

    def read(self, rel):
        try:
            with open(self.name(rel), "rb") as f:
                return f.read()
        except OSError as e:
            raise StoreError("%s: cannot read: %s" % (self.name(rel), e.strerror or e)) from None

    def sizes(self, rels):
        """{rel: size in bytes} of the files that exist among ``rels``."""
        out = {}
        for rel in rels:
            try:
                out[rel] = os.path.getsize(self.name(rel))
            except OSError:
                pass
        return out


def is_url(path):
    return isinstance(path, str) and "://" in path


def split_url(url):
    """"s3://bucket/a/b" -> ("s3", "bucket", "a/b")."""
    scheme, _, rest = url.partition("://")
    bucket, _, prefix = rest.partition("/")
    return scheme, bucket, prefix.strip("/")


class S3Store:
    """An ``s3://bucket/prefix`` output read through boto3."""

    def __init__(self, url, storage_options=None):
        scheme, self.bucket, self.prefix = split_url(url)
        self.url = "s3://%s%s" % (self.bucket, "/" + self.prefix if self.prefix else "")
        if scheme != "s3" or not self.bucket:
            raise StoreError("%s: want s3://BUCKET/PREFIX" % url)
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise StoreError("%s: reading object storage needs boto3, which is not installed "
                             "(pip install boto3, or apt install python3-boto3)" % url) from None
        opts = dict(storage_options or {})
        endpoint = (opts.pop("endpoint_url", None) or os.environ.get("AWS_ENDPOINT_URL_S3")
                    or os.environ.get("AWS_ENDPOINT_URL"))
        region = opts.pop("region_name", None) or os.environ.get("AWS_REGION") or None
        config = Config(s3={"addressing_style": "path"}) if endpoint else None
        self._args = dict(endpoint_url=endpoint, region_name=region, config=config, **opts)
        self._client, self._pid = None, None
        self.client  # fail now on bad options, not in a DataLoader worker

    @property
    def client(self):
        """The S3 client of this process (a DataLoader worker makes its own:
        clients are neither picklable nor safe across fork)."""
        if self._client is None or self._pid != os.getpid():
            import boto3
            self._client = boto3.session.Session().client("s3", **self._args)
            self._pid = os.getpid()
        return self._client

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_client"], state["_pid"] = None, None
        return state

    def name(self, rel):
        return self.url + "/" + rel

    def _key(self, rel):
        return self.prefix + "/" + rel if self.prefix else rel

    def _fail(self, what, e):
        from botocore.exceptions import ClientError, BotoCoreError
        if isinstance(e, ClientError):
            code = e.response.get("Error", {}).get("Code", "")
            msg = e.response.get("Error", {}).get("Message", "") or str(e)
            if code in ("NoSuchKey", "404", "NotFound"):
                return StoreError("%s: no such object" % what)
            if code == "NoSuchBucket":
                return StoreError("%s: bucket %r does not exist" % (what, self.bucket))
            if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                return StoreError("%s: access denied (%s: %s); check AWS_ACCESS_KEY_ID, "
                                  "AWS_SECRET_ACCESS_KEY or the profile" % (what, code, msg))
            return StoreError("%s: %s: %s" % (what, code or "error", msg))
        if isinstance(e, BotoCoreError):
            return StoreError("%s: %s" % (what, e))
        return None

    def read(self, rel):
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(rel))["Body"].read()
        except Exception as e:  # botocore raises several unrelated classes
            err = self._fail(self.name(rel), e)
            if err is None:
                raise
            raise err from None

    def sizes(self, rels):
        """{rel: size} of the objects among ``rels``, from one listing of
        the prefix (not a request per shard)."""
        want = set(rels)
        out = {}
        start = self.prefix + "/" if self.prefix else ""
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start):
                for o in page.get("Contents", []):
                    rel = o["Key"][len(start):]
                    if rel in want:
                        out[rel] = o["Size"]
        except Exception as e:
            err = self._fail(self.url, e)
            if err is None:
                raise
            raise err from None
        return out


def open_store(path, storage_options=None):
    """The store of an output: a URL (s3://) or a local directory."""
    if is_url(path):
        scheme = path.partition("://")[0]
        if scheme == "s3":
            return S3Store(path, storage_options)
        if scheme == "file":
            return LocalStore(path[len("file://"):])
        raise StoreError("%s: unknown scheme %r (allowed: s3://, file://, a local path)" % (path, scheme))
    return LocalStore(path)
