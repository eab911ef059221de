"""Image grids and image files, as torchvision.utils: `make_grid` tiles a batch of images into
one image; `save_image` writes a tensor (or a batch, as a grid) to a PNG/JPEG/... file through
Pillow (an optional extra: `pip install pillow`)."""
import math
import os
from typing import BinaryIO, List, Optional, Tuple, Union

from .. import Tensor, cat, is_tensor, no_grad, stack, uint8

__all__ = ["make_grid", "save_image"]


def _normalize_(t, low, high):
    t.clamp_(min=low, max=high)
    t.sub_(low).div_(max(high - low, 1e-5))


def _normalize_range_(t, value_range):
    if value_range is not None:
        _normalize_(t, value_range[0], value_range[1])
    else:
        _normalize_(t, float(t.min()), float(t.max()))


@no_grad()
def make_grid(tensor: Union[Tensor, List[Tensor]], nrow: int = 8, padding: int = 2,
              normalize: bool = False, value_range: Optional[Tuple[int, int]] = None,
              scale_each: bool = False, pad_value: float = 0.0) -> Tensor:
    """Tiles images into one (C, H', W') image, nrow images per row, padding pixels of pad_value
    around and between them.

    tensor: a (B, C, H, W) batch, a list of (C, H, W) images of one size, a (C, H, W) or (H, W)
    image. One-channel images become three-channel. normalize=True maps value_range (default:
    the min and max of all images, or of each image with scale_each=True) onto [0, 1], clamping.
    A batch of one image is returned as that image.

    Example:
        >>> import dygrad
        >>> from dygrad.vision.utils import make_grid
        >>> make_grid(dygrad.rand(10, 3, 8, 8), nrow=4).shape
        torch.Size([3, 32, 42])
    """
    if not is_tensor(tensor):
        if isinstance(tensor, list):
            for t in tensor:
                if not is_tensor(t):
                    raise TypeError(f"tensor or list of tensors expected, got a list containing {type(t)}")
        else:
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if isinstance(tensor, list):
        tensor = stack(tensor, dim=0)
    if tensor.dim() == 2:  # one H x W image
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:  # one C x H x W image
        if tensor.size(0) == 1:
            tensor = cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.size(1) == 1:  # one-channel images shown as gray RGB
        tensor = cat((tensor, tensor, tensor), 1)
    if normalize is True:
        tensor = tensor.clone()  # the caller's images stay as they are
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        if scale_each is True:
            for t in tensor:
                _normalize_range_(t, value_range)
        else:
            _normalize_range_(tensor, value_range)
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    nmaps = tensor.size(0)
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    grid = tensor.new_full((tensor.size(1), height * ymaps + padding, width * xmaps + padding), pad_value)
    for k in range(nmaps):
        y, x = divmod(k, xmaps)
        grid[:, y * height + padding:(y + 1) * height, x * width + padding:(x + 1) * width] = tensor[k]
    return grid


def _pillow_image():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("save_image writes image files through Pillow, which is not installed: "
                          "pip install pillow") from None
    return Image


def _format_for(path, format, Image):
    if format is not None:
        return format
    ext = os.path.splitext(path)[1].lower()
    Image.init()  # registers every plugin's extensions
    fmt = Image.registered_extensions().get(ext)
    if fmt is None:
        raise ValueError(f"unknown file extension: {ext or '(none)'} in {path!r}; pass format= "
                         "(e.g. 'PNG') or use a name ending in .png, .jpg, ...")
    return fmt


@no_grad()
def save_image(tensor: Union[Tensor, List[Tensor]], fp: Union[str, os.PathLike, BinaryIO],
               format: Optional[str] = None, **kwargs) -> None:
    """Writes an image (C, H, W) or a batch (tiled by `make_grid`, which takes **kwargs) to fp,
    a path or a binary file object. Values in [0, 1] map to 0..255 (rounded, clamped). The file
    format follows the path's extension unless `format` is given (required for file objects).
    Writing to a path is atomic: a temporary file in the same folder is renamed over it.
    Needs Pillow (`pip install pillow`).

    Example:
        >>> import dygrad
        >>> from dygrad.vision.utils import save_image
        >>> save_image(dygrad.rand(4, 3, 8, 8), "grid.png", nrow=2)  # doctest: +SKIP
    """
    Image = _pillow_image()
    grid = make_grid(tensor, **kwargs)
    # +0.5 before the truncating cast to uint8: rounds to the nearest level
    ndarr = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to(uint8).numpy()
    im = Image.fromarray(ndarr)
    if isinstance(fp, (str, bytes, os.PathLike)):
        from ..serialization import _atomic_write
        path = os.fsdecode(fp)
        fmt = _format_for(path, format, Image)
        _atomic_write(path, lambda fh: im.save(fh, format=fmt))
    else:
        im.save(fp, format=format)
