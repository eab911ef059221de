"""Random numbers: Generator over numpy.random.Generator (PCG64); same seed, same numbers."""
import numpy as np

from . import _dtype

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "default_generator", "fork_rng"]

_DEFAULT_SEED = 67280421310721  # PyTorch's default seed, so fresh processes agree with each other


class Generator:
    """PyTorch's Generator API over NumPy's PCG64 bit generator."""

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = _DEFAULT_SEED
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            seed += 1 << 64
        if not 0 <= seed < (1 << 64):
            raise RuntimeError(f"Overflow when unpacking long: seed {seed} out of range [-2**63, 2**64)")
        self._seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self):
        s = int(np.random.SeedSequence().entropy % (1 << 63))
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        import json
        from ._tensor import _wrap
        st = self._rng.bit_generator.state
        blob = json.dumps({"seed": self._seed, "state": st}, default=int).encode()
        return _wrap(np.frombuffer(blob, dtype=np.uint8).copy())

    def set_state(self, new_state):
        import json
        blob = bytes(np.asarray(new_state._data, dtype=np.uint8).tobytes())
        try:
            d = json.loads(blob.decode())
        except (UnicodeDecodeError, ValueError):
            raise RuntimeError("Generator.set_state: the state is not one produced by get_state()") from None
        self._seed = d["seed"]
        bg = np.random.PCG64()
        bg.state = d["state"]
        self._rng = np.random.Generator(bg)
        return self

    def clone_state(self):
        return self.get_state()


default_generator = Generator()


def _rng(generator):
    return (generator or default_generator)._rng


def manual_seed(seed):
    """Seeds the default generator (like torch.manual_seed, NumPy's own global RNG is left alone)."""
    default_generator.manual_seed(seed)
    return default_generator


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


class fork_rng:
    """Context manager that restores the default generator's state on exit."""

    def __init__(self, devices=None, enabled=True, **kwargs):
        self.enabled = enabled

    def __enter__(self):
        if self.enabled:
            self._state = get_rng_state()

    def __exit__(self, *exc):
        if self.enabled:
            set_rng_state(self._state)
        return False


# -- samplers used by creation functions and in-place fills -------------------------------------
def _float_dt(dtype):
    d = _dtype.as_dtype(dtype)
    if not d.is_floating_point:
        raise TypeError(f"expected a floating-point dtype, got {d}")
    return d.np


def _uniform(shape, a, b, generator=None, npdt=None):
    r = _rng(generator).random(shape, dtype=np.float64)
    if a != 0.0 or b != 1.0:
        r = r * (b - a) + a
    return r if npdt is None else r.astype(npdt)


def _normal(shape, mean, std, generator=None, npdt=None):
    r = _rng(generator).standard_normal(shape, dtype=np.float64)
    if std != 1.0:
        r *= std
    if mean != 0.0:
        r += mean
    return r if npdt is None else r.astype(npdt)


def _randint(low, high, shape, generator=None):
    return _rng(generator).integers(low, high, size=shape, dtype=np.int64)
