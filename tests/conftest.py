"""Suite-wide test setup: the PyTorch parity oracle is optional.

The suite runs green with and without torch installed (`.ci/run` does both). Parity tests skip
when torch is absent, with `pytest.importorskip("torch")` in the test (or at module top when the
whole file is parity), or with the `requires_torch` marker registered here for a test that needs
torch only indirectly. NumPy-reference and finite-difference tests run in both settings.
"""
import importlib.util

import pytest

HAVE_TORCH = importlib.util.find_spec("torch") is not None


def pytest_configure(config):
    # torchvision (the oracle of dygrad.vision's models) is a CUDA-only wheel for torch 2.13:
    # let its Python parts import on the CPU torch (costs nothing until a test imports it)
    from bench import torchvision_cpu
    torchvision_cpu.enable()
    config.addinivalue_line(
        "markers", "requires_torch: the test needs PyTorch (the parity oracle); skipped without it")


def pytest_report_header(config):
    if HAVE_TORCH:  # the version from its metadata: importing torch here would slow every run
        from importlib.metadata import version
        return f"parity oracle: torch {version('torch')}"
    return "parity oracle: torch not installed (parity tests skip; NumPy-reference tests run)"


def pytest_runtest_setup(item):
    if not HAVE_TORCH and item.get_closest_marker("requires_torch") is not None:
        pytest.skip("requires torch (the PyTorch parity oracle)")
