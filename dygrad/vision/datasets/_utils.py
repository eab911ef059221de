"""File helpers shared by the datasets: IDX parsing, checksums, downloads with verification."""
import gzip
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
import zlib

import numpy as np

__all__ = ["read_idx", "parse_idx", "file_digest", "check_md5", "download_url",
           "download_from_mirrors", "is_gzip"]

# IDX type codes (third header byte) -> big-endian NumPy dtype
_IDX_TYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


def is_gzip(path):
    with open(path, "rb") as f:
        return f.read(2) == _GZIP_MAGIC


def _open(path):
    # Sniff the content rather than trust the extension: an extracted file is sometimes
    # left with a ".gz" name and vice versa.
    return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")


def _read_exact(f, n, path, what):
    buf = f.read(n)
    if len(buf) != n:
        raise ValueError(f"{path}: not a valid IDX file (truncated {what}: wanted {n} bytes, "
                         f"got {len(buf)})")
    return buf


def _header(f, path):
    head = _read_exact(f, 4, path, "header")
    if head[0] != 0 or head[1] != 0 or head[2] not in _IDX_TYPES:
        raise ValueError(f"{path}: not a valid IDX file (magic number 0x{head.hex()}; expected "
                         "0x0000TTNN with type TT in 08,09,0B,0C,0D,0E)")
    ndim = head[3]
    dims = np.frombuffer(_read_exact(f, 4 * ndim, path, "dimensions"), ">u4")
    return _IDX_TYPES[head[2]], tuple(int(d) for d in dims)


def read_idx(path):
    """Reads an IDX file (gzip-compressed or not) into a writable native-endian array."""
    path = os.fspath(path)
    with _open(path) as f:
        try:
            dtype, shape = _header(f, path)
            out = np.empty(shape, dtype)
            view = memoryview(out.reshape(-1).view(np.uint8))
            got = 0
            while got < out.nbytes:
                n = f.readinto(view[got:])
                if not n:
                    break
                got += n
            trailing = f.read(1)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{path}: corrupted or truncated file ({exc})") from None
    if got != out.nbytes:
        raise ValueError(f"{path}: not a valid IDX file (header says shape {shape} = {out.nbytes} "
                         f"data bytes, but only {got} follow)")
    if trailing:
        raise ValueError(f"{path}: not a valid IDX file (extra bytes after the {shape} data)")
    return out if dtype.itemsize == 1 else out.astype(dtype.newbyteorder("="))


def parse_idx(buf, name="<bytes>"):
    """Parses IDX content held in memory (already decompressed or gzip-compressed)."""
    buf = bytes(buf)
    if buf[:2] == _GZIP_MAGIC:
        buf = gzip.decompress(buf)
    if len(buf) < 4 or buf[0] != 0 or buf[1] != 0 or buf[2] not in _IDX_TYPES:
        raise ValueError(f"{name}: not a valid IDX buffer (bad magic number {buf[:4].hex()!r})")
    dtype, ndim = _IDX_TYPES[buf[2]], buf[3]
    start = 4 + 4 * ndim
    if len(buf) < start:
        raise ValueError(f"{name}: not a valid IDX buffer (truncated dimensions)")
    shape = tuple(int(d) for d in np.frombuffer(buf, ">u4", ndim, 4))
    count = int(np.prod(shape, dtype=np.int64))
    if len(buf) != start + count * dtype.itemsize:
        raise ValueError(f"{name}: not a valid IDX buffer (shape {shape} needs "
                         f"{count * dtype.itemsize} data bytes, found {len(buf) - start})")
    arr = np.frombuffer(buf, dtype, count, start).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))  # a writable native-endian copy


def file_digest(path, algorithm="md5"):
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def check_md5(path, md5):
    return os.path.isfile(path) and file_digest(path, "md5") == md5


class _ChecksumError(RuntimeError):
    pass


def download_url(url, path, md5=None, timeout=60):
    """Downloads url to path (atomically, via a temporary file) and verifies its MD5."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    req = urllib.request.Request(url, headers={"User-Agent": "dygrad-vision"})
    h = hashlib.md5()
    fd, tmp = tempfile.mkstemp(prefix=".part-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(req, timeout=timeout) as resp:
            for chunk in iter(lambda: resp.read(_CHUNK), b""):
                h.update(chunk)
                out.write(chunk)
        if md5 is not None and h.hexdigest() != md5:
            raise _ChecksumError(f"MD5 mismatch for {url}: expected {md5}, got {h.hexdigest()} "
                                 "(the download is corrupted or the server sent another file)")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def download_from_mirrors(filename, mirrors, folder, md5, hint=""):
    """Tries each mirror in turn; raises RuntimeError listing every failure if none works."""
    path = os.path.join(folder, filename)
    failures = []
    for mirror in mirrors:
        url = mirror + filename
        print(f"Downloading {url} to {path}")
        try:
            return download_url(url, path, md5)
        except (urllib.error.URLError, OSError, ValueError, _ChecksumError) as exc:
            failures.append(f"  {url}: {exc}")
    raise RuntimeError(
        f"could not download {filename} into {folder}; every mirror failed:\n" + "\n".join(failures)
        + f"\nIf this machine has no internet access, copy the official file to "
        f"{os.path.join(os.path.abspath(folder), filename)} yourself"
        + (f" {hint}" if hint else "") + ".")
