"""sluice's value hash (the contract of the Go package ``hashing``).

Integers: ``mix(uint64(v) ^ INT_TAG)`` with murmur3's fmix64; floats: the
integer hash of their IEEE bits with -0 folded to +0 and every NaN to the
canonical NaN; bools: the integer hash of 0 or 1; strings: xxHash64 of the
UTF-8 bytes with seed 0 (pure Python below, cached per distinct value).
Array functions are vectorized over numpy uint64 (wrapping arithmetic).
"""

import struct

import numpy as np

INT_TAG = 0x9E3779B97F4A7C15
ROW_TAG = 0xBF58476D1CE4E5B9
SEED_TAG = 0x94D049BB133111EB
SHARD_TAG = 0x2545F4914F6CDD1D
NULL_TAG = 0x6A09E667F3BCC909

_M64 = 0xFFFFFFFFFFFFFFFF
_P1 = 0x9E3779B185EBCA87
_P2 = 0xC2B2AE3D27D4EB4F
_P3 = 0x165667B19E3779F9
_P4 = 0x85EBCA77C2B2AE63
_P5 = 0x27D4EB2F165667C5
_CANON_NAN = 0x7FF8000000000000


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & _M64


def _round(acc, lane):
    acc = (acc + lane * _P2) & _M64
    return (_rotl(acc, 31) * _P1) & _M64


def _merge(acc, val):
    acc ^= _round(0, val)
    return (acc * _P1 + _P4) & _M64


def xxh64(data, seed=0):
    """xxHash64 of ``data`` (bytes) as a Python int."""
    n = len(data)
    p = 0
    if n >= 32:
        v1 = (seed + _P1 + _P2) & _M64
        v2 = (seed + _P2) & _M64
        v3 = seed & _M64
        v4 = (seed - _P1) & _M64
        limit = n - 32
        while p <= limit:
            a, b, c, d = struct.unpack_from("<4Q", data, p)
            v1, v2, v3, v4 = _round(v1, a), _round(v2, b), _round(v3, c), _round(v4, d)
            p += 32
        h = (_rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)) & _M64
        h = _merge(h, v1)
        h = _merge(h, v2)
        h = _merge(h, v3)
        h = _merge(h, v4)
    else:
        h = (seed + _P5) & _M64
    h = (h + n) & _M64
    while p + 8 <= n:
        k = struct.unpack_from("<Q", data, p)[0]
        h ^= _round(0, k)
        h = (_rotl(h, 27) * _P1 + _P4) & _M64
        p += 8
    if p + 4 <= n:
        k = struct.unpack_from("<I", data, p)[0]
        h ^= (k * _P1) & _M64
        h = (_rotl(h, 23) * _P2 + _P3) & _M64
        p += 4
    while p < n:
        h ^= (data[p] * _P5) & _M64
        h = (_rotl(h, 11) * _P1) & _M64
        p += 1
    h ^= h >> 33
    h = (h * _P2) & _M64
    h ^= h >> 29
    h = (h * _P3) & _M64
    h ^= h >> 32
    return h


def mix(x):
    """murmur3 fmix64 of a Python int."""
    x &= _M64
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) & _M64
    x ^= x >> 33
    x = (x * 0xC4CEB9FE1A85EC53) & _M64
    x ^= x >> 33
    return x


def hash_int(v):
    """Hash of one integer (timestamps by their microseconds)."""
    return mix((int(v) & _M64) ^ INT_TAG)


def hash_float(v):
    """Hash of one float: -0 equals +0, all NaNs are equal."""
    v = float(v)
    if v == 0:
        v = 0.0
    bits = _CANON_NAN if v != v else struct.unpack("<Q", struct.pack("<d", v))[0]
    return mix(bits ^ INT_TAG)


def hash_bool(b):
    """Hash of a boolean as the integer 0 or 1."""
    return hash_int(1 if b else 0)


def hash_str(s):
    """Hash of a string by its UTF-8 bytes."""
    return xxh64(s.encode("utf-8"))


def mix_array(x):
    """fmix64 over a numpy uint64 array (a new array)."""
    x = np.array(x, dtype=np.uint64, copy=True)
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xFF51AFD7ED558CCD)
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xC4CEB9FE1A85EC53)
    x ^= x >> np.uint64(33)
    return x


def hash_int_array(v):
    """Hashes of an integer array (any integer dtype, or datetime64 in its unit)."""
    v = np.asarray(v)
    if v.dtype.kind == "M":
        v = v.view(np.int64)
    u = v.astype(np.int64, copy=False).view(np.uint64)
    return mix_array(u ^ np.uint64(INT_TAG))


def float_bits_array(v):
    """Canonical IEEE bits of a float array as uint64 (-0 -> +0, NaN -> canonical NaN)."""
    f = np.asarray(v, dtype=np.float64).copy()
    f[f == 0] = 0.0
    bits = f.view(np.uint64)
    bits[np.isnan(f)] = np.uint64(_CANON_NAN)
    return bits


def hash_float_array(v):
    """Hashes of a float array."""
    return mix_array(float_bits_array(v) ^ np.uint64(INT_TAG))


def hash_bool_array(v):
    """Hashes of a bool array."""
    return hash_int_array(np.asarray(v, dtype=bool).astype(np.int64))


def hash_str_array(v):
    """Hashes of an array of strings (hashed once per distinct value)."""
    v = np.asarray(v, dtype=object)
    if len(v) == 0:
        return np.zeros(0, dtype=np.uint64)
    uniq, inv = np.unique(v.astype(str), return_inverse=True)
    hs = np.array([xxh64(s.encode("utf-8")) for s in uniq.tolist()], dtype=np.uint64)
    return hs[inv]
