"""Random numbers: PyTorch's Generator API over NumPy's PCG64 bit generator.

The same seed gives the same numbers on every run and platform (not PyTorch's numbers: PyTorch
uses a Mersenne Twister). A generator's state is a uint8 tensor of 48 bytes: the initial seed,
the 128-bit PCG64 state and increment, and NumPy's buffered 32-bit half-word.
"""
import contextlib

import numpy as np

from . import _dtype

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "default_generator", "fork_rng"]

_DEFAULT_SEED = 67280421310721  # PyTorch's default seed, so fresh processes agree with each other
_STATE_BYTES = 48
_M64 = (1 << 64) - 1


class Generator:
    """torch.Generator: manual_seed (chainable), seed, initial_seed, get_state / set_state,
    clone_state; picklable and deep-copyable with its state."""

    def __init__(self, device="cpu"):
        from .device import check_device, device as _device
        check_device(device, "torch.Generator()")
        self._device = _device("cpu")
        self._seed = _DEFAULT_SEED
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    @property
    def device(self):
        return self._device

    def manual_seed(self, seed):
        """Reseeds from an int in [-2**63, 2**64); negative seeds wrap like PyTorch's uint64."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            if hasattr(seed, "__index__") and not isinstance(seed, float):
                seed = seed.__index__()
            else:
                raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        seed = int(seed)
        if not -(1 << 63) <= seed <= _M64:
            raise ValueError("Overflow when unpacking long long")
        seed &= _M64
        self._seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self):
        """Reseeds from OS entropy; returns the new seed."""
        s = int(np.random.SeedSequence().entropy) & _M64
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        from ._tensor import _wrap
        st = self._rng.bit_generator.state
        words = [self._seed, st["state"]["state"] & _M64, st["state"]["state"] >> 64,
                 st["state"]["inc"] & _M64, st["state"]["inc"] >> 64]
        blob = np.array(words, dtype="<u8").tobytes() + \
            np.array([st["has_uint32"], st["uinteger"]], dtype="<u4").tobytes()
        return _wrap(np.frombuffer(blob, dtype=np.uint8).copy())

    def set_state(self, new_state):
        from ._tensor import Tensor
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state._data.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        blob = np.ascontiguousarray(new_state._data).reshape(-1).tobytes()
        if len(blob) != _STATE_BYTES:
            raise RuntimeError(
                f"Expected a dygrad CPU generator state of size {_STATE_BYTES} but found the input "
                f"RNG state size to be {len(blob)} (states come from get_state() / "
                "torch.get_rng_state(); PyTorch's Mersenne Twister states do not apply)")
        w = np.frombuffer(blob[:40], dtype="<u8").tolist()
        extra = np.frombuffer(blob[40:], dtype="<u4").tolist()
        bg = np.random.PCG64()
        bg.state = {"bit_generator": "PCG64",
                    "state": {"state": w[1] | (w[2] << 64), "inc": w[3] | (w[4] << 64)},
                    "has_uint32": extra[0], "uinteger": extra[1]}
        self._seed = w[0]
        self._rng = np.random.Generator(bg)
        return self

    def clone_state(self):
        """A new Generator in the same state."""
        g = Generator()
        g.set_state(self.get_state())
        return g

    @staticmethod
    def _philox_only(what):
        return RuntimeError(f"{what} is only supported by Philox (CUDA) generators; this is a "
                            "CPU generator")

    def get_offset(self):
        raise self._philox_only("get_offset")

    def set_offset(self, offset):
        raise self._philox_only("set_offset")

    def __reduce__(self):
        return (_rebuild_generator, (bytes(self.get_state()._data),))

    def __deepcopy__(self, memo):
        return self.clone_state()


def _rebuild_generator(blob):
    from ._tensor import _wrap
    return Generator().set_state(_wrap(np.frombuffer(blob, dtype=np.uint8).copy()))


default_generator = Generator()


def _rng(generator):
    if generator is None:
        return default_generator._rng
    if not isinstance(generator, Generator):
        raise TypeError(f"argument 'generator' must be torch.Generator, not {type(generator).__name__}")
    return generator._rng


def manual_seed(seed):
    """Seeds the default generator (NumPy's global RNG is left alone); returns it."""
    seed = int(seed)
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type=None):
    """Restores the default generator's state on exit (there are no device generators)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


# -- samplers used by creation functions, in-place fills and nn.init ---------------------------
def _float_dt(dtype, kernel="check_uniform_bounds"):
    d = _dtype.as_dtype(dtype)
    if not d.is_floating_point:
        from ._convert import not_implemented
        not_implemented(kernel, d.np)
    return d.np


_F16, _F32 = np.dtype(np.float16), np.dtype(np.float32)


def _uniform(shape, a, b, generator=None, npdt=None):
    """Uniform [a, b) samples; float64 unless npdt is given (float32 and half are drawn at their
    own precision, so they never round up to b)."""
    rng = _rng(generator)
    if npdt == _F32 or npdt == _F16:
        r = rng.random(shape, dtype=np.float32)
        if npdt == _F16:
            r = np.floor(r * 2048) * np.float32(1 / 2048)  # 11 bits: exact in half, below 1
        if a != 0.0 or b != 1.0:
            r = r * np.float32(b - a) + np.float32(a)
        return r.astype(npdt, copy=False)
    r = rng.random(shape, dtype=np.float64)
    if a != 0.0 or b != 1.0:
        r = r * (b - a) + a
    return r if npdt is None else r.astype(npdt)


def _normal(shape, mean, std, generator=None, npdt=None):
    """Normal(mean, std) samples; float64 unless npdt is given."""
    rng = _rng(generator)
    if npdt == _F32 or npdt == _F16:
        r = rng.standard_normal(shape, dtype=np.float32)
        if std != 1.0:
            r *= np.float32(std)
        if mean != 0.0:
            r += np.float32(mean)
        return r.astype(npdt, copy=False)
    r = rng.standard_normal(shape, dtype=np.float64)
    if std != 1.0:
        r *= std
    if mean != 0.0:
        r += mean
    return r if npdt is None else r.astype(npdt)


def _randint(low, high, shape, generator=None):
    """int64 samples in [low, high)."""
    return _rng(generator).integers(low, high, size=shape, dtype=np.int64)
