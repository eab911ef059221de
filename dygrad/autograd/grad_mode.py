"""Global switches read on every op: grad recording, anomaly detection.

One shared object with slots keeps the hot-path check to a single attribute read.
"""
import functools

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


class _State:
    # trace: the dygrad.jit recording in progress (None almost always; ops test it cheaply)
    __slots__ = ("enabled", "anomaly", "anomaly_nan", "inference", "trace")

    def __init__(self):
        self.trace = None
        self.enabled = True
        self.anomaly = False
        self.anomaly_nan = True
        self.inference = False


STATE = _State()


def is_grad_enabled():
    return STATE.enabled


def is_inference_mode_enabled():
    return STATE.inference


class _Mode:
    """Base of the grad-mode managers: usable with `with` and as a decorator."""

    _target = True

    def __call__(self, fn):
        mode = self

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with mode._clone():
                return fn(*args, **kwargs)

        return wrapper

    def _clone(self):
        return type(self)()

    def __enter__(self):
        self._prev = STATE.enabled
        STATE.enabled = self._target
        return None

    def __exit__(self, *exc):
        STATE.enabled = self._prev
        return False


class no_grad(_Mode):
    """Operations inside record no graph; results have requires_grad=False."""

    _target = False

    def __init__(self, orig_func=None):
        pass  # __new__ handles orig_func (a bare @torch.no_grad in old code)

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if callable(orig_func) and not isinstance(orig_func, _Mode):
            return self(orig_func)
        return self


class enable_grad(_Mode):
    _target = True

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if callable(orig_func):
            return self(orig_func)
        return self

    def __init__(self, orig_func=None):
        pass


class set_grad_enabled(_Mode):
    """Sets grad mode at construction (like PyTorch) and restores it on exit."""

    def __init__(self, mode):
        self._prev = STATE.enabled
        self._target = bool(mode)
        STATE.enabled = self._target

    def _clone(self):
        return set_grad_enabled.__new__(_Restorer).__init2__(self._target)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        STATE.enabled = self._prev
        return False

    def __call__(self, fn):
        STATE.enabled = self._prev
        target = self._target

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = STATE.enabled
            STATE.enabled = target
            try:
                return fn(*args, **kwargs)
            finally:
                STATE.enabled = prev

        return wrapper


class _Restorer(set_grad_enabled):
    def __init2__(self, target):
        self._target = target
        return self


class inference_mode(_Mode):
    """Like no_grad (dygrad has no separate inference tensors); `inference_mode(False)` is a no-op."""

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode):
            self._mode = True
            return self(mode)
        self._mode = bool(mode)
        return self

    def __init__(self, mode=True):
        if not callable(mode):
            self._mode = bool(mode)

    def _clone(self):
        return inference_mode(self._mode)

    def __enter__(self):
        self._prev = STATE.enabled
        self._prev_inf = STATE.inference
        if self._mode:
            STATE.enabled = False
            STATE.inference = True
        return None

    def __exit__(self, *exc):
        STATE.enabled = self._prev
        STATE.inference = self._prev_inf
        return False
