import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphflow.kernels import crc32c as crc32c_mod
from graphflow.kernels.crc32c import crc32c, extend, mask, masked_crc32c, unmask, value


def _ref(data: bytes, crc: int = 0) -> int:
    c = crc ^ 0xFFFFFFFF
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    return c ^ 0xFFFFFFFF


@pytest.mark.parametrize(
    "data,expected",
    [
        (b"", 0),
        (b"123456789", 0xE3069283),
        (b"a", 0xC1D04330),
        (bytes(32), 0x8A9136AA),  # RFC 3720 B.4
        (b"\xff" * 32, 0x62A8AB43),
        (bytes(range(32)), 0x46DD794E),
        (bytes(range(31, -1, -1)), 0x113FDB5C),
    ],
)
def test_known_vectors(data, expected):
    assert crc32c(data) == expected
    assert value(data) == expected


def test_mask_unmask():
    assert mask(0) == 0xA282EAD8
    for c in (0, 1, 0xE3069283, 0xFFFFFFFF, 0x12345678):
        assert unmask(mask(c)) == c
    assert masked_crc32c(b"123456789") == mask(0xE3069283)


def test_input_types_no_copy_semantics():
    a = np.arange(1000, dtype=np.float64).reshape(10, 100)
    b = a.tobytes()
    expected = _ref(b)
    assert crc32c(a) == expected
    assert crc32c(b) == expected
    assert crc32c(bytearray(b)) == expected
    assert crc32c(memoryview(b)) == expected
    assert crc32c(memoryview(a)) == expected
    assert crc32c(np.array(3.0)) == _ref(np.array(3.0).tobytes())
    with pytest.raises(ValueError):
        crc32c(a[:, ::2])


@given(st.binary(max_size=300), st.binary(max_size=300))
def test_matches_reference_and_extends(a, b):
    assert crc32c(a) == _ref(a)
    assert extend(crc32c(a), b) == crc32c(a + b)
    assert crc32c(b, crc32c(a)) == crc32c(a + b)


def test_unaligned_slices():
    data = np.random.default_rng(0).integers(0, 256, 4099, dtype=np.uint8)
    for start in range(9):
        for stop in (len(data), len(data) - 3):
            assert crc32c(data[start:stop]) == _ref(data[start:stop].tobytes())


def test_not_crc32():
    assert crc32c(b"123456789") != zlib.crc32(b"123456789")


def test_large_buffer_matches_chunked_extend():
    # Throughput is measured in tools/bench.py (W5), never asserted in a unit test.
    x = np.random.default_rng(1).random(10_000_000, dtype=np.float32)
    raw = x.view(np.uint8)
    whole = crc32c(x)
    chunked = crc32c(raw[:12_345_677])
    chunked = extend(chunked, raw[12_345_677:])
    assert whole == chunked


@pytest.mark.skipif(not crc32c_mod.HARDWARE, reason="the host has no SSE4.2 crc32 instruction")
def test_hardware_and_table_kernels_agree_on_every_alignment_and_length():
    rng = np.random.default_rng(11)
    data = rng.integers(0, 256, 5000, dtype=np.uint8)
    for start in range(9):
        for length in (0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4991 - start):
            arr = data[start:start + length]
            for seed in (0xFFFFFFFF, 0x12345678):
                hw = int(crc32c_mod._crc32c_update_hw(np.uint32(seed), arr))
                table = int(crc32c_mod._crc32c_update(np.uint32(seed), arr, crc32c_mod._TABLE))
                assert hw == table, (start, length, hex(seed))
    assert crc32c_mod.value(b"123456789") == 0xE3069283
