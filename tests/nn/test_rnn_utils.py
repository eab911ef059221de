"""nn.utils.rnn (PackedSequence, pack/pad and their inverses): values, index tensors, gradients
and errors equal PyTorch's; NumPy references where torch is absent."""
import numpy as np
import pytest

import dygrad
from dygrad.nn.utils import rnn as R
from dygrad.testing import assert_close, check_doc_examples

rng = np.random.default_rng(5)


def _torch():
    return pytest.importorskip("torch")


def _pair(torch, arr, grad=True):
    return (dygrad.tensor(arr.copy(), requires_grad=grad), torch.tensor(arr.copy(), requires_grad=grad))


def _same_packed(pd, pt):
    assert type(pd).__name__ == "PackedSequence"
    assert_close(pd.data, pt.data)
    for a, b in zip(pd[1:], pt[1:]):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.dtype == dygrad.int64
            assert a.tolist() == b.tolist()


def _backward_both(torch, outd, outt, seed=0):
    g = np.random.default_rng(seed).standard_normal(tuple(outt.shape))
    outd.backward(dygrad.tensor(g.astype(outd.numpy(force=True).dtype)))
    outt.backward(torch.tensor(g.astype(outd.numpy(force=True).dtype)))


LENGTHS = [[5, 3, 3, 1], [1, 5, 3, 5], [2, 2, 2, 2], [4, 1, 4, 4]]


@pytest.mark.parametrize("lengths", LENGTHS)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_pad_roundtrip_parity(lengths, batch_first, as_tensor):
    torch = _torch()
    shape = (4, 6, 3) if batch_first else (6, 4, 3)
    xd, xt = _pair(torch, rng.standard_normal(shape))
    sorted_ = all(a >= b for a, b in zip(lengths, lengths[1:]))
    ld = dygrad.tensor(lengths) if as_tensor else lengths
    lt = torch.tensor(lengths) if as_tensor else lengths
    for enforce in ([True, False] if sorted_ else [False]):
        pd = R.pack_padded_sequence(xd, ld, batch_first=batch_first, enforce_sorted=enforce)
        pt = torch.nn.utils.rnn.pack_padded_sequence(xt, lt, batch_first=batch_first,
                                                     enforce_sorted=enforce)
        _same_packed(pd, pt)
        outs = []
        for kw in [{}, dict(batch_first=not batch_first, padding_value=-2.5, total_length=7)]:
            od, lod = R.pad_packed_sequence(pd, **kw)
            ot, lot = torch.nn.utils.rnn.pad_packed_sequence(pt, **kw)
            assert_close(od, ot)
            assert lod.dtype == dygrad.int64 and lod.tolist() == lot.tolist()
            outs.append((od.flatten(), ot.flatten()))
        _backward_both(torch, dygrad.cat([o[0] for o in outs]), torch.cat([o[1] for o in outs]))
        assert_close(xd.grad, xt.grad)
        xd.grad = xt.grad = None


def test_pack_lengths_forms():
    torch = _torch()
    x = rng.standard_normal((4, 3, 2))
    for lengths in [np.array([4, 2, 1]), (4, 2, 1), [4.7, 2, 1]]:
        _same_packed(R.pack_padded_sequence(dygrad.tensor(x), lengths),
                     torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), lengths))
    for dt in ("int32", "float32"):
        _same_packed(R.pack_padded_sequence(dygrad.tensor(x), dygrad.tensor([4, 2, 1.5], dtype=getattr(dygrad, dt))),
                     torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), torch.tensor([4, 2, 1.5], dtype=getattr(torch, dt))))
    # a (T, B) input packs to 1-D data
    _same_packed(R.pack_padded_sequence(dygrad.tensor(x[..., 0]), [3, 3, 2]),
                 torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x[..., 0]), [3, 3, 2]))


def _seqs(lengths, trailing=(3,)):
    return [rng.standard_normal((n,) + trailing) for n in lengths]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_parity(batch_first, side):
    torch = _torch()
    arrs = _seqs([3, 5, 1, 5])
    pairs = [_pair(torch, a) for a in arrs]
    od = R.pad_sequence([p[0] for p in pairs], batch_first, 1.5, side)
    ot = torch.nn.utils.rnn.pad_sequence([p[1] for p in pairs], batch_first, 1.5, side)
    assert_close(od, ot)
    _backward_both(torch, od, ot)
    for a, b in pairs:
        assert_close(a.grad, b.grad)


def test_pad_sequence_dtypes_and_shapes():
    torch = _torch()
    cases = [
        [np.arange(3), np.arange(2.0)],                      # the first sequence's dtype wins
        [np.arange(3.0, dtype=np.float32), np.arange(2)],
        [np.ones((3, 2)), np.arange(2.0)],                   # broadcast into the trailing shape
        [np.zeros((0, 2)), np.ones((3, 2))],                 # an empty sequence
        [np.zeros((0, 2)), np.zeros((0, 2))],
        [np.ones((2, 2, 3))],
    ]
    for arrs in cases:
        for pv in (0.0, 1.5, -3):
            od = R.pad_sequence([dygrad.tensor(a) for a in arrs], padding_value=pv)
            ot = torch.nn.utils.rnn.pad_sequence([torch.tensor(a) for a in arrs], padding_value=pv)
            assert_close(od, ot)
    # any iterable, a tensor iterating over its rows included
    t = np.arange(6.0).reshape(3, 2)
    assert_close(R.pad_sequence(dygrad.tensor(t)), torch.nn.utils.rnn.pad_sequence(torch.tensor(t)))
    assert_close(R.pad_sequence(iter([dygrad.tensor(t)])),
                 torch.nn.utils.rnn.pad_sequence(iter([torch.tensor(t)])))


@pytest.mark.parametrize("enforce", [True, False])
def test_pack_sequence_unpack_unpad(enforce):
    torch = _torch()
    arrs = _seqs([5, 3, 3, 1] if enforce else [1, 5, 3, 5], (2,))
    pairs = [_pair(torch, a) for a in arrs]
    pd = R.pack_sequence([p[0] for p in pairs], enforce_sorted=enforce)
    pt = torch.nn.utils.rnn.pack_sequence([p[1] for p in pairs], enforce_sorted=enforce)
    _same_packed(pd, pt)
    ud, ut = R.unpack_sequence(pd), torch.nn.utils.rnn.unpack_sequence(pt)
    assert len(ud) == len(ut)
    for a, b in zip(ud, ut):
        assert_close(a, b)
    sum(((a * (i + 1)).sum() for i, a in enumerate(ud)), dygrad.tensor(0.0)).backward()
    sum(((a * (i + 1)).sum() for i, a in enumerate(ut)), torch.tensor(0.0)).backward()
    for a, b in pairs:
        assert_close(a.grad, b.grad)
    padded = rng.standard_normal((5, 4, 2))
    for bf in (False, True):
        lens = [5, 2, 3, 1]
        arr = padded.transpose(1, 0, 2).copy() if bf else padded
        ud = R.unpad_sequence(dygrad.tensor(arr), dygrad.tensor(lens), batch_first=bf)
        ut = torch.nn.utils.rnn.unpad_sequence(torch.tensor(arr), torch.tensor(lens), batch_first=bf)
        for a, b in zip(ud, ut, strict=True):
            assert_close(a, b)


def test_packed_sequence_object():
    torch = _torch()
    x = rng.standard_normal((3, 2, 2))
    pd = R.pack_padded_sequence(dygrad.tensor(x), [3, 1])
    pt = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), [3, 1])
    assert pd._fields == pt._fields and isinstance(pd, tuple)
    assert pd.is_cuda is False and pd.is_pinned() is False
    assert pd.to(dygrad.float64) is pd and pd.cpu() is pd
    for m in ("double", "float", "half", "long", "int", "short", "char", "byte"):
        a, b = getattr(pd, m)(), getattr(pt, m)()
        assert str(a.data.dtype).split(".")[-1] == str(b.data.dtype).split(".")[-1], m
        assert a.batch_sizes.dtype == dygrad.int64 and type(a) is R.PackedSequence
    idx = dygrad.tensor([1, 0])
    built = R.PackedSequence(pd.data, pd.batch_sizes, idx)
    assert built.unsorted_indices.tolist() == [1, 0]
    assert R.PackedSequence((pd.data, pd.batch_sizes)).batch_sizes is pd.batch_sizes
    assert R.invert_permutation(dygrad.tensor([2, 0, 3, 1])).tolist() == [1, 3, 0, 2]
    assert R.invert_permutation(None) is None
    assert dygrad.nn.utils.rnn is R and set(R.__all__) == set(torch.nn.utils.rnn.__all__)


def _errors(mod, torch_like):
    x = torch_like.randn(4, 3, 2)
    a, b = torch_like.randn(3, 2), torch_like.randn(2, 3)
    return [
        lambda: mod.pack_padded_sequence(x, [2, 3, 1]),
        lambda: mod.pack_padded_sequence(x, [3, 2, 0]),
        lambda: mod.pack_padded_sequence(x, [3, 0, 2], enforce_sorted=False),
        lambda: mod.pack_padded_sequence(x, [3, 2]),
        lambda: mod.pack_padded_sequence(x, torch_like.tensor([[3, 2, 1]])),
        lambda: mod.pack_padded_sequence(x, 3),
        lambda: mod.pack_padded_sequence(torch_like.randn(4), [3]),
        lambda: mod.pack_padded_sequence(torch_like.randn(0, 3, 2), [1, 1, 1]),
        lambda: mod.pad_packed_sequence(mod.pack_padded_sequence(x, [3, 2, 1]), total_length=2),
        lambda: mod.pad_sequence([a, b]),
        lambda: mod.pad_sequence([]),
        lambda: mod.pad_sequence(3),
        lambda: mod.pad_sequence([a, 5]),
        lambda: mod.pad_sequence([a], padding_side="middle"),
        lambda: mod.pad_sequence([a], batch_first=None),
        lambda: mod.pad_sequence([a], padding_value=None),
        lambda: mod.pack_sequence([a, torch_like.zeros(0, 2)]),
        lambda: mod.pack_sequence([]),
        lambda: mod.pack_sequence([a[:1], a]),
        lambda: mod.unpad_sequence(x, torch_like.tensor([3, 1])),
        lambda: mod.PackedSequence(x),
    ]


def test_errors_match_pytorch():
    torch = _torch()
    for i, (fd, ft) in enumerate(zip(_errors(R, dygrad), _errors(torch.nn.utils.rnn, torch))):
        with pytest.raises(Exception) as et:
            ft()
        with pytest.raises(Exception) as ed:
            fd()
        assert type(ed.value) is type(et.value), (i, ed.value, et.value)
        if i != 9:  # the broadcast failure names the shapes in its own words
            assert str(ed.value) == str(et.value), i


def test_errors_where_pytorch_reads_garbage():
    x = dygrad.randn(4, 3, 2)
    with pytest.raises(RuntimeError, match="a length .5. exceeds the input's sequence length .4."):
        R.pack_padded_sequence(x, [5, 2, 1])
    with pytest.raises(RuntimeError, match=r"got 2 \(batch_size=3\)"):  # PyTorch drops one
        R.pack_padded_sequence(x, [3, 2], enforce_sorted=False)
    with pytest.raises(RuntimeError, match="element 0 is a 0-dim tensor"):
        R.pad_sequence([dygrad.tensor(1.0), dygrad.tensor(2.0)])


# -- without torch: NumPy references and finite differences ----------------------------------------

def test_pack_pad_numpy_reference():
    x = rng.standard_normal((5, 4, 2))
    lengths = [2, 5, 1, 5]
    p = R.pack_padded_sequence(dygrad.tensor(x), lengths, enforce_sorted=False)
    order = [1, 3, 0, 2]  # stable, longest first
    assert p.sorted_indices.tolist() == order and p.batch_sizes.tolist() == [4, 3, 2, 2, 2]
    want = np.concatenate([x[t, [b for b in order if lengths[b] > t]] for t in range(5)])
    np.testing.assert_array_equal(p.data.numpy(), want)
    padded, lens = R.pad_packed_sequence(p, batch_first=True, padding_value=7.0)
    ref = np.full((4, 5, 2), 7.0)
    for b, n in enumerate(lengths):
        ref[b, :n] = x[:n, b]
    np.testing.assert_array_equal(padded.numpy(), ref)
    assert lens.tolist() == lengths


def test_pad_sequence_left_numpy_reference():
    arrs = _seqs([2, 4, 1], (2,))
    out = R.pad_sequence([dygrad.tensor(a) for a in arrs], batch_first=True, padding_value=-1.0,
                         padding_side="left").numpy()
    for b, a in enumerate(arrs):
        np.testing.assert_array_equal(out[b, 4 - len(a):], a)
        assert (out[b, :4 - len(a)] == -1).all()


def test_pack_pad_gradcheck():
    x = dygrad.tensor(rng.standard_normal((4, 3, 2)), requires_grad=True)

    def f(x):
        p = R.pack_padded_sequence(x * x, [2, 4, 3], batch_first=False, enforce_sorted=False)
        return R.pad_packed_sequence(p, batch_first=True, padding_value=3.0)[0]

    assert dygrad.autograd.gradcheck(f, (x,))
    seqs = [dygrad.tensor(a, requires_grad=True) for a in _seqs([3, 1, 2], (2,))]
    assert dygrad.autograd.gradcheck(
        lambda *s: R.pack_sequence(list(s), enforce_sorted=False).data.sin(), tuple(seqs))
    assert dygrad.autograd.gradcheck(
        lambda *s: R.pad_sequence(list(s), padding_side="left").cos(), tuple(seqs))


def test_docstring_examples():
    for name in R.__all__:
        doc = getattr(R, name).__doc__
        assert doc and ">>>" in doc, name
        check_doc_examples(doc, {"torch": dygrad}, f"nn.utils.rnn.{name}")
