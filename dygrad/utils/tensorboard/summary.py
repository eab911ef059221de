"""Summary protos for SummaryWriter, built with the tensorboard package's own protos.

Each function returns a `Summary` that TensorBoard's plugins read: scalars as simple_value (or
a tensor with new_style), histograms as HistogramProto with the default TensorFlow buckets,
images as PNG, text as a string tensor for the text plugin, hparams as the hparams plugin's
experiment / session start / session end messages.
"""
import numpy as np
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2

from ._png import encode_png

__all__ = ["scalar", "histogram", "histogram_raw", "image", "text", "hparams", "to_numpy"]


def to_numpy(x):
    """A NumPy array of a dygrad tensor (detached), a NumPy array, a list or a number."""
    data = getattr(x, "_data", None)
    if isinstance(data, np.ndarray):  # a dygrad tensor: its values, without autograd
        return data
    if hasattr(x, "detach") and hasattr(x, "numpy"):  # a tensor of another library
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _number(value, what):
    arr = to_numpy(value)
    if arr.size != 1:
        raise ValueError(f"{what}: expected a single number, got an array of shape "
                         f"{tuple(arr.shape)}")
    return arr.reshape(()).item()


def _meta(plugin, content=b"", display_name=None):
    m = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name=plugin,
                                                                content=content))
    if display_name is not None:
        m.display_name = display_name
    return m


def scalar(tag, value, new_style=False, double_precision=False):
    """One number: simple_value, or (new_style) a 0-d float/double tensor for the scalars plugin."""
    v = float(_number(value, "add_scalar"))
    if not new_style:
        return Summary(value=[Summary.Value(tag=tag, simple_value=v)])
    t = (TensorProto(dtype="DT_DOUBLE", double_val=[v]) if double_precision
         else TensorProto(dtype="DT_FLOAT", float_val=[v]))
    t.tensor_shape.CopyFrom(TensorShapeProto())
    return Summary(value=[Summary.Value(tag=tag, tensor=t, metadata=_meta("scalars"))])


def default_bins():
    """TensorFlow's default histogram bucket edges: +-1e-12 * 1.1**k up to 1e20, and 0."""
    pos, v = [], 1e-12
    while v < 1e20:
        pos.append(v)
        v *= 1.1
    return [-x for x in reversed(pos)] + [0] + pos


def _histogram_proto(values, bins, max_bins):
    values = np.asarray(values, np.float64).reshape(-1)
    if values.size == 0:
        raise ValueError("add_histogram: the histogram is empty (no values were given)")
    counts, edges = np.histogram(values, bins=default_bins() if bins == "tensorflow" else bins)
    n = len(counts)
    if max_bins is not None and n > max_bins:  # merge neighbouring buckets
        group = n // max_bins
        pad = -n % group
        counts = np.pad(counts, (0, pad)).reshape(-1, group).sum(axis=1)
        edges = np.concatenate([edges[:-1:group], edges[-1:]])
    nz = np.flatnonzero(counts)
    first, last = nz[0], nz[-1]
    # the buckets from the first to the last non-empty one, each given by its right edge, after
    # an empty bucket whose right edge is the first one's left edge
    limits = np.concatenate([edges[first:first + 1], edges[first + 1:last + 2]])
    counts = np.concatenate([[0], counts[first:last + 1]])
    return HistogramProto(min=values.min(), max=values.max(), num=values.size,
                          sum=values.sum(), sum_squares=values.dot(values),
                          bucket_limit=limits.tolist(), bucket=counts.tolist())


def histogram(tag, values, bins="tensorflow", max_bins=None):
    """A histogram of values; bins: 'tensorflow' (default buckets), a count or a NumPy estimator."""
    return Summary(value=[Summary.Value(tag=tag,
                                        histo=_histogram_proto(to_numpy(values), bins, max_bins))])


def histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts):
    """A histogram from precomputed statistics and buckets (right edges and counts)."""
    if len(bucket_limits) != len(bucket_counts):
        raise ValueError(f"add_histogram_raw: bucket_limits has {len(bucket_limits)} entries and "
                         f"bucket_counts {len(bucket_counts)}; they must match")
    h = HistogramProto(min=min, max=max, num=num, sum=sum, sum_squares=sum_squares,
                       bucket_limit=list(bucket_limits), bucket=list(bucket_counts))
    return Summary(value=[Summary.Value(tag=tag, histo=h)])


def _to_chw(arr, dataformats):
    """arr laid out as dataformats (a permutation of the letters of 'NCHW' it uses) -> (N)CHW."""
    fmt = dataformats.upper()
    if len(fmt) != arr.ndim or len(set(fmt)) != len(fmt) or not set(fmt) <= set("NCHW") \
            or not {"H", "W"} <= set(fmt):
        raise ValueError(f"dataformats {dataformats!r} does not describe an image array of "
                         f"shape {tuple(arr.shape)} (expected one letter per dimension from "
                         "N, C, H, W, e.g. 'CHW', 'HWC', 'HW', 'NCHW')")
    if "C" not in fmt:
        arr, fmt = arr[..., None], fmt + "C"
    if "N" not in fmt:
        arr, fmt = arr[None], "N" + fmt
    return arr.transpose([fmt.index(c) for c in "NCHW"])


def _grid(nchw, ncols=8):
    """N images (C, H, W) side by side, ncols per row (no padding): one (C, H', W') image."""
    n, c, h, w = nchw.shape
    ncols = min(n, ncols)
    nrows = -(-n // ncols)
    canvas = np.zeros((c, h * nrows, w * ncols), nchw.dtype)
    for i in range(n):
        r, col = divmod(i, ncols)
        canvas[:, r * h:(r + 1) * h, col * w:(col + 1) * w] = nchw[i]
    return canvas


def image(tag, img, dataformats="CHW"):
    """An image (or a grid of a batch) as PNG: floats in [0, 1] or uint8 in [0, 255]."""
    arr = to_numpy(img)
    nchw = _to_chw(arr, dataformats)
    if nchw.shape[1] not in (1, 3, 4):
        raise ValueError(f"add_image: an image has 1, 3 or 4 channels; got {nchw.shape[1]} "
                         f"(shape {tuple(arr.shape)}, dataformats {dataformats!r})")
    if nchw.shape[1] == 1:  # grey is shown as RGB
        nchw = np.repeat(nchw, 3, axis=1)
    hwc = _grid(nchw).transpose(1, 2, 0)
    scale = 1 if hwc.dtype == np.uint8 else 255
    hwc = (hwc.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)
    h, w, c = hwc.shape
    return Summary(value=[Summary.Value(tag=tag, image=Summary.Image(
        height=h, width=w, colorspace=c, encoded_image_string=encode_png(hwc)))])


def text(tag, text_string):
    """Text (Markdown) for the text plugin, under the tag `<tag>/text_summary`."""
    t = TensorProto(dtype="DT_STRING", string_val=[str(text_string).encode("utf-8")])
    t.tensor_shape.dim.add(size=1)
    return Summary(value=[Summary.Value(tag=tag + "/text_summary", tensor=t,
                                        metadata=_meta("text"))])


def _hparam_value(name, v):
    if isinstance(v, str):
        return api_pb2.DATA_TYPE_STRING, {"string_value": v}
    if isinstance(v, (bool, int, float, np.generic)) or hasattr(v, "_data"):
        return api_pb2.DATA_TYPE_FLOAT64, {"number_value": float(_number(v, "add_hparams"))}
    raise ValueError(f"add_hparams: hyperparameter {name!r} is a {type(v).__name__}; values must "
                     "be int, float, bool, str or a one-element tensor")


def _plugin(tag, **fields):
    content = plugin_data_pb2.HParamsPluginData(version=0, **fields).SerializeToString()
    return Summary.Value(tag=tag, metadata=_meta("hparams", content))


def hparams(hparam_dict, metric_dict, hparam_domain_discrete=None):
    """The hparams plugin's three summaries: experiment, session start, session end."""
    if not isinstance(hparam_dict, dict) or not isinstance(metric_dict, dict):
        raise TypeError("add_hparams: hparam_dict and metric_dict must be dicts")
    domains = hparam_domain_discrete or {}
    infos, start = [], plugin_data_pb2.SessionStartInfo()
    for name, v in hparam_dict.items():
        if v is None:
            continue
        kind, value = _hparam_value(name, v)
        start.hparams[name].CopyFrom(_struct_value(**value))
        info = api_pb2.HParamInfo(name=name, type=kind)
        if name in domains:
            info.domain_discrete.extend(domains[name])
        infos.append(info)
    exp = api_pb2.Experiment(hparam_infos=infos, metric_infos=[
        api_pb2.MetricInfo(name=api_pb2.MetricName(tag=k)) for k in metric_dict])
    end = plugin_data_pb2.SessionEndInfo(status=api_pb2.STATUS_SUCCESS)
    return Summary(value=[_plugin("_hparams_/experiment", experiment=exp)]), \
        Summary(value=[_plugin("_hparams_/session_start_info", session_start_info=start)]), \
        Summary(value=[_plugin("_hparams_/session_end_info", session_end_info=end)])


def _struct_value(**kw):
    from google.protobuf.struct_pb2 import Value
    return Value(**kw)
