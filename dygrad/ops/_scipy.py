"""SciPy's special functions when SciPy is installed (optional: `pip install scipy`); the
ops fall back to their own NumPy formulas without it."""


_SCIPY = {}


def scipy_special(name):
    """scipy.special's function `name`, or None without SciPy. Looked up once: a failing import
    costs about 80 us, which every call of erf paid when SciPy was absent."""
    try:
        return _SCIPY[name]
    except KeyError:
        pass
    try:
        import scipy.special
        fn = getattr(scipy.special, name)
    except ImportError:
        fn = None
    _SCIPY[name] = fn
    return fn
