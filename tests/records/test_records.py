"""Runs every op record (tests/records/<family>.py) through the generic checks of
dygrad.testing: PyTorch parity (skipped without torch), NumPy reference, raises, float64
gradcheck / gradgradcheck and the method / in-place / out= spellings (test_method,
test_inplace, test_out). Test ids are the
record's public name and the sample's index; a failure message names the sample's label."""
import importlib

import pytest

from dygrad.testing import RecordSet, check_record, record_params

FAMILIES = ("unary", "binary", "inplace", "creation", "reduce", "shape", "indexing", "linalg",
            "nn_functional", "losses", "linalg_ns", "sampling")
RECORDS = RecordSet.merge(*(importlib.import_module(f"tests.records.{f}").R for f in FAMILIES))


def _params(check):
    return record_params(RECORDS, check)


@pytest.mark.parametrize("rec,sample", _params("parity"))
def test_parity(rec, sample):
    check_record(rec, sample, "parity")


@pytest.mark.parametrize("rec,sample", _params("reference"))
def test_reference(rec, sample):
    check_record(rec, sample, "reference")


@pytest.mark.parametrize("rec,sample", _params("raises"))
def test_raises(rec, sample):
    check_record(rec, sample, "raises")


@pytest.mark.parametrize("rec,sample", _params("gradcheck"))
def test_gradcheck(rec, sample):
    check_record(rec, sample, "gradcheck")


@pytest.mark.parametrize("rec,sample", _params("gradgradcheck"))
def test_gradgradcheck(rec, sample):
    check_record(rec, sample, "gradgradcheck")


@pytest.mark.parametrize("rec,sample", _params("method"))
def test_method(rec, sample):
    check_record(rec, sample, "method")


@pytest.mark.parametrize("rec,sample", _params("inplace"))
def test_inplace(rec, sample):
    check_record(rec, sample, "inplace")


@pytest.mark.parametrize("rec,sample", _params("out"))
def test_out(rec, sample):
    check_record(rec, sample, "out")


def _module_specs():
    from tests.records.modules import SPECS
    return SPECS


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("spec", _module_specs(), ids=[s[0] for s in _module_specs()])
def test_module(spec, mode):
    torch = pytest.importorskip("torch")
    from tests.records.modules import check_module
    check_module(spec, mode, torch)


def test_every_registered_op_has_a_record():
    """Each op declared in the registry (dygrad/ops/_registry.py) has a record under its name,
    a namespaced name ("special.erfcx"; "linalg:norm" declares "linalg.norm") or an alias."""
    from dygrad.ops._registry import OPS
    missing = []
    for name, decl in OPS.items():
        names = {name, *(decl.aliases or ())}
        if decl.method and not decl.function:  # a method only (x.repeat): its record is "Tensor.x"
            names.add(f"Tensor.{name}")
        for ns in decl.namespaces or ():
            if ":" in ns:
                names.add(ns.replace(":", "."))
            elif ns != "torch":
                names |= {f"{ns}.{n}" for n in (name, *(decl.aliases or ()))}
        if not names & set(RECORDS.records):
            missing.append(name)
    assert not missing, f"registered ops without a test record (add one in tests/records/): {missing}"
