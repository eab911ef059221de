"""Ops that read an index, mask or condition tensor in backward (gather, scatter, index_*, take,
put, masked_*, where, embedding, advanced [] indexing, index_put): their nodes save that tensor,
so changing it in place between forward and backward raises as PyTorch does, instead of the
gradient silently following the new values. Where PyTorch keeps its own copy (take_along_dim
with a dim) or does not read the index for the gradient asked (index_add/scatter_add's self),
the gradient stays that of the call. The tables hold PyTorch 2.13's behaviour: they run on dygrad
without torch, and test_pytorch_agrees checks them against torch where it is installed."""
import pytest

import dygrad as torch
from dygrad.jit import TracerWarning


def _x(T=torch):
    return T.tensor([[3.0, 1.0, 2.0], [0.0, 4.0, 6.0]], requires_grad=True)


def _i2(T):
    return T.tensor([[2, 0], [1, 1]])


def _i1(T):
    return T.tensor([2, 0])


def _mask(T):
    return T.tensor([[True, False, True], [False, True, True]])


def _bcel(T, x, **weights):
    return T.nn.functional.binary_cross_entropy_with_logits(x, T.full((2, 3), 0.5), **weights)


def _set(y, key, v):
    y[key] = v
    return y


# name: fn(T, x) -> (the index/mask tensor, the result); T is dygrad or torch
RAISE = {
    "gather": lambda T, x: (i := _i2(T), x.gather(1, i)),
    "gather_0d": lambda T, x: (i := T.tensor(1), x[0].gather(0, i)),
    "index_select": lambda T, x: (i := _i1(T), x.index_select(1, i)),
    "getitem": lambda T, x: (i := _i1(T), x[:, i]),
    "getitem_rows": lambda T, x: (i := T.tensor([1, 1]), x[i]),
    "getitem_list": lambda T, x: (i := _i1(T), x[[0, 1], i]),
    "getitem_mask": lambda T, x: (m := _mask(T), x[m]),
    "getitem_mask_dim1": lambda T, x: (m := T.tensor([True, False, True]), x[:, m]),
    "take": lambda T, x: (i := T.tensor([5, 0]), x.take(i)),
    "take_along_dim_flat": lambda T, x: (i := _i2(T), T.take_along_dim(x, i)),
    "where": lambda T, x: (m := _mask(T), T.where(m, x, x * 3)),
    "where_scalar": lambda T, x: (m := _mask(T), T.where(m, 0.0, x)),
    "masked_fill": lambda T, x: (m := _mask(T), x.masked_fill(m, 0.0)),
    "masked_fill_": lambda T, x: (m := _mask(T), (x * 1).masked_fill_(m, 0.0)),
    "masked_select": lambda T, x: (m := _mask(T), x.masked_select(m)),
    "masked_scatter_self": lambda T, x: (m := _mask(T), x.masked_scatter(m, T.ones(6))),
    "masked_scatter_source": lambda T, x: (m := _mask(T), T.zeros(2, 3).masked_scatter(m, x)),
    "embedding": lambda T, x: (i := T.tensor([1, 1, 0]), T.nn.functional.embedding(i, x)),
    "embedding_padding": lambda T, x: (i := T.tensor([1, 0]),
                                       T.nn.functional.embedding(i, x, padding_idx=0)),
    "scatter_self": lambda T, x: (i := _i2(T), x.scatter(1, i, T.ones(2, 2))),
    "scatter_value": lambda T, x: (i := _i2(T), x.scatter(1, i, 5.0)),
    "scatter_src": lambda T, x: (i := _i2(T), T.zeros(2, 3).scatter(1, i, x[:, :2])),
    "scatter_": lambda T, x: (i := _i2(T), (x * 1).scatter_(1, i, 0.0)),
    "scatter_add_src": lambda T, x: (i := _i2(T), T.zeros(2, 3).scatter_add(1, i, x[:, :2])),
    "scatter_reduce_sum_self": lambda T, x: (i := _i2(T),
                                             x.scatter_reduce(1, i, T.ones(2, 2), "sum")),
    "scatter_reduce_amax": lambda T, x: (i := _i2(T), x.scatter_reduce(1, i, x[:, 1:] * 2, "amax")),
    "scatter_reduce_mean": lambda T, x: (i := _i2(T), x.scatter_reduce(1, i, T.ones(2, 2), "mean")),
    "index_fill": lambda T, x: (i := _i1(T), x.index_fill(1, i, 0.0)),
    "index_copy_self": lambda T, x: (i := _i1(T), x.index_copy(1, i, T.ones(2, 2))),
    "index_copy_source": lambda T, x: (i := _i1(T), T.zeros(2, 3).index_copy(1, i, x[:, :2])),
    "index_add_source": lambda T, x: (i := _i1(T), T.zeros(2, 3).index_add(1, i, x[:, :2])),
    "index_put": lambda T, x: (i := _i1(T), x.index_put((T.tensor([0, 1]), i), T.ones(2))),
    "index_put_0d": lambda T, x: (i := T.tensor(1), x.index_put((i,), T.tensor(0.0))),
    "index_put_accumulate": lambda T, x: (
        i := _i1(T), x.index_put((T.tensor([0, 1]), i), T.ones(2), accumulate=True)),
    "setitem": lambda T, x: (i := _i1(T), _set(x * 1, (0, i), 0.0)),
    "setitem_mask": lambda T, x: (m := _mask(T), _set(x * 1, m, 0.0)),
    "put": lambda T, x: (i := T.tensor([5, 0]), x.put(i, T.ones(2))),
    "put_accumulate": lambda T, x: (i := T.tensor([5, 0]), x.put(i, T.ones(2), accumulate=True)),
    # the weights of a loss: their arrays shared the tensors' memory
    "bce_with_logits_weight": lambda T, x: (w := T.full((2, 3), 2.0), _bcel(T, x, weight=w)),
    "bce_with_logits_pos_weight": lambda T, x: (w := T.tensor([1.0, 2.0, 3.0]),
                                                _bcel(T, x, pos_weight=w)),
}


def _change(t):
    if str(t.dtype) == "torch.bool":  # a dygrad or a PyTorch tensor
        t.logical_not_()
    else:
        t.zero_()


@pytest.mark.parametrize("name", sorted(RAISE))
def test_index_changed_in_place_raises(name):
    index, y = RAISE[name](torch, _x())
    _change(index)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@pytest.mark.parametrize("name", sorted(RAISE))
def test_untouched_index_gives_the_gradient(name):
    # the same graphs without the change: saving the index must not break backward
    x = _x()
    _, y = RAISE[name](torch, x)
    y.sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape


# gradients PyTorch gives although the index changed (the weights tell the positions apart)
KEEP = {
    "take_along_dim": (lambda T, x: (i := _i2(T), T.take_along_dim(x, i, 1)),
                       [[2.0, 0.0, 1.0], [0.0, 7.0, 0.0]]),
    "take_along_dim_same_shape": (
        lambda T, x: (i := T.tensor([[2, 0, 1], [1, 1, 0]]), T.take_along_dim(x, i, 1)),
        [[2.0, 3.0, 1.0], [6.0, 9.0, 0.0]]),
    "take_along_dim_negative": (lambda T, x: (i := T.tensor([[-1, 0]]), T.take_along_dim(x, i, 1)),
                                [[2.0, 0.0, 1.0], [4.0, 0.0, 3.0]]),
    "index_add_self": (lambda T, x: (i := _i1(T), x.index_add(1, i, T.ones(2, 2))),
                       [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),
    "scatter_add_self": (lambda T, x: (i := _i2(T), x.scatter_add(1, i, T.ones(2, 2))),
                         [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),
    # a 0-d integer (or bool) tensor in [] is read as a number
    "getitem_0d": (lambda T, x: (i := T.tensor(1), x[i]), [[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]]),
    "getitem_0d_with_list": (lambda T, x: (i := T.tensor(1), x[i, [0, 2]]),
                             [[0.0, 0.0, 0.0], [1.0, 0.0, 2.0]]),
    "setitem_0d": (lambda T, x: (i := T.tensor(1), _set(x * 1, i, 0.0)),
                   [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]),
}


@pytest.mark.parametrize("name", sorted(KEEP))
def test_gradient_of_the_call_where_pytorch_keeps_it(name):
    fn, expected = KEEP[name]
    x = _x()
    index, y = fn(torch, x)
    _change(index)
    w = torch.arange(1.0, y.numel() + 1).reshape(y.shape)
    (y * w).sum().backward()
    assert x.grad.tolist() == expected


def test_take_and_put_record_pytorch_names():
    x = _x()
    assert type(x.take(torch.tensor([0])).grad_fn).__name__ == "TakeBackward0"
    assert type(x.put(torch.tensor([0]), torch.ones(1)).grad_fn).__name__ == "PutBackward0"


def test_a_freed_graph_refuses_a_second_backward():
    x = _x()
    y = x.gather(1, _i2(torch)).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


@pytest.mark.parametrize("name", sorted(RAISE) + sorted(KEEP))
def test_pytorch_agrees(name):
    # the tables above are PyTorch's behaviour: checked against it where it is installed
    pt = pytest.importorskip("torch")
    fn = RAISE[name] if name in RAISE else KEEP[name][0]
    x = _x(pt)
    index, y = fn(pt, x)
    _change(index)
    w = pt.arange(1.0, y.numel() + 1).reshape(y.shape)
    if name in RAISE:
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            (y * w).sum().backward()
    else:
        (y * w).sum().backward()
        assert x.grad.tolist() == KEEP[name][1]


def test_a_capture_reads_the_indices_of_each_call():
    # a replayed lookup takes the indices as an operand: new indices give new rows (a kernel
    # holding the traced call's indices would silently return the old ones)
    w = torch.arange(15.0).reshape(5, 3)
    i = torch.tensor([2, 0])

    def emb(w, i):
        return torch.nn.functional.embedding(i, w)
    with torch.no_grad():
        traced = torch.jit.trace(emb, (w, torch.tensor([1, 4])))
        assert not traced.reasons and torch.equal(traced(w, i), emb(w, i))
        # [] with an index tensor replays by calling w.__getitem__ again with the new indices
        traced = torch.jit.trace(lambda w, i: w[i], (w, torch.tensor([1, 4])))
        assert not traced.reasons and torch.equal(traced(w, i), w[i])
