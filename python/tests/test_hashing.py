"""The Python value hash against vectors printed by the Go hashing package."""

import numpy as np

from sluice import hashing

STR_VECTORS = [
    ("", 0xef46db3751d8e999),
    ("a", 0xd24ec4f1a98c6e5b),
    ("abc", 0x44bc2cf5ad770999),
    ("Male", 0x48e25353f648986e),
    ("Subscriber", 0x268d6a94a4a8a140),
    ("abcdefgh", 0x3ad351775b4634b7),
    ("0123456789abcdef0123456789abcdef", 0x642a94958e71e6c5),
    ("sluice-" * 11, 0x1183fe1847297d77),
    ("h\u00e9llo w\u00f6rld \u2713 12345678901234567890", 0x54952784581bc6c6),
]
INT_VECTORS = [
    (0, 0x9ca066f1a4ab2eea),
    (1, 0x25b775faeca8f520),
    (-1, 0x3cd617bbbcc39640),
    (564, 0x88d26e9ba98195d8),
    (9223372036854775807, 0xf2a9e4c522cf7451),
    (-9223372036854775808, 0x11c0b7745eb88d61),
]
FLOAT_VECTORS = [
    (0.0, 0x9ca066f1a4ab2eea),
    (-0.0, 0x9ca066f1a4ab2eea),
    (1.5, 0x35afcf05f2013659),
    (-2.25, 0x271df059aede376c),
    (float("nan"), 0x7f9a866907b600aa),
    (float("inf"), 0xa5b3cd752b612c29),
]


def test_mix_and_xxh64_contract_vectors():
    assert hashing.mix(0) == 0
    assert hashing.mix(1) == 0xb456bcfc34c2cb2c
    for s, want in STR_VECTORS:
        assert hashing.hash_str(s) == want, s


def test_scalar_value_hashes():
    for v, want in INT_VECTORS:
        assert hashing.hash_int(v) == want, v
    for v, want in FLOAT_VECTORS:
        assert hashing.hash_float(v) == want, v
    assert hashing.hash_bool(False) == 0x9ca066f1a4ab2eea
    assert hashing.hash_bool(True) == 0x25b775faeca8f520


def test_array_hashes_equal_scalar_hashes():
    ints = np.array([v for v, _ in INT_VECTORS], dtype=np.int64)
    assert hashing.hash_int_array(ints).tolist() == [w for _, w in INT_VECTORS]
    floats = np.array([v for v, _ in FLOAT_VECTORS])
    assert hashing.hash_float_array(floats).tolist() == [w for _, w in FLOAT_VECTORS]
    strs = np.array([s for s, _ in STR_VECTORS] * 2, dtype=object)
    assert hashing.hash_str_array(strs).tolist() == [w for _, w in STR_VECTORS] * 2
    assert hashing.hash_bool_array([True, False]).tolist() == [0x25b775faeca8f520, 0x9ca066f1a4ab2eea]
