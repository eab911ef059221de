"""Hand-written Tensor attributes at their edges: the transposes T/H/mT/mH by dimension count,
resize_ refusals, size()/stride() of a 0-d tensor, and the TypeError of equal/type_as given a
non-tensor. The explicit expectations run without torch; the parity test runs the same cases
under PyTorch when it is importable."""
import warnings

import pytest

import dygrad
import dygrad._tensor as _tensor_mod


@pytest.fixture
def fresh_warnings(monkeypatch):
    # the deprecation warnings are given once per process, as PyTorch's: start each test afresh
    monkeypatch.setattr(_tensor_mod, "_WARNED_ONCE", set())


def _caught(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = fn()
    return out, [str(x.message) for x in w]


@pytest.mark.parametrize("name", ["T", "H", "mT", "mH"])
def test_transposes_of_a_matrix(name):
    x = dygrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = getattr(x, name)
    assert y.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
    # PyTorch's node names: T reverses all dims, the other three swap two
    assert type(y.grad_fn).__name__ == ("PermuteBackward0" if name == "T" else "TransposeBackward0")


@pytest.mark.parametrize("name", ["T", "H", "mT", "mH"])
def test_a_scalar_comes_back_with_one_deprecation_warning(name, fresh_warnings):
    x = dygrad.tensor(2.0)
    y, first = _caught(lambda: getattr(x, name))
    _, second = _caught(lambda: getattr(x, name))
    assert y.item() == 2.0 and y.shape == ()
    assert len(first) == 1 and f"Tensor.{name} is deprecated on 0-D tensors" in first[0]
    assert second == []
    if name != "T":  # T is a permute (a new view); the others hand back the tensor itself
        assert y is x


@pytest.mark.parametrize("name,message", [
    ("H", "tensor.H is only supported on matrices (2-D tensors). Got 1-D tensor."),
    ("mH", "tensor.mH is only supported on matrices or batches of matrices. Got 1-D tensor."),
    ("mT", "tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor."),
])
def test_matrix_transposes_refuse_a_vector(name, message):
    with pytest.raises(RuntimeError) as e:
        getattr(dygrad.zeros(3), name)
    assert str(e.value) == message


def test_h_refuses_a_batch_and_points_to_mh():
    with pytest.raises(RuntimeError, match=r"Got 3-D tensor\. For batches of matrices, consider "
                                           r"using tensor\.mH"):
        dygrad.zeros(2, 3, 4).H
    assert dygrad.zeros(2, 3, 4).mH.shape == (2, 4, 3)


def test_t_of_a_vector_warns_once_and_is_the_identity(fresh_warnings):
    y, first = _caught(lambda: dygrad.tensor([1.0, 2.0]).T)
    _, second = _caught(lambda: dygrad.zeros(2, 2, 2).T)
    assert y.tolist() == [1.0, 2.0]
    assert len(first) == 1 and "deprecated" in first[0] and second == []


def test_resize_refuses_tensors_that_require_grad():
    leaf = dygrad.zeros(2, requires_grad=True)
    for t in (leaf, leaf * 2):
        with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
            t.resize_(3)
    with dygrad.no_grad(), pytest.raises(RuntimeError, match="require grad"):
        leaf.resize_(3)
    assert (leaf * 2).detach().resize_(3).shape == (3,)


@pytest.mark.parametrize("size", [(-1,), (2, -3)])
def test_resize_refuses_a_negative_size(size):
    with pytest.raises(RuntimeError, match="negative dimension"):
        dygrad.arange(6).resize_(*size)


@pytest.mark.parametrize("method", ["size", "stride"])
@pytest.mark.parametrize("dim", [0, -1])
def test_size_and_stride_of_a_scalar_name_no_dimension(method, dim):
    with pytest.raises(IndexError, match=f"dimension specified as {dim} but tensor has no dim"):
        getattr(dygrad.tensor(1.0), method)(dim)


@pytest.mark.parametrize("method", ["equal", "type_as"])
def test_equal_and_type_as_take_only_a_tensor(method):
    with pytest.raises(TypeError, match=f"{method}\\(\\): argument 'other' .* must be Tensor, "
                                        "not list"):
        getattr(dygrad.tensor([1.0]), method)([1.0])


# the cases above again, run under both libraries: same values or the same error type
PARITY = {
    "T_0d": lambda T: T.tensor(2.0).T, "H_0d": lambda T: T.tensor(2.0).H,
    "mT_0d": lambda T: T.tensor(2.0).mT, "mH_0d": lambda T: T.tensor(2.0).mH,
    "T_1d": lambda T: T.tensor([1.0, 2.0]).T, "H_1d": lambda T: T.tensor([1.0, 2.0]).H,
    "mT_1d": lambda T: T.tensor([1.0, 2.0]).mT, "mH_1d": lambda T: T.tensor([1.0, 2.0]).mH,
    "H_2d": lambda T: T.tensor([[1.0, 2.0], [3.0, 4.0]]).H,
    "H_3d": lambda T: T.arange(8.0).reshape(2, 2, 2).H,
    "mH_3d": lambda T: T.arange(8.0).reshape(2, 2, 2).mH,
    "T_3d": lambda T: T.arange(8.0).reshape(2, 2, 2).T,
    "resize_rg": lambda T: T.zeros(2, requires_grad=True).resize_(3),
    "resize_neg": lambda T: T.arange(6).resize_(2, -1),
    "resize_shrink": lambda T: T.arange(6).resize_(2, 2),
    "size_0d": lambda T: T.tensor(1.0).size(0), "stride_0d": lambda T: T.tensor(1.0).stride(-1),
    "equal_list": lambda T: T.tensor([1.0]).equal([1.0]),
    "type_as_list": lambda T: T.tensor([1.0]).type_as([1.0]),
}


def _outcome(fn, lib):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = fn(lib)
    except Exception as e:  # noqa: BLE001 - the error type is what is compared
        return "raises", type(e).__name__ if type(e).__name__ != "NoCUDAError" else "RuntimeError"
    return "value", r.tolist() if hasattr(r, "tolist") else r


@pytest.mark.parametrize("case", sorted(PARITY))
def test_parity(case):
    torch = pytest.importorskip("torch")
    assert _outcome(PARITY[case], dygrad) == _outcome(PARITY[case], torch)
