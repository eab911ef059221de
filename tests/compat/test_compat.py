"""dygrad.compat and `dygrad torch`: unmodified PyTorch programs import dygrad as torch.

Every case runs in a fresh interpreter: the hook changes what `import torch` means for the
whole process, and this test process may hold a real PyTorch (the parity oracle)."""
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, env.get("PYTHONPATH")) if p)
    return env


def _python(code, cwd=None):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, cwd=cwd, env=_env(), timeout=120)


def _dygrad_torch(args, cwd):
    return subprocess.run([sys.executable, "-m", "dygrad", "torch", *args], capture_output=True,
                          text=True, cwd=cwd, env=_env(), timeout=120)


def _write(folder, name, code):
    path = folder / name
    path.write_text(textwrap.dedent(code))
    return path


def test_install_maps_torch_and_torchvision_to_dygrad():
    r = _python("""
        import dygrad.compat, sys
        dygrad.compat.install()
        import torch, torch.nn as nn, torch.nn.functional as F
        from torch.utils.data import DataLoader, TensorDataset
        import torchvision, torchvision.transforms as T
        import dygrad
        assert torch is dygrad and nn is dygrad.nn and F is dygrad.nn.functional
        assert torchvision is dygrad.vision and T is dygrad.vision.transforms
        assert DataLoader is dygrad.utils.data.DataLoader
        assert sys.modules["torch.nn"] is dygrad.nn
        assert dygrad.nn.__spec__.name == "dygrad.nn"   # dygrad's own modules keep their spec
        x = torch.ones(2, 3, requires_grad=True)
        nn.Linear(3, 1)(x).sum().backward()
        print(type(x.grad).__module__, tuple(x.grad.shape))
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["dygrad._tensor", "(2,", "3)"]


def test_missing_module_gets_one_clear_error_and_never_a_real_torch():
    r = _python("""
        import dygrad.compat, sys
        dygrad.compat.install()
        import torch.amp, torch.cpu.amp, torch.cuda.amp  # built now (dygrad.amp)
        assert torch.amp.GradScaler.__module__.startswith("dygrad")
        for name in ("torch.no_such_module", "torchvision.no_such"):
            try:
                __import__(name)
            except ModuleNotFoundError as exc:
                assert exc.name == name, (exc.name, name)
                print(exc)
            else:
                raise SystemExit(f"{name} imported")
        # nothing from an installed PyTorch crept in
        assert all(getattr(m, "__name__", "").startswith("dygrad")
                   for k, m in sys.modules.items() if k.split(".")[0] == "torch")
    """)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 2
    assert "'torch.no_such_module'" in lines[0] and "dygrad has no such module" in lines[0]
    assert "'torchvision.no_such'" in lines[1]


def test_try_import_fallbacks_see_an_import_error():
    # programs guard optional imports with `except ImportError`
    r = _python("""
        import dygrad.compat
        dygrad.compat.install()
        try:
            from torch.no_such_module import symbolic_trace
        except ImportError:
            print("fallback")
    """)
    assert r.returncode == 0 and r.stdout.strip() == "fallback", r.stderr


def test_install_refuses_after_a_real_torch_import():
    pytest.importorskip("torch")
    r = _python("""
        import torch
        import dygrad.compat
        try:
            dygrad.compat.install()
        except RuntimeError as exc:
            print(exc)
    """)
    assert r.returncode == 0, r.stderr
    assert "already imported from a real PyTorch" in r.stdout


def test_uninstall_restores_plain_imports():
    r = _python("""
        import sys, dygrad.compat
        dygrad.compat.install()
        import torch
        dygrad.compat.uninstall()
        assert not dygrad.compat.is_installed()
        assert "torch" not in sys.modules
        import os
        assert os.environ.get("DYGRAD_AS_TORCH") is None
        print("ok")
    """)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_command_runs_a_program_as_python_would(tmp_path):
    _write(tmp_path, "helper_mod.py", "VALUE = 42\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "numbers.txt").write_text("1 2 3\n")
    _write(tmp_path, "prog.py", """
        import argparse, sys
        import torch
        import torch.nn as nn
        from helper_mod import VALUE
        p = argparse.ArgumentParser()
        p.add_argument("--epochs", type=int, default=5)
        p.add_argument("--dry-run", action="store_true")
        a = p.parse_args()
        numbers = [float(v) for v in open("data/numbers.txt").read().split()]
        out = nn.Linear(3, 1)(torch.tensor([numbers]))
        print(__name__, sys.argv[0], a.epochs, a.dry_run, VALUE, torch.__name__, tuple(out.shape))
    """)
    r = _dygrad_torch(["prog.py", "--epochs", "1", "--dry-run"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["__main__", "prog.py", "1", "True", "42", "dygrad", "(1,", "1)"]


def test_command_exit_status_and_errors(tmp_path):
    _write(tmp_path, "exits.py", "import sys, torch\nsys.exit(3)\n")
    _write(tmp_path, "raises.py", "import torch\nraise ValueError('boom')\n")
    assert _dygrad_torch(["exits.py"], tmp_path).returncode == 3
    r = _dygrad_torch(["raises.py"], tmp_path)
    assert r.returncode == 1 and "ValueError: boom" in r.stderr
    r = _dygrad_torch(["absent.py"], tmp_path)
    assert r.returncode == 2 and "can't open file 'absent.py'" in r.stderr
    r = _dygrad_torch([], tmp_path)
    assert r.returncode == 2 and "usage: dygrad torch" in r.stderr
    r = _dygrad_torch(["--help"], tmp_path)
    assert r.returncode == 0 and "usage: dygrad torch" in r.stdout


def test_command_runs_a_module_like_python_dash_m(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    _write(pkg, "__init__.py", "")
    _write(pkg, "train.py", """
        import sys, torch
        print(__name__, torch.__name__, sys.argv[1:])
    """)
    r = _dygrad_torch(["-m", "pkg.train", "--lr", "0.1"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["__main__", "dygrad", "['--lr',", "'0.1']"]


def test_spawned_children_import_dygrad_as_torch(tmp_path):
    _write(tmp_path, "spawn_prog.py", """
        import multiprocessing as mp
        import torch

        def work(q):
            import torch
            q.put(torch.__name__)

        if __name__ == "__main__":
            ctx = mp.get_context("spawn")
            q = ctx.Queue()
            p = ctx.Process(target=work, args=(q,))
            p.start()
            print("child", q.get(timeout=60))
            p.join()
    """)
    r = _dygrad_torch(["spawn_prog.py"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "child dygrad"
