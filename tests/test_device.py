"""Devices like PyTorch's CPU-only build: torch.device semantics, .to(...) forms, cuda /
accelerator / backends queries, and clear errors for any GPU request."""
import copy
import pickle
import sys
import warnings

import pytest

import dygrad
import dygrad.backends
import dygrad.device  # noqa: F401  (dygrad.device is the class; the module is in sys.modules)

try:  # the parity oracle; the tests marked requires_torch skip without it
    import torch
except ImportError:
    torch = None
dev_mod = sys.modules["dygrad.device"]

DY = type("dygrad_ns", (), {})()
vars(DY).update({k: getattr(dygrad, k) for k in dir(dygrad) if not k.startswith("__")})
vars(DY).update(backends=dygrad.backends, get_default_device=dev_mod.get_default_device,
                set_default_device=dev_mod.set_default_device)  # until __init__ exports them


def _outcome(lib, expr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = eval(expr, {"lib": lib})
        except Exception as e:  # noqa: BLE001 - the exception is the outcome under test
            return ("raise", e)
    if isinstance(r, (torch.Tensor, dygrad.Tensor)):
        return ("ok", "tensor", str(r.dtype), tuple(r.shape), r.tolist())
    return ("ok", repr(r))


def assert_same(expr):
    t, d = _outcome(torch, expr), _outcome(DY, expr)
    if t[0] == "raise":
        assert d[0] == "raise", f"{expr}: torch raised {t[1]!r}, dygrad gave {d[1:]}"
        assert isinstance(d[1], type(t[1])), f"{expr}: torch {t[1]!r}, dygrad {d[1]!r}"
    else:
        assert d == t, expr


DEVICE_CASES = [
    "lib.device('cpu')", "lib.device('cuda:0')", "lib.device('cuda', 1)", "lib.device(type='cuda', index=2)",
    "lib.device('cpu', index=0)", "lib.device('cuda', -1)", "lib.device('cuda:-1')", "lib.device('cuda:x')",
    "lib.device('cuda:01')", "lib.device('cuda:0:1')", "lib.device('CUDA')", "lib.device('gpu')",
    "lib.device(' cpu')", "lib.device('float64')", "lib.device('cuda:1', 2)", "lib.device(lib.device('cuda:1'))",
    "lib.device(None)", "lib.device(1.5)", "lib.device('cpu', 1.5)", "lib.device('cpu', '1')",
    "lib.device('cuda', True)", "lib.device('mps')", "lib.device('meta')", "lib.device('xla:3')", "lib.device(0)",
    "str(lib.device('cuda:1'))", "str(lib.device('cpu'))", "lib.device('cuda').index", "lib.device('cuda:3').type",
    "lib.device('cpu') == 'cpu'", "lib.device('cpu') != 'cpu'", "lib.device('cpu') == lib.device('cpu')",
    "lib.device('cpu') == lib.device('cpu', 0)", "lib.device('cuda', 0) == lib.device('cuda:0')",
    "lib.device('cuda') == 5", "hash(lib.device('cpu')) == hash(lib.device('cpu'))",
    "len({lib.device('cpu'), lib.device('cpu'), lib.device('cuda:0')})", "{lib.device('cpu'): 1}.get('cpu')",
    "lib.device('cuda') < lib.device('cpu')", "isinstance(lib.device('cpu'), lib.device)",
    "setattr(lib.device('cpu'), 'type', 'cuda')",
    "pickle.loads(pickle.dumps(lib.device('cuda:1')))", "copy.deepcopy(lib.device('cuda:1'))",
]


@pytest.mark.requires_torch
@pytest.mark.parametrize("expr", DEVICE_CASES)
def test_device_objects_match_torch(expr):
    t = _outcome_with(torch, expr)
    d = _outcome_with(DY, expr)
    if t[0] == "raise":
        assert d[0] == "raise" and isinstance(d[1], type(t[1])), (t, d)
    else:
        assert d == t


def _outcome_with(lib, expr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ("ok", repr(eval(expr, {"lib": lib, "pickle": pickle, "copy": copy})))
        except Exception as e:  # noqa: BLE001
            return ("raise", e)


TENSOR_DEVICE_CASES = [
    "lib.zeros(2).device", "lib.zeros(2).device == lib.device('cpu')", "lib.zeros(2).device.type",
    "lib.zeros(2).device.index", "lib.zeros(2).is_cuda", "lib.zeros(2).get_device()",
    "lib.zeros(2, device='cpu').device", "lib.zeros(2, device='cpu:0').device",
    "lib.zeros(2, device=lib.device('cpu')).device", "lib.ones(2, device='cpu')", "lib.empty(2, device='cpu').shape",
    "lib.full((2,), 1., device='cpu')", "lib.arange(3, device='cpu')", "lib.linspace(0, 1, 3, device='cpu')",
    "lib.logspace(0, 1, 3, device='cpu')", "lib.eye(2, device='cpu')", "lib.rand(2, device='cpu').shape",
    "lib.randn(2, device='cpu').shape", "lib.randint(3, (2,), device='cpu').shape",
    "lib.randperm(3, device='cpu').shape", "lib.zeros_like(lib.ones(2), device='cpu')",
    "lib.ones_like(lib.ones(2), device='cpu')", "lib.full_like(lib.ones(2), 3, device='cpu')",
    "lib.empty_like(lib.ones(2), device='cpu').shape", "lib.as_tensor([1, 2], device='cpu')",
    "lib.tensor([1, 2], device='cpu')", "lib.zeros(2).to('cpu').device", "lib.zeros(2).to(lib.device('cpu')).device",
    "lib.zeros(2).to('cpu', lib.float64).dtype", "lib.zeros(2).to(device='cpu', dtype=lib.int32).dtype",
    "lib.zeros(2).to(lib.ones(1, dtype=lib.int64)).dtype", "lib.zeros(2).to('float64')",
    "lib.zeros(2).to(lib.float64, copy=True).dtype", "lib.zeros(2).to(lib.float64, True).dtype",
    "lib.zeros(2).to(lib.float64, False, True).dtype", "lib.zeros(2).to('cpu', non_blocking=True).dtype",
    "lib.zeros(2).to()", "lib.zeros(2).to(foo=1)", "lib.zeros(2).to(None)", "lib.zeros(2).to(dtype=None)",
    "(lambda x: x.to('cpu') is x)(lib.zeros(2))", "(lambda x: x.to(lib.float32) is x)(lib.zeros(2))",
    "(lambda x: x.to(lib.float32, copy=True) is x)(lib.zeros(2))", "(lambda x: x.cpu() is x)(lib.zeros(2))",
    "lib.zeros(2, device='cuda')", "lib.zeros(2, device='cuda:0')", "lib.zeros(2, device=0)",
    "lib.tensor([1], device='cuda')", "lib.zeros(2).cuda()", "lib.zeros(2).cuda(device=0)", "lib.zeros(2).to('cuda')",
    "lib.zeros(2).to('cuda:0', lib.float64)", "lib.zeros(2).to(0)", "lib.zeros(2).to('mps')",
]


@pytest.mark.requires_torch
@pytest.mark.parametrize("expr", TENSOR_DEVICE_CASES)
def test_tensor_devices_match_torch(expr):
    assert_same(expr)


QUERY_CASES = [
    "lib.cuda.is_available()", "lib.cuda.device_count()", "lib.cuda.is_initialized()", "lib.cuda.current_device()",
    "lib.cuda.get_device_name()", "lib.cuda.get_device_name(0)", "lib.cuda.synchronize()", "lib.cuda.manual_seed(0)",
    "lib.cuda.manual_seed_all(0)", "lib.cuda.memory_allocated()", "lib.cuda.max_memory_allocated()",
    "lib.cuda.memory_reserved()", "lib.cuda.max_memory_reserved()", "lib.cuda.empty_cache()",
    "lib.cuda.get_rng_state_all()", "lib.cuda.is_bf16_supported()", "lib.cuda.get_device_properties(0)",
    "lib.cuda.get_device_capability()", "lib.cuda.initial_seed()", "lib.cuda.get_rng_state()",
    "lib.cuda.init()", "lib.cuda.Stream()", "lib.cuda.ipc_collect()", "lib.cuda.memory_stats()",
    "lib.accelerator.is_available()", "lib.accelerator.current_accelerator()",
    "lib.accelerator.current_accelerator(check_available=True)", "lib.accelerator.device_count()",
    "lib.accelerator.current_device_index()", "lib.accelerator.synchronize()", "lib.accelerator.memory_allocated()",
    "lib.accelerator.empty_cache()", "lib.accelerator.set_device_index(0)", "lib.backends.mps.is_available()",
    "lib.backends.mps.is_built()", "lib.backends.cudnn.enabled", "lib.backends.cudnn.benchmark",
    "lib.backends.cudnn.deterministic", "lib.backends.cudnn.allow_tf32", "lib.backends.cudnn.is_available()",
    "lib.backends.cudnn.version()", "lib.backends.cuda.matmul.allow_tf32", "lib.backends.cuda.is_built()",
    "lib.backends.cuda.flash_sdp_enabled()", "lib.backends.cuda.math_sdp_enabled()",
    "lib.backends.cuda.matmul.allow_fp16_reduced_precision_reduction", "lib.get_default_device()",
]


@pytest.mark.requires_torch
@pytest.mark.parametrize("expr", QUERY_CASES)
def test_backend_queries_match_torch(expr):
    assert_same(expr)


@pytest.mark.parametrize("call", [
    lambda: dygrad.zeros(2, device="cuda"), lambda: dygrad.zeros(2).cuda(), lambda: dygrad.zeros(2).to("cuda:1"),
    lambda: dygrad.tensor([1.], device=dygrad.device("cuda")), lambda: dygrad.cuda.current_device(),
    lambda: dygrad.randn(2, device="cuda"), lambda: dygrad.Generator(device="cuda"),
    lambda: dev_mod.set_default_device("cuda"),
])
def test_cuda_requests_explain_device_agnostic_code(call):
    with pytest.raises(RuntimeError) as info:
        call()
    msg = str(info.value)
    assert "CUDA" in msg and "torch.cuda.is_available()" in msg and ".to(device)" in msg
    assert isinstance(info.value, AssertionError)  # what PyTorch's CPU build raises


def test_device_agnostic_pattern_runs():
    device = dygrad.device("cuda" if dygrad.cuda.is_available() else "cpu")
    x = dygrad.randn(2, 3, device=device).to(device)
    assert x.device == device and str(x.device) == "cpu"


def test_cudnn_flags_are_settable_and_restored():
    cudnn = dygrad.backends.cudnn
    saved = (cudnn.benchmark, cudnn.deterministic, cudnn.enabled)
    try:
        cudnn.benchmark = True
        cudnn.deterministic = True
        assert cudnn.benchmark and cudnn.deterministic
        with cudnn.flags(enabled=False, deterministic=False):
            assert not cudnn.enabled and not cudnn.deterministic
        assert cudnn.enabled and cudnn.deterministic
    finally:
        cudnn.benchmark, cudnn.deterministic, cudnn.enabled = saved


def test_default_device_and_context_manager():
    assert dev_mod.get_default_device() == dygrad.device("cpu")
    dev_mod.set_default_device("cpu")
    dev_mod.set_default_device(None)
    with dygrad.device("cpu") as d:
        assert d == dygrad.device("cpu") and dygrad.zeros(1).device == d
    with pytest.raises(RuntimeError, match="CUDA"):
        with dygrad.device("cuda"):
            pass
    assert dev_mod.get_default_device() == dygrad.device("cpu")


def test_cuda_device_context_noop_for_none():
    with dygrad.cuda.device(None):
        pass
    with pytest.raises(RuntimeError):
        with dygrad.cuda.device(0):
            pass
