import gzip
import struct

import numpy as np
import pytest

from dygrad.vision.datasets._utils import file_digest, is_gzip, parse_idx, read_idx


def idx_bytes(arr, code):
    head = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return head + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


CASES = [(np.uint8, 0x08), (np.int8, 0x09), (np.int16, 0x0B), (np.int32, 0x0C),
         (np.float32, 0x0D), (np.float64, 0x0E)]


@pytest.mark.parametrize("dtype,code", CASES)
@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_round_trip(tmp_path, dtype, code, compress):
    arr = (np.arange(2 * 3 * 4) * 37 - 50).astype(dtype).reshape(2, 3, 4)
    raw = idx_bytes(arr, code)
    path = tmp_path / "x-idx3"
    path.write_bytes(gzip.compress(raw) if compress else raw)
    out = read_idx(path)
    assert is_gzip(path) == compress
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    assert out.flags.writeable
    np.testing.assert_array_equal(out, arr)
    np.testing.assert_array_equal(parse_idx(path.read_bytes()), arr)


def test_read_idx_header_by_hand(tmp_path):
    # magic 0x00000801: unsigned bytes, 1 dimension of size 3
    (tmp_path / "l").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x03\x07\x02\x01")
    np.testing.assert_array_equal(read_idx(tmp_path / "l"), [7, 2, 1])


@pytest.mark.parametrize("content,match", [
    (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "magic number"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "magic number"),
    (b"\x00\x00\x08\x02\x00\x00\x00\x02", "truncated dimensions"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x03\x05", "only 1 follow"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x01\x05\x06", "extra bytes"),
])
def test_read_idx_rejects_bad_files(tmp_path, content, match):
    path = tmp_path / "bad"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match) as info:
        read_idx(path)
    assert str(path) in str(info.value)
    with pytest.raises(ValueError):
        parse_idx(content)


def test_read_idx_truncated_gzip(tmp_path):
    blob = gzip.compress(idx_bytes(np.arange(1000, dtype=np.uint8).reshape(10, 100) , 0x08))
    path = tmp_path / "t.gz"
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ValueError, match="t.gz"):
        read_idx(path)


def test_file_digest(tmp_path):
    (tmp_path / "f").write_bytes(b"abc")
    assert file_digest(tmp_path / "f") == "900150983cd24fb0d6963f7d28e17f72"
    assert file_digest(tmp_path / "f", "sha256").startswith("ba7816bf8f01cfea")
