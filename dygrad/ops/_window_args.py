"""Argument checks shared by the sliding-window ops (convolution, transposed convolution,
pooling, fold/unfold): per-dimension hyper-parameters as int tuples, and PyTorch's rules on
them (positive stride, dilation and kernel, non-negative padding, output sizes of at least 1,
output_padding below stride or dilation; transposed convolutions relax some of these where
PyTorch's kernels do, see _transposed_sizes). Invalid values raise PyTorch's error type here, before
any array is touched: a zero stride would otherwise divide by zero, a negative padding would
slice neighbouring samples, and an output size <= 0 would come out as an empty or odd shape.
"""
import numbers

from ._layer_util import short_name
from ._reduce_util import scalar_type_name


def ints(v, n, name, op, one_ok=True, bool_items=True):
    """v as a tuple of n Python ints: an int, or a sequence of n (or, when one_ok, 1) ints.
    Floats are refused (int() would truncate 1.5 to a different stride without a word), so is a
    bare bool (PyTorch refuses stride=True), and bools inside the sequence unless bool_items
    (PyTorch's pooling takes kernel_size=(2, True), its convolutions do not)."""
    if isinstance(v, (tuple, list)):
        for a in v:
            if not isinstance(a, numbers.Integral) or (not bool_items and isinstance(a, bool)):
                raise TypeError(f"{op}(): argument '{name}' must be a tuple of ints, but found "
                                f"an element of type {type(a).__name__}")
        if len(v) == n:
            return tuple(int(a) for a in v)
        if one_ok and len(v) == 1:
            return (int(v[0]),) * n
        raise RuntimeError(f"{op}: expected {name} to be a single integer value or a list of {n} "
                           f"values to match the dimensions, but got {name}={list(v)}")
    if not isinstance(v, numbers.Integral) or isinstance(v, bool):
        raise TypeError(f"{op}(): argument '{name}' must be an int or a tuple of ints, not "
                        f"{type(v).__name__}")
    return (int(v),) * n


def _fmt(vals):
    return " x ".join(str(v) for v in vals)


def check_conv(op, x, w, b, stride, padding, dilation, groups, nd, transposed=False,
               output_padding=0):
    """PyTorch's checks for a (transposed) convolution; returns (stride, padding, dilation,
    output_padding) as int tuples, padding left a string ('same'/'valid') when given as one."""
    from .._tensor import Tensor
    if not isinstance(x, Tensor) or not isinstance(w, Tensor):
        raise TypeError(f"{op}(): argument 'input' and 'weight' must be Tensors, not "
                        f"{type(x).__name__} and {type(w).__name__}")
    if b is not None and not isinstance(b, Tensor):
        raise TypeError(f"{op}(): argument 'bias' must be Tensor, not {type(b).__name__}")
    xs, ws = x._data.shape, w._data.shape
    if len(ws) != nd + 2:
        raise RuntimeError(f"{op}: expected a {nd + 2}-D weight, got weight of size {list(ws)}")
    if len(xs) not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {op}, "
                           f"but got input of size: {list(xs)}")
    s = ints(stride, nd, "stride", op, bool_items=False)
    d = ints(dilation, nd, "dilation", op, bool_items=False)
    op_ = ints(output_padding, nd, "output_padding", op, bool_items=False) if transposed else \
        (0,) * nd
    if isinstance(padding, str):
        if transposed:
            raise TypeError(f"{op}(): argument 'padding' must be tuple of ints, not str")
        if padding not in ("same", "valid"):
            raise RuntimeError(f"{op}: Invalid padding string: '{padding}', should be one of "
                               f"'valid' or 'same'")
        p = padding
    else:
        p = ints(padding, nd, "padding", op, bool_items=False)
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral):
        raise TypeError(f"{op}(): argument 'groups' must be int, not {type(groups).__name__}")
    groups = int(groups)
    if min(s) <= 0:
        raise RuntimeError(f"{op}: non-positive stride is not supported, got stride={list(s)}")
    if p not in ("same", "valid") and min(p) < 0:
        raise RuntimeError(f"{op}: negative padding is not supported, got padding={list(p)}")
    if min(op_) < 0:
        raise RuntimeError(f"{op}: negative output_padding is not supported, got "
                           f"output_padding={list(op_)}")
    if min(d) < 0 or (min(d) == 0 and not transposed):  # transposed: see _transposed_sizes
        raise RuntimeError(f"{op}: dilation should be greater than zero, got dilation={list(d)}")
    if groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported, got groups={groups}")
    if p == "same" and max(s) != 1:
        raise RuntimeError(f"{op}: padding='same' is not supported for strided convolutions")
    if ws[0] < 1:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least 1 at dimension 0, "
                           f"but got weight of size {list(ws)} instead")
    if ws[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at "
                           f"dimension 0, but got weight of size {list(ws)} instead")
    if min(ws[2:]) <= 0:
        raise RuntimeError(f"{op}: kernel size should be greater than zero, but got weight of "
                           f"size {list(ws)}")
    c = xs[-nd - 1]
    want = ws[0] if transposed else ws[1] * groups
    if c != want:
        t = "transposed=1" if transposed else f"groups={groups}"
        raise RuntimeError(f"Given {t}, weight of size {list(ws)}, expected input{list(xs)} to "
                           f"have {want} channels, but got {c} channels instead")
    if transposed and 0 in ws[1:]:
        raise RuntimeError(f"{op}: non-empty {nd + 2}D weight tensor expected, but got: {list(ws)}")
    if 0 in xs[-nd:] and 0 not in xs[:-nd]:
        # no input position, so nothing but the bias would reach the output: PyTorch refuses
        raise RuntimeError(f"{op}: Only zero batch or zero channel inputs are supported, but got "
                           f"input shape: {list(xs)}")
    if x._data.dtype != w._data.dtype:
        raise RuntimeError(f"{op}: Input type ({_tn(x)}) and weight type ({_tn(w)}) should be "
                           f"the same")
    if transposed:
        _check_transposed_dtype(op, x)
    if b is not None:
        o = ws[1] * groups if transposed else ws[0]
        if b._data.shape != (o,):
            t = "transposed=1" if transposed else f"groups={groups}"
            raise RuntimeError(f"Given {t}, weight of size {list(ws)}, expected bias to be "
                               f"1-dimensional with {o} elements, but got bias of size "
                               f"{list(b._data.shape)} instead")
        if b._data.dtype != x._data.dtype:
            _check_bias_dtype(op, x, b, transposed)
    size, k = xs[-nd:], ws[2:]
    if transposed:
        d = _transposed_sizes(op, x, w, s, p, d, op_, nd)
    elif p != "same":
        eff = tuple(di * (ki - 1) + 1 for di, ki in zip(d, k))
        pp = (0,) * nd if p == "valid" else p
        padded = tuple(size[i] + 2 * pp[i] for i in range(nd))
        if any(padded[i] < eff[i] for i in range(nd)):
            raise RuntimeError(f"{op}: Calculated padded input size per channel: ({_fmt(padded)}). "
                               f"Kernel size: ({_fmt(eff)}). Kernel size can't be greater than "
                               f"actual input size")
    return s, p, d, op_, groups


def _transposed_sizes(op, x, w, s, p, d, op_, nd):
    """PyTorch's output_padding, dilation and output-size rules for a transposed convolution;
    returns the dilation to compute with. PyTorch checks these in its kernels, which an empty
    batch never reaches: only a negative output size is refused then. (Its float kernel skips
    the zero-dilation and empty-output checks too, but only for some batch sizes: dygrad keeps
    its double kernel's rule, a clear error, for every dtype.)"""
    xs, k = x._data.shape, w._data.shape[2:]
    empty = len(xs) == nd + 2 and xs[0] == 0
    if not empty:
        if min(d) == 0:
            raise RuntimeError(f"{op}: dilation should be greater than zero, got "
                               f"dilation={list(d)}")
        for i in range(nd):
            if op_[i] >= s[i] and op_[i] >= d[i]:
                raise RuntimeError(
                    f"{op}: output padding must be smaller than either stride or dilation, but "
                    f"got output_padding={list(op_)}, stride={list(s)}, dilation={list(d)}")
    size = xs[-nd:]
    out = tuple((size[i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + 1 + op_[i]
                for i in range(nd))
    if min(out) < 0 or (min(out) == 0 and not empty):
        raise RuntimeError(f"{op}: Given input size per channel: ({_fmt(size)}). Calculated "
                           f"output size per channel: ({_fmt(out)}). Output size is too small")
    return d


def _check_bias_dtype(op, x, b, transposed):
    """A bias of another dtype than the input: PyTorch's transposed convolution adds it in the
    input's dtype when that is double (any bias) or long (an integer bias); otherwise it raises
    (an in-place NumPy add would silently round a double bias into a float output)."""
    xt, bt = x._data.dtype, b._data.dtype
    if transposed and xt.name == "float64":
        return
    if transposed and xt.name == "int64":
        if bt.kind in "biu":
            return
        raise RuntimeError(f"{op}: result type {scalar_type_name(bt)} can't be cast to the desired "
                           f"output type Long")
    raise RuntimeError(f"{op}: Input type ({_tn(x)}) and bias type ({_tn(b)}) should be the same")


def _check_transposed_dtype(op, x):
    # PyTorch's CPU transposed convolution has floating and long kernels only; narrower integers
    # and bool would wrap around or saturate in the NumPy products
    dt = x._data.dtype
    if dt.kind not in "fV" and dt.name != "int64":
        raise NotImplementedError(f'"{op}" not implemented for \'{scalar_type_name(dt)}\'')


def _tn(t):
    return short_name(t._data.dtype)


def pool_args(op, kernel_size, stride, padding, dilation, nd):
    """PyTorch's rules for pooling windows: (kernel, stride, padding, dilation) as int tuples.
    stride None or empty means the kernel size; a window must hold at least one real element,
    hence padding at most half the kernel."""
    k = ints(kernel_size, nd, "kernel_size", op)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else \
        ints(stride, nd, "stride", op)
    p = ints(padding, nd, "padding", op)
    d = ints(dilation, nd, "dilation", op)
    if min(k) <= 0:
        raise RuntimeError(f"{op}: kernel size should be greater than zero, but got "
                           f"kernel_size={list(k)}")
    if min(s) <= 0:
        raise RuntimeError(f"{op}: stride should be greater than zero, but got stride={list(s)}"
                           if min(s) < 0 else f"{op}: stride should not be zero")
    if min(d) <= 0:
        raise RuntimeError(f"{op}: dilation should be greater than zero, but got "
                           f"dilation={list(d)}")
    if min(p) < 0:
        raise RuntimeError(f"{op}: pad must be non-negative, but got pad={list(p)}")
    if any(2 * pi > ki for pi, ki in zip(p, k)):
        raise RuntimeError(f"{op}: pad should be at most half of kernel size, but got "
                           f"pad={list(p)}, kernel_size={list(k)}")
    return k, s, p, d


def pool_out(op, size, k, s, p, d, ceil_mode):
    """Output sizes of a pooling window sweep; with ceil_mode the last window may hang over the
    end, but it must start inside the input or the left padding."""
    out = []
    for n, ki, si, pi, di in zip(size, k, s, p, d):
        span = n + 2 * pi - di * (ki - 1) - 1
        o = (-(-span // si) if ceil_mode else span // si) + 1
        if ceil_mode and (o - 1) * si >= n + pi:
            o -= 1
        out.append(o)
    if min(out) <= 0:
        raise RuntimeError(f"{op}: Given input size: ({_fmt(size)}). Calculated output size: "
                           f"({_fmt(out)}). Output size is too small")
    return tuple(out)


def pool_input(op, x, nd):
    """Pooling takes a batched or unbatched input whose non-batch dimensions are non-empty."""
    shape = x._data.shape
    if len(shape) not in (nd + 1, nd + 2) or 0 in shape[-nd - 1:]:
        raise RuntimeError(f"{op}: Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with "
                           f"optional 0 dim batch size for input, but got: {list(shape)}")
