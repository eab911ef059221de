"""Anomaly detection: nodes remember the forward stack that made them; a NaN produced in backward
is reported with the op's name and the user's forward line."""
import numpy as np

from .grad_mode import STATE

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled"]


def is_anomaly_enabled():
    # `is True`: a checkpoint sets a truthy marker while noting the nodes its function makes
    return STATE.anomaly is True


class detect_anomaly:
    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = (STATE.anomaly, STATE.anomaly_nan)
        STATE.anomaly = True
        STATE.anomaly_nan = self.check_nan
        return self

    def __exit__(self, *exc):
        STATE.anomaly, STATE.anomaly_nan = self._prev
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with detect_anomaly(self.check_nan):
                return fn(*a, **k)
        return wrapper


class set_detect_anomaly(detect_anomaly):
    def __init__(self, mode, check_nan=True):
        self._prev = (STATE.anomaly, STATE.anomaly_nan)
        STATE.anomaly = bool(mode)
        STATE.anomaly_nan = check_nan

    def __enter__(self):
        return self


def _forward_trace(node):
    tr = node._trace
    if not tr:
        return ("(no forward trace: the op ran before anomaly detection was enabled)")
    user = [f for f in tr if "/dygrad/" not in f.replace("\\", "/")]
    return "".join(user[-6:] if user else tr[-6:])


def run_checked(node, buf, create_graph):
    try:
        outs = node._apply(buf, create_graph)
    except Exception as e:
        raise type(e)(f"{e}\n\nError detected in {node.name()}. Traceback of forward call that "
                      f"caused the error:\n{_forward_trace(node)}") from e
    if STATE.anomaly_nan:
        for i, g in enumerate(outs):
            if g is None:
                continue
            arr = g._data if hasattr(g, "_data") else np.asarray(g)
            if arr.dtype.kind in "fV" and np.isnan(arr).any():
                raise RuntimeError(
                    f"Function '{node.name()}' returned nan values in its {i}th output.\n\n"
                    f"Traceback of forward call that caused the error:\n{_forward_trace(node)}")
    return outs
