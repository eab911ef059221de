"""PNG encoding for image summaries: Pillow when installed, else a small writer of our own.

The tensorboard package's own encoder needs TensorFlow, so without Pillow the image is written
here: 8-bit RGB or RGBA, every row with filter type 0, one zlib-compressed IDAT chunk.
"""
import struct
import zlib

import numpy as np


def _chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def encode_plain(img):
    """PNG bytes of a (H, W, 3 or 4) uint8 array, without Pillow."""
    h, w, c = img.shape
    color_type = {1: 0, 3: 2, 4: 6}[c]   # grey, RGB, RGBA
    rows = np.concatenate([np.zeros((h, 1), np.uint8), img.reshape(h, w * c)], axis=1)
    return (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
            + _chunk(b"IEND", b""))


def encode_png(img):
    """PNG bytes of a (H, W, C) uint8 array, C in 1, 3, 4."""
    img = np.ascontiguousarray(img, np.uint8)
    try:
        from PIL import Image
    except ImportError:
        return encode_plain(img)
    import io
    buf = io.BytesIO()
    Image.fromarray(img[:, :, 0] if img.shape[2] == 1 else img).save(buf, format="PNG")
    return buf.getvalue()
