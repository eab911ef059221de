"""View ops (view, reshape, permute, ..., diagonal, unfold) and splits: parity with PyTorch
(values, dtypes, shapes, gradients), float64 gradchecks incl. second order, view semantics
(shared memory, shared version counter, `_base`) and errors."""
import numpy as np
import pytest

import dygrad
from dygrad.testing import assert_close, check_op, check_raises, gradcheck_op

rng = np.random.default_rng(7)


def R(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def ns(x):
    if isinstance(x, dygrad.Tensor):
        return dygrad
    import torch
    return torch


# name -> (input shape, op); the same call runs on dygrad and torch tensors
OPS = {
    "view": ((2, 3, 4), lambda t: t.view(4, 6)),
    "view_infer": ((2, 3, 4), lambda t: t.view(-1, 4)),
    "view_tuple": ((2, 3, 4), lambda t: t.view((3, 8))),
    "view_size1": ((1, 3, 1), lambda t: t.view(3)),
    "view_of_transposed": ((3, 4), lambda t: t.t().view(2, 2, 3)),
    "view_as": ((2, 6), lambda t: t.view_as(ns(t).zeros(3, 4))),
    "reshape": ((2, 3, 4), lambda t: t.reshape(6, 4)),
    "reshape_copy": ((3, 4), lambda t: t.t().reshape(12)),
    "reshape_as": ((2, 6), lambda t: t.reshape_as(ns(t).zeros(4, 3))),
    "reshape_0d": ((), lambda t: t.reshape(1, 1)),
    "ravel": ((3, 4), lambda t: t.t().ravel()),
    "permute": ((2, 3, 4), lambda t: t.permute(2, 0, 1)),
    "permute_neg": ((2, 3, 4), lambda t: t.permute((-1, -3, -2))),
    "transpose": ((2, 3, 4), lambda t: t.transpose(0, 2)),
    "swapaxes": ((2, 3, 4), lambda t: t.swapaxes(-1, 1)),
    "t": ((3, 4), lambda t: t.t()),
    "t_1d": ((4,), lambda t: t.t()),
    "mT": ((2, 3, 4), lambda t: t.mT),
    "squeeze": ((1, 3, 1, 2), lambda t: t.squeeze()),
    "squeeze_dim": ((1, 3, 1, 2), lambda t: t.squeeze(-2)),
    "squeeze_dim_noop": ((1, 3, 1, 2), lambda t: t.squeeze(1)),
    "squeeze_tuple": ((1, 3, 1, 2), lambda t: t.squeeze((0, 2))),
    "unsqueeze": ((3, 2), lambda t: t.unsqueeze(1)),
    "unsqueeze_neg": ((3, 2), lambda t: t.unsqueeze(-1)),
    "unsqueeze_0d": ((), lambda t: t.unsqueeze(0)),
    "flatten": ((2, 3, 4), lambda t: t.flatten()),
    "flatten_mid": ((2, 3, 4, 5), lambda t: t.flatten(1, 2)),
    "flatten_0d": ((), lambda t: t.flatten()),
    "flatten_noncontig": ((2, 3, 4), lambda t: t.transpose(0, 2).flatten(0, 1)),
    "unflatten": ((2, 12), lambda t: t.unflatten(1, (3, -1))),
    "unflatten_neg": ((2, 12), lambda t: t.unflatten(-1, (2, 2, 3))),
    "expand": ((3, 1), lambda t: t.expand(3, 4)),
    "expand_lead": ((3, 1), lambda t: t.expand(2, -1, 5)),
    "expand_as": ((1, 4), lambda t: t.expand_as(ns(t).zeros(3, 4))),
    "broadcast_to": ((4,), lambda t: t.broadcast_to((2, 3, 4))),
    "expand_0d": ((), lambda t: t.expand(2, 2)),
    "movedim": ((2, 3, 4), lambda t: t.movedim(0, -1)),
    "movedim_multi": ((2, 3, 4, 5), lambda t: t.movedim((0, 1), (3, 0))),
    "moveaxis": ((2, 3, 4), lambda t: ns(t).moveaxis(t, -1, 0)),
    "movedim_0d": ((), lambda t: t.movedim(0, -1)),
    "select": ((2, 3, 4), lambda t: t.select(1, -1)),
    "select_0": ((2, 3, 4), lambda t: t.select(0, 1)),
    "narrow": ((3, 5), lambda t: t.narrow(1, 1, 3)),
    "narrow_neg": ((3, 5), lambda t: t.narrow(-1, -2, 2)),
    "narrow_empty": ((3, 5), lambda t: t.narrow(0, 3, 0)),
    "diagonal": ((4, 5), lambda t: t.diagonal()),
    "diagonal_off": ((4, 5), lambda t: t.diagonal(2)),
    "diagonal_neg_off": ((4, 5), lambda t: t.diagonal(-1)),
    "diagonal_dims": ((2, 3, 4), lambda t: t.diagonal(1, -1, 0)),
    "diagonal_out_of_range": ((3, 3), lambda t: t.diagonal(5)),
    "unfold": ((3, 7), lambda t: t.unfold(1, 3, 2)),
    "unfold_overlap": ((2, 6, 2), lambda t: t.unfold(1, 4, 1)),
    "unfold_gap": ((8,), lambda t: t.unfold(0, 2, 3)),
    "unfold_0d": ((), lambda t: t.unfold(0, 1, 1)),
    "unbind": ((3, 2), lambda t: t.unbind(1)),
    "split_int": ((5, 3), lambda t: t.split(2)),
    "split_sizes": ((6, 3), lambda t: t.split([1, 0, 5])),
    "split_dim": ((2, 7), lambda t: ns(t).split(t, 3, dim=-1)),
    "split_bigger": ((3, 2), lambda t: t.split(10)),
    "chunk": ((10, 2), lambda t: t.chunk(4)),
    "chunk_fewer": ((6, 2), lambda t: t.chunk(4)),
    "chunk_dim": ((2, 5), lambda t: t.chunk(3, 1)),
    "chunk_empty": ((0, 2), lambda t: t.chunk(3)),
    "split_one_piece_used": ((5, 3), lambda t: t.split(2)[1]),
    "unbind_one_piece_used": ((3, 2), lambda t: t.unbind(1)[1]),
}

VIEW_OPS = [n for n in OPS if n not in ("reshape_copy", "ravel", "flatten_noncontig",
                                        "flatten_0d", "reshape_0d", "view_as", "reshape_as",
                                        "expand_as")]


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parity(name, dtype):
    shape, fn = OPS[name]
    check_op(fn, None, R(*shape, dtype=dtype))


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradcheck(name):
    shape, fn = OPS[name]
    gradcheck_op(fn, R(*shape), gradgradcheck=True)


THIRD_ORDER = ["view", "permute", "select", "narrow", "diagonal_dims", "unfold_overlap",
               "expand_lead", "split_sizes", "unbind", "chunk_fewer"]


def _cubes(fn):
    """sum(out**3) over every output of fn: a function whose third derivative is not zero."""
    def total(t):
        out = fn(t)
        outs = out if isinstance(out, tuple) else (out,)
        s = (outs[0] * outs[0] * outs[0]).sum()
        for o in outs[1:]:
            s = s + (o * o * o).sum()
        return s
    return total


@pytest.mark.parametrize("name", THIRD_ORDER)
def test_third_order(name):
    """The gradient of a gradient is itself differentiable (Tensor-mode backward all the way):
    the second-order gradient, built with create_graph, passes a finite-difference gradcheck."""
    shape, fn = OPS[name]
    total = _cubes(fn)

    def g2(x):
        g1, = dygrad.autograd.grad(total(x), x, create_graph=True)
        out, = dygrad.autograd.grad((g1 * g1).sum(), x, create_graph=True)
        return out

    x = dygrad.tensor(R(*shape), requires_grad=True)
    assert dygrad.autograd.gradcheck(g2, (x,))


@pytest.mark.parametrize("name", THIRD_ORDER)
def test_third_order_parity(name):
    torch = pytest.importorskip("torch")
    shape, fn = OPS[name]
    total = _cubes(fn)
    x = dygrad.tensor(R(*shape), requires_grad=True)
    g1, = dygrad.autograd.grad(total(x), x, create_graph=True)
    g2, = dygrad.autograd.grad((g1 * g1).sum(), x, create_graph=True)
    g3, = dygrad.autograd.grad(g2.sum(), x)
    xt = torch.tensor(x.detach().numpy(), requires_grad=True)
    t1, = torch.autograd.grad(total(xt), xt, create_graph=True)
    t2, = torch.autograd.grad((t1 * t1).sum(), xt, create_graph=True)
    t3, = torch.autograd.grad(t2.sum(), xt)
    assert_close(g3, t3)


def test_int_and_bool_dtypes_pass_through():
    for name in ("view", "permute", "expand", "select", "diagonal", "unfold", "split_int", "chunk"):
        shape, fn = OPS[name]
        check_op(fn, None, rng.integers(-5, 5, shape))
        check_op(fn, None, rng.integers(0, 2, shape).astype(bool))


@pytest.mark.parametrize("name", VIEW_OPS)
def test_results_are_views(name):
    shape, fn = OPS[name]
    x = dygrad.tensor(R(*shape))
    out = fn(x)
    for o in (out if isinstance(out, tuple) else (out,)):
        assert o._vc is x._vc
        assert o._base is x
        assert o._data.size == 0 or np.shares_memory(o._data, x._data)


def test_view_edit_visible_in_base_and_bumps_version():
    x = dygrad.zeros(3, 4)
    v = x.t()
    d = x.diagonal()
    v[1, 0] = 5.0
    d.add_(1.0)
    x.narrow(1, 2, 2).mul_(3)
    assert x.tolist() == [[1., 5., 0., 0.], [0., 1., 0., 0.], [0., 0., 3., 0.]]
    assert x._version == v._version == d._version == 3
    u = x.unsqueeze(0).select(0, 0).view(12)
    u[0] = 7
    assert x[0, 0].item() == 7.0 and u._base is x


def test_modified_view_of_saved_input_is_caught():
    a = dygrad.randn(3, requires_grad=True)
    b = a * 1.0
    c = b * b
    with dygrad.no_grad():
        b.view(3)[0] = 0.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


def test_reshape_copies_only_when_needed():
    x = dygrad.randn(3, 4)
    assert x.reshape(2, 6)._base is x
    y = x.t().reshape(12)
    assert y._base is None and not np.shares_memory(y._data, x._data)
    r = dygrad.randn(3, 4, requires_grad=True)
    assert type(r.reshape(12).grad_fn).__name__ == "ViewBackward0"
    assert type(r.t().reshape(12).grad_fn).__name__ == "UnsafeViewBackward0"


def test_grad_fn_names():
    x = dygrad.randn(3, 4, requires_grad=True)
    names = {"permute": x.permute(1, 0), "transpose": x.transpose(0, 1), "t": x.t(),
             "expand": x.expand(2, 3, 4), "select": x.select(0, 1), "narrow": x.narrow(0, 0, 1),
             "diagonal": x.diagonal(), "unfold": x.unfold(1, 2, 1), "squeeze": x.squeeze(),
             "unsqueeze": x.unsqueeze(0), "split": x.split(2)[0], "split_sizes": x.split([1, 2])[0],
             "unbind": x.unbind()[0]}
    expect = {"permute": "PermuteBackward0", "transpose": "TransposeBackward0", "t": "TBackward0",
              "expand": "ExpandBackward0", "select": "SelectBackward0", "narrow": "SliceBackward0",
              "diagonal": "DiagonalBackward0", "unfold": "UnfoldBackward0",
              "squeeze": "SqueezeBackward0", "unsqueeze": "UnsqueezeBackward0",
              "split": "SplitBackward0", "split_sizes": "SplitWithSizesBackward0",
              "unbind": "UnbindBackward0"}
    for k, t in names.items():
        assert type(t.grad_fn).__name__ == expect[k], k


def test_split_pieces_share_one_node_and_unused_pieces_get_zeros():
    x = dygrad.randn(5, 2, requires_grad=True)
    a, b, c = x.split(2)
    assert a.grad_fn is b.grad_fn is c.grad_fn and (a.output_nr, b.output_nr, c.output_nr) == (0, 1, 2)
    (b * 3).sum().backward()
    assert x.grad.tolist() == [[0., 0.]] * 2 + [[3., 3.]] * 2 + [[0., 0.]]
    x.grad = None
    x.unbind(0)[4].sum().backward()
    assert x.grad.sum().item() == 2.0 and x.grad[4].tolist() == [1., 1.]


def test_chunk_and_split_sizes():
    # (n, chunks) -> piece lengths, as PyTorch gives them: pieces of ceil(n / chunks), so there
    # may be fewer pieces than asked; an empty tensor gives `chunks` empty pieces
    expect = {(10, 4): [3, 3, 3, 1], (5, 4): [2, 2, 1], (6, 4): [2, 2, 2], (7, 7): [1] * 7,
              (3, 5): [1, 1, 1], (0, 3): [0, 0, 0], (11, 3): [4, 4, 3], (1, 1): [1]}
    for (n, c), sizes in expect.items():
        assert [t.shape[0] for t in dygrad.arange(n).chunk(c)] == sizes, (n, c)
    assert [t.shape[0] for t in dygrad.arange(0).split(2)] == [0]


def test_view_dtype():
    """view(dtype) reinterprets the bytes (the last dimension scales with the item size), as
    NumPy's ndarray.view does on a contiguous array."""
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    for dt in ("int32", "float32", "int16", "uint8"):
        got = dygrad.from_numpy(a.copy()).view(getattr(dygrad, dt))
        assert_close(got, a.view(getattr(np, dt)))


def test_flatten_same_dims_returns_self():
    x = dygrad.randn(2, 3)
    assert x.flatten(1, 1) is x and x.flatten(-1, 1) is x


ERRORS = [
    ((2, 3, 4), lambda t: t.transpose(0, 1).view(24), "view size is not compatible"),
    ((2, 3, 4), lambda t: t.view(5, -1), r"shape '\[5, -1\]' is invalid for input of size 24"),
    ((2, 3, 4), lambda t: t.view(-1, -1), "only one dimension can be inferred"),
    ((2, 3, 4), lambda t: t.reshape(-2, 12), "invalid shape dimension -2"),
    ((0, 3), lambda t: t.reshape(0, -1), "ambiguous"),
    ((2, 3, 4), lambda t: t.permute(0, 1), "number of dimensions in the tensor input does not match"),
    ((2, 3, 4), lambda t: t.permute(0, 1, 1), "duplicate dims"),
    ((2, 3, 4), lambda t: t.permute(0, 1, 3), "Dimension out of range"),
    ((2, 3, 4), lambda t: t.transpose(0, 3), "Dimension out of range"),
    ((2, 3, 4), lambda t: t.t(), "expects a tensor with <= 2 dimensions"),
    ((2, 3, 4), lambda t: t.squeeze(5), "Dimension out of range"),
    ((1, 3, 1), lambda t: t.squeeze((0, 0)), "dim 0 appears multiple times"),
    ((2, 3, 4), lambda t: t.unsqueeze(4), "Dimension out of range"),
    ((2, 3, 4), lambda t: t.flatten(2, 1), "start_dim cannot come after end_dim"),
    ((2, 3, 4), lambda t: t.unflatten(1, (2, 2)), r"Provided sizes \[2, 2\] don't multiply up"),
    ((2, 3, 4), lambda t: t.unflatten(1, ()), "sizes must be non-empty"),
    ((2, 3, 4), lambda t: t.expand(2, 3), "must be greater or equal to the number of dimensions"),
    ((2, 3, 4), lambda t: t.expand(2, 5, 4), r"expanded size of the tensor \(5\) must match the existing size \(3\)"),
    ((2, 3, 4), lambda t: t.expand(-1, 2, 3, 4), "isn't allowed in a leading, non-existing dimension 0"),
    ((2, 3, 4), lambda t: t.movedim((0, 1), (1,)), "should contain the same number of dims"),
    ((2, 3, 4), lambda t: t.movedim((0, 0), (1, 2)), r"repeated dim in `source` \(\[0, 0\]\)"),
    ((2, 3, 4), lambda t: t.select(1, 5), r"index 5 out of range for tensor of size \[2, 3, 4\] at dimension 1"),
    ((2, 3, 4), lambda t: t.narrow(1, 2, 2), r"start \(2\) \+ length \(2\) exceeds dimension size \(3\)"),
    ((2, 3, 4), lambda t: t.narrow(1, 4, 0), r"start out of range \(expected to be in range of \[-3, 3\], but got 4\)"),
    ((2, 3, 4), lambda t: t.narrow(1, 0, -1), "length must be non-negative"),
    ((2, 3, 4), lambda t: t.diagonal(0, 1, 1), "diagonal dimensions cannot be identical"),
    ((2, 3, 4), lambda t: t.unfold(1, 4, 1), "maximum size for tensor at dimension 1 is 3 but size is 4"),
    ((2, 3, 4), lambda t: t.unfold(1, 2, 0), "step is 0 but must be > 0"),
    ((2, 3, 4), lambda t: t.unfold(1, -1, 1), "size is -1 but must be >= 0"),
    ((2, 3, 4), lambda t: t.split([1, 3]), r"split_sizes to sum exactly to 2 .*split_sizes=\[1, 3\]"),
    ((2, 3, 4), lambda t: t.split([3, -1]), "only non-negative entries"),
    ((2, 3, 4), lambda t: t.split(0), "split_size can only be 0 if dimension size is 0"),
    ((2, 3, 4), lambda t: t.split(-1), "split expects split_size be non-negative"),
    ((2, 3, 4), lambda t: t.chunk(0), "chunk expects `chunks` to be greater than 0, got: 0"),
    ((2, 3, 4), lambda t: t.unbind(3), "Dimension out of range"),
    ((), lambda t: t.unbind(), "tensor has no dimensions"),
    ((), lambda t: t.select(0, 0), "0-dim"),
    ((), lambda t: t.narrow(0, 0, 1), r"narrow\(\) cannot be applied to a 0-dim tensor"),
    ((), lambda t: t.split(1), "split expects at least a 1-dimensional tensor"),
    ((), lambda t: t.chunk(2), "chunk expects at least a 1-dimensional tensor"),
    ((), lambda t: t.diagonal(), "Dimension out of range"),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors(case):
    shape, fn, match = ERRORS[case]
    check_raises(fn, None, R(*shape), match=match)


def test_transpose_of_a_0d_tensor_and_of_a_dim_with_itself_has_a_gradient():
    x = dygrad.tensor(2.0, requires_grad=True)
    y = x.t()  # PyTorch records TBackward0 for a 0-d t() too
    assert type(y.grad_fn).__name__ == "TBackward0"
    (y * 3).backward()
    assert x.grad.item() == 3.0
    x.grad = None
    x.transpose(0, -1).backward()
    assert x.grad.item() == 1.0
    m = dygrad.randn(2, 3, requires_grad=True)
    m.transpose(1, 1).sum().backward()
    assert m.grad.tolist() == [[1.0] * 3] * 2


def test_method_and_function_spellings():
    """PyTorch's method takes varargs (x.reshape(2, 3)) where its function takes one sequence
    (torch.reshape(x, (2, 3))); split's parameter is split_size on the method; swapaxes names
    its dims axis0/axis1."""
    x = dygrad.arange(6.0)
    for r in (x.reshape(2, 3), x.reshape((2, 3)), dygrad.reshape(x, [2, 3]),
              dygrad.reshape(x, shape=(2, 3)), x.view(2, 3), x.view((2, 3))):
        assert r.shape == (2, 3)
    m = x.view(2, 3)
    assert dygrad.permute(m, (1, 0)).shape == m.permute(1, 0).shape == m.permute([1, 0]).shape
    assert x.permute(dygrad.tensor(0)).shape == (6,)  # a 0-d integer tensor is one dim
    # PyTorch's TypeErrors: an int for a sequence of sizes, a float for a dim or an index
    for bad in (lambda: dygrad.reshape(x, 6), lambda: dygrad.reshape(x, 2, 3),
                lambda: dygrad.permute(m, 1, 0), lambda: dygrad.reshape(6, (6,)),
                lambda: dygrad.unflatten(x, 0, 6), lambda: dygrad.broadcast_to(x, 6),
                lambda: dygrad.unflatten(x, 0, dygrad.tensor([2, 3])), lambda: m.permute(0, 1.0),
                lambda: x.select(0, 1.0), lambda: x.narrow(0, 0.0, 1),
                lambda: m.permute(range(2)), lambda: m.permute(dygrad.tensor([1, 0]))):
        with pytest.raises(TypeError):
            bad()
    assert [p.tolist() for p in x.split(split_size=4)] == [[0., 1., 2., 3.], [4., 5.]]
    assert len(dygrad.split(x, split_size_or_sections=[1, 5])) == 2
    assert dygrad.swapaxes(m, axis0=0, axis1=1).shape == m.swapdims(dim0=0, dim1=1).shape == (3, 2)
    assert dygrad.moveaxis(m, 0, 1).shape == (3, 2) and x.expand(2, 6).shape == (2, 6)


def test_inplace_view_ops_rebase_self():
    y = dygrad.arange(6.0).view(2, 3).clone()
    for step, shape in ((lambda: y.t_(), (3, 2)), (lambda: y.swapaxes_(0, 1), (2, 3)),
                        (lambda: y.swapdims_(0, 1), (3, 2)), (lambda: y.transpose_(0, 1), (2, 3)),
                        (lambda: y.unsqueeze_(0), (1, 2, 3)), (lambda: y.squeeze_(), (2, 3))):
        assert step() is y and y.shape == shape
    assert y.tolist() == [[0., 1., 2.], [3., 4., 5.]]
    leaf = dygrad.zeros(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        leaf.t_()
