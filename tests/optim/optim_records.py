"""One record per optimizer: the constructor-keyword cases the tests run, and a NumPy reference
of one step written from the algorithm's published formulas (independent of dygrad's in-place
code), so that the optimizers are checked where torch is absent too.

A reference is `ref(x, g, st, hp)`: x and g are float64 arrays (parameter, gradient), st is the
reference's own state dict for this parameter (empty on the first step), hp every hyperparameter
(the constructor's defaults updated by the case); it returns the new parameter.

Adding an optimizer: add its record here (cases + reference); the generic tests in
test_optim_records.py (NumPy reference, state_dict round trip) and test_optimizers.py (torch
parity) pick it up.
"""
import numpy as np


def _grad(g, x, hp):
    """maximize, then L2 weight decay (not the decoupled kind)."""
    g = -g if hp.get("maximize") else g
    wd = hp.get("weight_decay", 0)
    if wd and not hp.get("decoupled_weight_decay"):
        g = g + wd * x
    return g


def _decoupled(x, hp):
    wd = hp.get("weight_decay", 0)
    return x * (1 - hp["lr"] * wd) if wd and hp.get("decoupled_weight_decay") else x


def _moments(st, x, g, b1, b2):
    st["t"] = st.get("t", 0) + 1
    st["m"] = b1 * st.get("m", 0 * x) + (1 - b1) * g
    st["v"] = b2 * st.get("v", 0 * x) + (1 - b2) * g * g
    return st["t"], st["m"], st["v"]


def sgd(x, g, st, hp):
    g = _grad(g, x, hp)
    mom = hp["momentum"]
    if mom:
        buf = g if "buf" not in st else mom * st["buf"] + (1 - hp["dampening"]) * g
        st["buf"] = buf
        g = g + mom * buf if hp["nesterov"] else buf
    return x - hp["lr"] * g


def adam(x, g, st, hp):
    x = _decoupled(x, hp)
    g = _grad(g, x, hp)
    b1, b2 = hp["betas"]
    t, m, v = _moments(st, x, g, b1, b2)
    if hp["amsgrad"]:
        v = st["vmax"] = np.maximum(st.get("vmax", v), v)
    denom = np.sqrt(v) / np.sqrt(1 - b2 ** t) + hp["eps"]
    return x - hp["lr"] / (1 - b1 ** t) * m / denom


def adamw(x, g, st, hp):
    return adam(x, g, st, dict(hp, decoupled_weight_decay=True))


def adamax(x, g, st, hp):
    g = _grad(g, x, hp)
    b1, b2 = hp["betas"]
    st["t"] = t = st.get("t", 0) + 1
    st["m"] = m = b1 * st.get("m", 0 * x) + (1 - b1) * g
    st["u"] = u = np.maximum(b2 * st.get("u", 0 * x), np.abs(g) + hp["eps"])
    return x - hp["lr"] / (1 - b1 ** t) * m / u


def nadam(x, g, st, hp):
    x = _decoupled(x, hp)
    g = _grad(g, x, hp)
    b1, b2 = hp["betas"]
    t, m, v = _moments(st, x, g, b1, b2)
    md = hp["momentum_decay"]
    mu = b1 * (1 - 0.5 * 0.96 ** (t * md))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * md))
    # the running product is a float32 0-dim state tensor (torch's scalar dtype), rounded so
    prod = st["mu_prod"] = float(np.float32(st.get("mu_prod", 1.0)) * np.float32(mu))
    denom = np.sqrt(v / (1 - b2 ** t)) + hp["eps"]
    return (x - hp["lr"] * (1 - mu) / (1 - prod) * g / denom
            - hp["lr"] * mu_next / (1 - prod * mu_next) * m / denom)


def radam(x, g, st, hp):
    x = _decoupled(x, hp)
    g = _grad(g, x, hp)
    b1, b2 = hp["betas"]
    t, m, v = _moments(st, x, g, b1, b2)
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
    upd = m / (1 - b1 ** t)
    if rho_t > 5:
        rect = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                       / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        upd = upd * np.sqrt(1 - b2 ** t) / (np.sqrt(v) + hp["eps"]) * rect
    return x - hp["lr"] * upd


def rmsprop(x, g, st, hp):
    g = _grad(g, x, hp)
    a = hp["alpha"]
    st["sq"] = sq = a * st.get("sq", 0 * x) + (1 - a) * g * g
    if hp["centered"]:
        st["ga"] = ga = a * st.get("ga", 0 * x) + (1 - a) * g
        avg = np.sqrt(sq - ga * ga) + hp["eps"]
    else:
        avg = np.sqrt(sq) + hp["eps"]
    if hp["momentum"] > 0:
        st["buf"] = buf = hp["momentum"] * st.get("buf", 0 * x) + g / avg
        return x - hp["lr"] * buf
    return x - hp["lr"] * g / avg


def adagrad(x, g, st, hp):
    g = _grad(g, x, hp)
    st["t"] = t = st.get("t", 0) + 1
    st["sum"] = s = st.get("sum", 0 * x + hp["initial_accumulator_value"]) + g * g
    return x - hp["lr"] / (1 + (t - 1) * hp["lr_decay"]) * g / (np.sqrt(s) + hp["eps"])


def adadelta(x, g, st, hp):
    g = _grad(g, x, hp)
    rho, eps = hp["rho"], hp["eps"]
    st["sq"] = sq = rho * st.get("sq", 0 * x) + (1 - rho) * g * g
    acc = st.get("acc", 0 * x)
    delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * g
    st["acc"] = rho * acc + (1 - rho) * delta * delta
    return x - hp["lr"] * delta


def rprop(x, g, st, hp):
    g = _grad(g, x, hp)
    (eta_minus, eta_plus), (lo, hi) = hp["etas"], hp["step_sizes"]
    prev = st.get("prev", 0 * x)
    s = np.sign(g * prev)
    factor = np.where(s > 0, eta_plus, np.where(s < 0, eta_minus, 1.0))
    st["step_size"] = size = np.clip(st.get("step_size", 0 * x + hp["lr"]) * factor, lo, hi)
    g = np.where(s < 0, 0.0, g)  # a sign flip: no move now, and no flip test next step
    st["prev"] = g
    return x - np.sign(g) * size


def asgd(x, g, st, hp):
    g = _grad(g, x, hp)
    lr, lambd = hp["lr"], hp["lambd"]
    st["t"] = t = st.get("t", 0) + 1
    f32 = lambda v: float(np.float32(v))  # noqa: E731 (eta, mu: float32 0-dim state tensors)
    eta, mu = st.get("eta", f32(lr)), st.get("mu", 1.0)
    x = x * (1 - lambd * eta) - eta * g
    st["ax"] = x if mu == 1 else st["ax"] + mu * (x - st["ax"])
    st["eta"] = f32(lr / (1 + lambd * lr * t) ** hp["alpha"])
    st["mu"] = f32(1 / max(1, t - hp["t0"]))
    return x


# name -> (reference, cases); each case's keywords go to the constructor
RECORDS = {
    "SGD": (sgd, [dict(lr=0.1), dict(lr=0.1, momentum=0.9),
                  dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1),
                  dict(lr=0.05, momentum=0.8, dampening=0.5, maximize=True)]),
    "Adam": (adam, [dict(lr=0.01), dict(lr=0.01, amsgrad=True, weight_decay=0.1),
                    dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, maximize=True),
                    dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)]),
    "AdamW": (adamw, [dict(lr=0.01), dict(lr=0.01, amsgrad=True, weight_decay=0.3,
                                          maximize=True)]),
    "RMSprop": (rmsprop, [dict(lr=0.01),
                          dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1),
                          dict(lr=0.01, alpha=0.9, centered=True, maximize=True)]),
    "Adagrad": (adagrad, [dict(lr=0.1), dict(lr=0.1, lr_decay=0.01, weight_decay=0.1,
                                             initial_accumulator_value=0.1)]),
    "Adadelta": (adadelta, [dict(), dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)]),
    "Adamax": (adamax, [dict(), dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1)]),
    "NAdam": (nadam, [dict(), dict(lr=0.01, weight_decay=0.1),
                      dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True,
                           momentum_decay=0.01)]),
    "RAdam": (radam, [dict(), dict(lr=0.01, weight_decay=0.1),
                      dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True,
                           maximize=True)]),
    "Rprop": (rprop, [dict(), dict(lr=0.1, etas=(0.3, 1.7), step_sizes=(1e-3, 0.5),
                                   maximize=True)]),
    "ASGD": (asgd, [dict(), dict(lr=0.05, lambd=1e-2, alpha=0.5, t0=5, weight_decay=0.1),
                    dict(lr=0.05, t0=3, maximize=True)]),
}

CASES = [(name, kw) for name, (_, cases) in RECORDS.items() for kw in cases]
