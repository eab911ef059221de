import subprocess
import sys


def test_float_of_requires_grad_tensor_warns_once_per_process():
    code = (
        "import warnings, dygrad\n"
        "x = dygrad.ones(1, requires_grad=True) * 2\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always')\n"
        "    float(x); float(x); x.item(); int(x)\n"
        "print(len(w), 'requires_grad=True' in str(w[0].message))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "True"]
