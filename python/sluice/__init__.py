"""sluice: read sluice training shards (numpy only; pyarrow when present)
and apply the manifest's fitted transforms for serving.

    import sluice
    ds = sluice.open("out/citibike")      # reads manifest.json, verifies shard sha256
    ds = sluice.open("s3://bucket/out")   # object storage (needs boto3)
    ds.splits                              # ["train", "eval"]
    cols = ds.read("eval")                 # {column name: numpy array}
    x = sluice.transform(ds.manifest, raw) # serving: the fitted transforms on raw rows

PyTorch: ``from sluice.torch import ShardDataset``.
"""

from .dataset import ChecksumError, Dataset, SluiceError, open_dataset, read_manifest, read_shard_file
from .transform import fill_label, transform

__version__ = "0.1.0"

open = open_dataset  # noqa: A001 - sluice.open is the documented entry point

__all__ = ["ChecksumError", "Dataset", "SluiceError", "open", "open_dataset", "read_manifest", "read_shard_file",
           "transform", "fill_label", "__version__"]
