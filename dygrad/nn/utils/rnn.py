"""Variable-length sequences for the recurrent layers (torch.nn.utils.rnn).

A PackedSequence holds the steps of B sequences time-major, the batch shrinking as sequences end:
`data` (N, *) stacks, for t = 0, 1, ..., the t-th step of every sequence longer than t (longest
first), and `batch_sizes[t]` counts them. RNN, LSTM and GRU take one and skip the padding.

Every conversion here is one gather (`index_select`) of dygrad ops, the indices computed with
NumPy from the lengths (which live on the CPU, as in PyTorch), so gradients flow through packing
and padding as through any indexing.
"""
from typing import Iterable, List, NamedTuple, Optional, Union

import numpy as np

from ... import _creation
from ..._dtype import float16, float32, float64, int8, int16, int32, int64, uint8
from ..._tensor import Tensor
from ...ops.shape import cat

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Optional[Tensor]
    unsorted_indices: Optional[Tensor]


class PackedSequence(PackedSequence_):
    """A batch of variable-length sequences packed time-major (see the module docstring); make
    one with pack_padded_sequence or pack_sequence, not by hand. `sorted_indices` orders the
    original batch longest first (None when it already was); `unsorted_indices` undoes it.

    Example::

        >>> p = torch.nn.utils.rnn.pack_sequence([torch.tensor([1., 2., 3.]), torch.tensor([4.])])
        >>> p.data, p.batch_sizes
        (tensor([1., 4., 2., 3.]), tensor([2, 1, 1]))
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            if batch_sizes.device.type != "cpu":
                raise ValueError(
                    "batch_sizes should always be on CPU. Instances of PackedSequence should never "
                    "be created manually. They should be instantiated by functions like "
                    "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                    "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
            return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)
        if not isinstance(data, (list, tuple)) or len(data) != 2:
            raise AssertionError("Expected data to be a list or tuple of length 2")
        return super().__new__(cls, data[0], data[1], sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """The sequence with `data` converted as Tensor.to does (dtype, device); self when
        nothing changes. The index tensors stay int64."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._replace(data=data)

    def cpu(self, *args, **kwargs):
        return self.to(*args, device="cpu", **kwargs)

    def cuda(self, *args, **kwargs):
        return self._replace(data=self.data.cuda(*args, **kwargs))

    def pin_memory(self):
        return self._replace(data=self.data.pin_memory())

    def double(self):
        return self.to(dtype=float64)

    def float(self):
        return self.to(dtype=float32)

    def half(self):
        return self.to(dtype=float16)

    def long(self):
        return self.to(dtype=int64)

    def int(self):
        return self.to(dtype=int32)

    def short(self):
        return self.to(dtype=int16)

    def char(self):
        return self.to(dtype=int8)

    def byte(self):
        return self.to(dtype=uint8)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return self.data.is_pinned()


def invert_permutation(permutation: Optional[Tensor]) -> Optional[Tensor]:
    """The permutation that undoes `permutation` (None for None).

    Example::

        >>> torch.nn.utils.rnn.invert_permutation(torch.tensor([2, 0, 1]))
        tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    p = np.asarray(permutation.numpy(), np.int64)
    inv = np.empty_like(p)
    inv[p] = np.arange(p.size, dtype=np.int64)
    return _creation.tensor(inv)


def _idx(a):
    return _creation.tensor(np.ascontiguousarray(a, np.int64))


# -- index arithmetic (NumPy, on the CPU lengths) ------------------------------------------------

def _lengths_array(lengths):
    """`lengths` (a list, a NumPy array or a CPU tensor of any numeric dtype) as int64, checked
    1-D with PyTorch's message."""
    t = lengths.to(int64) if isinstance(lengths, Tensor) else _creation.as_tensor(lengths, int64)
    if t.dim() != 1:
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got "
                           f"{t.dim()}D cpu Long tensor")
    return np.asarray(t.numpy(), np.int64)


def _batch_sizes(lengths):
    """batch_sizes[t] = how many of the (descending) lengths exceed t."""
    return (lengths[:, None] > np.arange(int(lengths[0]))).sum(0).astype(np.int64)


def _packed_pos(sizes, B):
    """For packed rows in order: the flat position t * B + b in a time-major (T, B) grid."""
    sizes = np.asarray(sizes, np.int64)
    t = np.repeat(np.arange(sizes.size, dtype=np.int64), sizes)
    b = np.arange(t.size, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return t, b


def packed_rows(sizes, B):
    """For the recurrent layers: flat time-major (T * B) positions of the packed rows."""
    t, b = _packed_pos(sizes, B)
    return _idx(t * B + b)


def pad_rows(sizes, B, T=None, order=None, batch_first=False):
    """For each (t, b) of a (T, B) grid (or (B, T) with batch_first) in row-major order: the
    packed row holding it, or N (one past the last, a padding row) where it is padding. `order`
    maps the grid's batch column j to the packed (sorted) column order[j]."""
    t, b = _packed_pos(sizes, B)
    T = len(sizes) if T is None else T
    grid = np.full((T, B), t.size, np.int64)
    grid[t, b] = np.arange(t.size, dtype=np.int64)
    if order is not None:
        grid = grid[:, order]
    return _idx(grid.T if batch_first else grid)


def _with_pad_row(data, value):
    """data (N, *) with one more row of `value` (in data's dtype) for padding to gather from."""
    row = _creation.full((1,) + tuple(data.shape[1:]), value, dtype=data.dtype)
    return cat([data, row], 0)


# -- packing -------------------------------------------------------------------------------------

def _sort(lengths, enforce_sorted):
    """(lengths longest first, sorted_indices or None); PyTorch's checks and their order."""
    if enforce_sorted:
        order = None
    else:  # a stable descending sort: ties keep their order, as torch.sort's does here
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
    return lengths, order


def _check_lengths(lengths, B, T):
    if lengths.size != B:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lengths.size} (batch_size={B})")
    if lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element "
                           "in 'lengths' that is <= 0")
    if np.any(lengths[1:] > lengths[:-1]):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
            "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
            "sidestep this requirement if you do not need ONNX exportability.")
    if lengths[0] > T:  # PyTorch reads past the input here; refused rather than guessed
        raise RuntimeError(f"pack_padded_sequence: a length ({int(lengths[0])}) exceeds the "
                           f"input's sequence length ({T})")


def _packed(flat, lengths, order, rows_of):
    """The PackedSequence gathering, for sorted sequence b at step t, row rows_of(b_orig, t) of
    `flat`."""
    sizes = _batch_sizes(lengths)
    t, b = _packed_pos(sizes, lengths.size)
    b_orig = b if order is None else order[b]
    data = flat.index_select(0, _idx(rows_of(b_orig, t)))
    sorted_idx = None if order is None else _idx(order)
    return PackedSequence(data, _idx(sizes), sorted_idx, None)


def pack_padded_sequence(input: Tensor, lengths: Union[Tensor, List[int]],
                         batch_first: bool = False, enforce_sorted: bool = True) -> PackedSequence:
    """Packs a padded batch of sequences: `input` (T, B, *) (or (B, T, *) with batch_first) whose
    sequence b has `lengths[b]` valid steps. With enforce_sorted the lengths must be decreasing;
    otherwise the batch is sorted (and the result's `unsorted_indices` restores it).

    Example::

        >>> x = torch.tensor([[1., 2.], [3., 0.]])  # (T=2, B=2): lengths 2 and 1
        >>> torch.nn.utils.rnn.pack_padded_sequence(x, [2, 1]).data
        tensor([1., 2., 3.])
    """
    lengths = _lengths_array(lengths)
    if input.dim() < 2:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    lengths, order = _sort(lengths, enforce_sorted)
    B, T = (input.shape[0], input.shape[1]) if batch_first else (input.shape[1], input.shape[0])
    _check_lengths(lengths, B, T)
    flat = input.flatten(0, 1)  # row t * B + b, or b * T + t with batch_first
    return _packed(flat, lengths, order,
                   (lambda b, t: b * T + t) if batch_first else (lambda b, t: t * B + b))


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: Optional[int] = None
                        ) -> tuple:
    """Unpacks a PackedSequence into (padded (T, B, *) or (B, T, *) with batch_first, lengths
    int64), in the original batch order; T is the longest length or `total_length`.

    Example::

        >>> p = torch.nn.utils.rnn.pack_sequence([torch.tensor([1., 2.]), torch.tensor([3.])])
        >>> torch.nn.utils.rnn.pad_packed_sequence(p, batch_first=True, padding_value=-1)
        (tensor([[ 1.,  2.],
                [ 3., -1.]]), tensor([2, 1]))
    """
    sizes = np.asarray(sequence.batch_sizes.numpy(), np.int64)
    T = sizes.size
    if total_length is not None:
        if total_length < T:
            raise ValueError(f"Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {T}")
        T = total_length
    B = int(sizes[0])
    order = sequence.unsorted_indices
    order = None if order is None else np.asarray(order.numpy(), np.int64)
    lengths = (sizes[None, :] > np.arange(B)[:, None]).sum(1)  # sorted order
    if order is not None:
        lengths = lengths[order]
    data = sequence.data
    idx = pad_rows(sizes, B, T, order, batch_first)
    src = data if idx.numel() == data.shape[0] else _with_pad_row(data, padding_value)
    out = src.index_select(0, idx.flatten()).reshape(tuple(idx.shape) + tuple(data.shape[1:]))
    return out, _idx(lengths)


# -- lists of sequences --------------------------------------------------------------------------

def _flat_sequences(sequences, op):
    """The sequences as one tensor (sum of lengths, *trailing) in the first one's dtype and
    trailing shape (each broadcast to it, as copying into the padded tensor does), and their
    lengths."""
    if not isinstance(sequences, Iterable) or isinstance(sequences, (str, bytes)):
        raise RuntimeError(f"{op}: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}")
    seqs = tuple(sequences)
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    for i, s in enumerate(seqs):
        if not isinstance(s, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(s).__name__}")
        if s.dim() == 0:
            raise RuntimeError(f"{op}: every sequence needs a time dimension, but element {i} "
                               "is a 0-dim tensor")
    first = seqs[0]
    trailing, dtype = tuple(first.shape[1:]), first.dtype
    parts = []
    for s in seqs:
        if s.dtype != dtype:
            s = s.to(dtype)
        if tuple(s.shape[1:]) != trailing:
            s = s.expand((s.shape[0],) + trailing)
        parts.append(s)
    lengths = np.array([s.shape[0] for s in seqs], np.int64)
    return (parts[0] if len(parts) == 1 else cat(parts, 0)), lengths


def pad_sequence(sequences: Iterable[Tensor], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stacks sequences of shapes (L_i, *) into one (max L, B, *) tensor ((B, max L, *) with
    batch_first), filling with `padding_value` after each sequence ('right') or before it
    ('left'). The result has the first sequence's dtype.

    Example::

        >>> torch.nn.utils.rnn.pad_sequence([torch.tensor([1, 2, 3]), torch.tensor([4])],
        ...                                 batch_first=True)
        tensor([[1, 2, 3],
                [4, 0, 0]])
    """
    if not isinstance(batch_first, bool):
        raise TypeError(f"pad_sequence(): argument 'batch_first' (position 2) must be bool, not "
                        f"{type(batch_first).__name__}")
    if isinstance(padding_value, Tensor) or not isinstance(padding_value, (int, float)):
        raise TypeError(f"pad_sequence(): argument 'padding_value' (position 3) must be float, "
                        f"not {type(padding_value).__name__}")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    flat, lengths = _flat_sequences(sequences, "pad_sequence")
    T = int(lengths.max())
    starts = np.cumsum(lengths) - lengths
    t = np.arange(T)[:, None]
    shift = 0 if padding_side == "right" else T - lengths  # the step where sequence b starts
    valid = (t >= shift) & (t < shift + lengths)
    grid = np.where(valid, starts + t - shift, flat.shape[0])  # (T, B); padding: the extra row
    if batch_first:
        grid = grid.T
    src = flat if valid.all() else _with_pad_row(flat, padding_value)
    idx = _idx(grid)
    return src.index_select(0, idx.flatten()).reshape(tuple(grid.shape) + tuple(flat.shape[1:]))


def unpad_sequence(padded_sequences: Tensor, lengths: Union[Tensor, List[int]],
                   batch_first: bool = False) -> List[Tensor]:
    """The inverse of pad_sequence (right padding): the list of sequences, the b-th cut to
    lengths[b] steps.

    Example::

        >>> padded = torch.tensor([[1, 2, 3], [4, 0, 0]])
        >>> torch.nn.utils.rnn.unpad_sequence(padded, torch.tensor([3, 1]), batch_first=True)
        [tensor([1, 2, 3]), tensor([4])]
    """
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lens = lengths.tolist() if isinstance(lengths, Tensor) else list(lengths)
    return [seq[:int(n)] for seq, n in zip(padded_sequences.unbind(0), lens, strict=True)]


def pack_sequence(sequences: Iterable[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Packs a list of sequences (L_i, *) (decreasing lengths unless enforce_sorted=False).

    Example::

        >>> p = torch.nn.utils.rnn.pack_sequence([torch.tensor([1, 2]), torch.tensor([3, 4, 5])],
        ...                                      enforce_sorted=False)
        >>> p.data, p.batch_sizes, p.sorted_indices
        (tensor([3, 1, 4, 2, 5]), tensor([2, 2, 1]), tensor([1, 0]))
    """
    flat, lengths = _flat_sequences(sequences, "pad_sequence")
    starts = np.cumsum(lengths) - lengths
    lengths, order = _sort(lengths, enforce_sorted)
    _check_lengths(lengths, lengths.size, int(lengths.max()))
    return _packed(flat, lengths, order, lambda b, t: starts[b] + t)


def unpack_sequence(packed_sequences: PackedSequence) -> List[Tensor]:
    """The list of sequences a PackedSequence holds, in the original batch order.

    Example::

        >>> p = torch.nn.utils.rnn.pack_sequence([torch.tensor([1, 2]), torch.tensor([3])])
        >>> torch.nn.utils.rnn.unpack_sequence(p)
        [tensor([1, 2]), tensor([3])]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
