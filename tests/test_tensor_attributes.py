"""Hand-written Tensor attributes at their edges: the transposes T/H/mT/mH by dimension count,
resize_ refusals, size()/stride() of a 0-d tensor, equal/type_as given a non-tensor,
is_contiguous by memory format, and the autograd attributes' guards (grad's dtype, a non-leaf's
.grad and requires_grad, post-accumulate hooks). The explicit expectations run without torch;
the parity test runs the same cases under PyTorch when it is importable."""
import warnings

import pytest

import dygrad
import dygrad._tensor_info as _tensor_info


@pytest.fixture
def fresh_warnings(monkeypatch):
    # the deprecation warnings are given once per process, as PyTorch's: start each test afresh
    monkeypatch.setattr(_tensor_info, "_WARNED_ONCE", set())


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


def _channels_last(*shape):
    # a tensor of this NCHW(D) shape whose memory is packed channels-innermost
    order = (0,) + tuple(range(2, len(shape))) + (1,)
    back = [order.index(d) for d in range(len(shape))]
    return dygrad.zeros(*[shape[d] for d in order]).permute(*back)


@pytest.mark.parametrize("make,fmt,expected", [
    (lambda: dygrad.zeros(2, 3, 4, 5), "channels_last", False),
    (lambda: _channels_last(2, 3, 4, 5), "channels_last", True),
    (lambda: _channels_last(2, 3, 4, 5), "contiguous_format", False),
    (lambda: dygrad.zeros(2, 3, 1, 1), "channels_last", True),   # size-1 dims: any stride
    (lambda: dygrad.zeros(2, 3, 4, 5), "channels_last_3d", False),
    (lambda: _channels_last(2, 3, 4, 5, 6), "channels_last_3d", True),
    (lambda: dygrad.zeros(2, 3), "channels_last", False),
    (lambda: dygrad.zeros(2, 3), "preserve_format", True),
])
def test_is_contiguous_honours_the_memory_format(make, fmt, expected):
    assert make().is_contiguous(memory_format=getattr(dygrad, fmt)) is expected


def test_is_contiguous_takes_the_format_by_keyword_only():
    with pytest.raises(TypeError):
        dygrad.zeros(2, 3, 4, 5).is_contiguous(dygrad.channels_last)
    with pytest.raises(TypeError, match="must be torch.memory_format, not str"):
        dygrad.zeros(2).is_contiguous(memory_format="channels_last")


def test_clone_keeps_the_layout_unless_asked():
    t = dygrad.zeros(2, 3).t()
    assert t.clone().stride() == (1, 3) and dygrad.clone(t).stride() == (1, 3)
    assert t.to(dygrad.float32, copy=True).stride() == (1, 3)
    assert t.clone(memory_format=dygrad.contiguous_format).stride() == (2, 1)
    assert t.contiguous().stride() == (2, 1)
    cl = dygrad.zeros(2, 3, 4, 5).clone(memory_format=dygrad.channels_last)
    assert cl.stride() == (60, 1, 15, 3) and cl.is_contiguous(memory_format=dygrad.channels_last)
    with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last format"):
        dygrad.zeros(2, 3).clone(memory_format=dygrad.channels_last)
    x = dygrad.zeros(2, 3, requires_grad=True)
    assert type(x.t().clone().grad_fn).__name__ == "CloneBackward0"


def test_grad_of_another_dtype_is_refused():
    x = dygrad.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="gradient of dtype torch.float64 to a tensor of dtype "
                                           "torch.float32"):
        x.grad = dygrad.zeros(2, dtype=dygrad.float64)
    assert x.grad is None


def test_reading_an_unset_grad_of_a_non_leaf_warns():
    x = dygrad.ones(2, requires_grad=True)
    y = x * 2
    y.sum().backward()
    with pytest.warns(UserWarning, match="not a leaf Tensor is being accessed"):
        assert y.grad is None
    z = x * 3
    z.retain_grad()
    y.grad = dygrad.ones(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # retained, assigned, leaf, or no history: silent
        assert z.grad is None and y.grad is not None and x.grad is not None
        assert (dygrad.ones(2) * 2).grad is None


def test_requires_grad_of_a_non_leaf_cannot_be_set():
    y = dygrad.zeros(2, requires_grad=True) * 2
    for flag in (True, False):
        with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
            y.requires_grad = flag
    assert y.requires_grad_() is y  # already requires grad: nothing to change
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
        y.requires_grad_(False)


def test_post_accumulate_grad_hook_needs_a_tensor_that_requires_grad():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        dygrad.ones(2).register_post_accumulate_grad_hook(lambda p: None)


def test_type_to_a_cuda_type_name_raises():
    with pytest.raises(RuntimeError, match="CUDA"):
        dygrad.zeros(2).type("torch.cuda.FloatTensor")


def test_type_takes_legacy_classes_names_and_dtypes_only():
    x = dygrad.zeros(2, dtype=dygrad.float64)
    assert x.type(dygrad.Tensor).dtype == dygrad.float32  # torch.Tensor: the default dtype
    with pytest.raises(ValueError, match="invalid type: 'int'"):
        x.type(int)
    with pytest.raises(TypeError, match="dtype must be a type, str, or dtype object"):
        x.type(3)


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
    "type_cuda": lambda T: T.zeros(2).type("torch.cuda.FloatTensor"),
    "type_int": lambda T: T.zeros(2).type(int), "type_3": lambda T: T.zeros(2).type(3),
    "type_Tensor": lambda T: str(T.zeros(2).double().type(T.Tensor).dtype),
    "type_legacy": lambda T: str(T.zeros(2).type(T.DoubleTensor).dtype),
    "contig_cl": lambda T: T.zeros(2, 3, 4, 5).is_contiguous(memory_format=T.channels_last),
    "contig_cl_packed": lambda T: T.zeros(2, 4, 5, 3).permute(0, 3, 1, 2).is_contiguous(
        memory_format=T.channels_last),
    "contig_cl_size1": lambda T: T.zeros(2, 3, 1, 1).is_contiguous(memory_format=T.channels_last),
    "contig_cl3d": lambda T: T.zeros(2, 3, 4, 5, 6).is_contiguous(memory_format=T.channels_last_3d),
    "contig_positional": lambda T: T.zeros(2).is_contiguous(T.contiguous_format),
    "grad_dtype": lambda T: setattr(T.zeros(2, requires_grad=True), "grad", T.zeros(2, dtype=T.float64)),
    "rg_nonleaf": lambda T: setattr(T.zeros(2, requires_grad=True) * 2, "requires_grad", True),
    "rg__nonleaf": lambda T: (T.zeros(2, requires_grad=True) * 2).requires_grad_().requires_grad,
    "post_hook_noreq": lambda T: T.ones(2).register_post_accumulate_grad_hook(lambda p: None),
    "clone_t": lambda T: T.zeros(2, 3).t().clone().stride(),
    "clone_perm": lambda T: T.zeros(2, 3, 4, 5).permute(0, 2, 3, 1).clone().stride(),
    "clone_strided": lambda T: T.zeros(6, 4).t()[:, ::2].clone().stride(),
    "clone_expanded": lambda T: T.zeros(3, 1).expand(3, 4).clone().stride(),
    "clone_fn": lambda T: T.clone(T.zeros(2, 3).t()).stride(),
    "clone_cl": lambda T: T.zeros(2, 3, 4, 5).clone(memory_format=T.channels_last).stride(),
    "clone_cl3d": lambda T: T.zeros(2, 3, 4, 5, 6).clone(memory_format=T.channels_last_3d).stride(),
    "clone_cl_rank": lambda T: T.zeros(2, 3).clone(memory_format=T.channels_last),
    "to_copy_t": lambda T: T.zeros(2, 3).t().to(T.float32, copy=True).stride(),
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


def test_device_and_layout_flags_match_pytorch():
    # programs branch on `x.is_cuda or x.is_xpu`: every is_* flag a PyTorch CPU tensor carries
    torch = pytest.importorskip("torch")
    t, d = torch.zeros(1), dygrad.zeros(1)
    flags = [n for n in dir(t) if n.startswith("is_") and not callable(getattr(t, n))]
    assert flags
    for name in flags:
        assert getattr(d, name) == getattr(t, name), name


def test_device_flags_without_torch():
    x = dygrad.zeros(2)
    assert x.is_cpu and not (x.is_cuda or x.is_xpu or x.is_mps or x.is_xla or x.is_nested)
