"""Family `optim`: a few training steps of a random optimizer with random hyper-parameters on
small parameters (two param groups sometimes, a scheduler sometimes), comparing the parameters
(and so every update rule, its state and its defaults) after the steps."""

OPTIMIZERS = {
    "SGD": lambda g: {"momentum": g.pick((0.0, 0.9)), "dampening": g.pick((0.0, 0.1)),
                      "nesterov": g.chance(0.3), "weight_decay": g.pick((0.0, 0.01)),
                      "maximize": g.chance(0.2)},
    "Adam": lambda g: {"betas": g.pick(((0.9, 0.999), (0.8, 0.99))), "eps": g.pick((1e-8, 1e-3)),
                       "weight_decay": g.pick((0.0, 0.01)), "amsgrad": g.chance(0.3),
                       "maximize": g.chance(0.2)},
    "AdamW": lambda g: {"weight_decay": g.pick((0.0, 0.01, 0.1)), "amsgrad": g.chance(0.3)},
    "RMSprop": lambda g: {"alpha": g.pick((0.99, 0.9)), "momentum": g.pick((0.0, 0.5)),
                          "centered": g.chance(0.4), "weight_decay": g.pick((0.0, 0.01))},
    "Adagrad": lambda g: {"lr_decay": g.pick((0.0, 0.01)),
                          "initial_accumulator_value": g.pick((0.0, 0.1)),
                          "weight_decay": g.pick((0.0, 0.01))},
    "Adadelta": lambda g: {"rho": g.pick((0.9, 0.5)), "weight_decay": g.pick((0.0, 0.01))},
    "Adamax": lambda g: {"betas": g.pick(((0.9, 0.999), (0.5, 0.9))),
                         "weight_decay": g.pick((0.0, 0.01))},
    "NAdam": lambda g: {"momentum_decay": g.pick((4e-3, 1e-2)),
                        "decoupled_weight_decay": g.chance(0.3),
                        "weight_decay": g.pick((0.0, 0.01))},
    "RAdam": lambda g: {"decoupled_weight_decay": g.chance(0.3),
                        "weight_decay": g.pick((0.0, 0.01))},
    "Rprop": lambda g: {"etas": g.pick(((0.5, 1.2), (0.3, 1.5))),
                        "step_sizes": g.pick(((1e-6, 50), (1e-3, 0.2))), "maximize": g.chance(0.2)},
    "ASGD": lambda g: {"lambd": g.pick((1e-4, 1e-2)), "alpha": g.pick((0.75, 0.5)),
                       "t0": g.pick((1e6, 1.0, 2.0)), "weight_decay": g.pick((0.0, 0.01)),
                       "maximize": g.chance(0.2)},
}
SCHEDULERS = ("torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)",
              "torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)",
              "torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)",
              "torch.optim.lr_scheduler.LambdaLR(opt, lambda e: 1.0 / (e + 1))",
              "torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10)")


def gen_optim(g):
    dt = g.pick(("float32", "float64"))
    p = g.tensor(dt, g.shape(min_dims=1, max_dims=2, max_size=3, empty=0.0), grad=True,
                 special=0.0, nonleaf=0)
    q = g.tensor(dt, g.shape(min_dims=0, max_dims=1, max_size=3, empty=0.0), grad=True,
                 special=0.0, nonleaf=0)
    w = g.fresh("w")
    g.emit(f"{w} = torch.tensor(rng.standard_normal(tuple({p}.shape)).astype('{dt}'))")
    name = g.pick(list(OPTIMIZERS))
    g.tag("op:" + name)
    kw = {k: v for k, v in OPTIMIZERS[name](g).items() if g.chance(0.7)}
    if name == "SGD" and kw.get("nesterov") and not (kw.get("momentum") and not kw.get("dampening")):
        kw["momentum"], kw["dampening"] = 0.9, 0.0   # nesterov needs them (PyTorch raises)
    lr = g.pick((0.1, 0.01, 0.5))
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    if g.chance(0.3):
        g.tag("param_groups")
        g.emit(f"opt = torch.optim.{name}([{{'params': [{p}]}}, {{'params': [{q}], 'lr': {lr / 2}}}]"
               f", lr={lr}{', ' + args if args else ''})")
    else:
        g.emit(f"opt = torch.optim.{name}([{p}, {q}], lr={lr}{', ' + args if args else ''})")
    sched = g.pick(SCHEDULERS) if g.chance(0.3) else None
    if sched:
        g.tag("scheduler")
        g.emit(f"sched = {sched}")
    loss = g.pick((f"(({p} * {w}).sum() + ({q} ** 2).sum()) ",
                   f"(({p} - {w}) ** 2).mean() + {q}.abs().sum()",
                   f"torch.tanh({p}).sum() * 2 + ({q} * 3).sum()"))
    steps = g.r.randint(1, 4)
    none = g.pick(("True", "False"))
    g.emit(f"for step in range({steps}):\n    opt.zero_grad(set_to_none={none})\n"
           f"    loss = {loss}\n    loss.backward()\n    opt.step()"
           + ("\n    sched.step()" if sched else ""))
    g.emit("lrs = [group['lr'] for group in opt.param_groups]")
    g.emit("loss = loss.detach()  # the graph is freed; parameters and loss are compared")
