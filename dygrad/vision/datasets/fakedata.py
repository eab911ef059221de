"""FakeData: random images that are the same every time a given index is read."""
import numpy as np

from .vision import VisionDataset

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """`size` random uint8 images of shape `image_size` (C, H, W) with labels in [0, num_classes).

    Item i is drawn from its own generator seeded with i + random_offset, so it does not depend on
    (nor disturb) the global RNG or the order of access. Images reach the transforms as NumPy
    arrays laid out like decoded images: H x W for one channel, H x W x C otherwise.
    """

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None,
                 target_transform=None, random_offset=0):
        super().__init__(None, transform=transform, target_transform=target_transform)
        image_size = tuple(int(s) for s in image_size)
        if len(image_size) != 3 or min(image_size) < 1:
            raise ValueError(f"FakeData: image_size must be (C, H, W) with positive sizes, got {image_size}")
        if num_classes < 1:
            raise ValueError(f"FakeData: num_classes must be positive, got {num_classes}")
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index):
        if not -self.size <= index < self.size:
            raise IndexError(f"{type(self).__name__} index out of range")
        index %= self.size
        rng = np.random.Generator(np.random.PCG64(index + self.random_offset))
        c, h, w = self.image_size
        img = rng.integers(0, 256, size=(h, w, c), dtype=np.uint8)
        target = int(rng.integers(0, self.num_classes))
        if c == 1:
            img = img[:, :, 0]
        return self._transformed(img, target)

    def __len__(self):
        return self.size
