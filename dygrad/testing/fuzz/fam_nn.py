"""Families `conv` (convolution, transposed convolution, pooling), `norm` and `loss`."""
import math


def _hp(g, lo, hi, bad_p=0.04, bad=(0, -1)):
    """A hyper-parameter, rarely an invalid one; sometimes a per-dim tuple."""
    return g.pick(bad) if g.chance(bad_p) else g.r.randint(lo, hi)


def _pair(g, nd, lo, hi, bad=(0, -1), bad_p=0.04):
    if nd == 2 and g.chance(0.3):
        return repr((_hp(g, lo, hi, bad_p, bad), _hp(g, lo, hi, bad_p, bad)))
    return repr(_hp(g, lo, hi, bad_p, bad))


def _dilated_with_padding(pad, dil):
    import ast  # noqa: PLC0415
    as_tuple = (lambda v: v if isinstance(v, tuple) else (v,))
    return any(p > 0 for p in as_tuple(ast.literal_eval(pad))) and \
        any(d > 1 for d in as_tuple(ast.literal_eval(dil)))


def _transposed_edge(spatial, k, stride, pad, opad, dil):
    import ast  # noqa: PLC0415
    nd = len(spatial)

    def tup(v):
        v = ast.literal_eval(v)
        return v if isinstance(v, tuple) else (v,) * nd
    s, p, o, d = tup(stride), tup(pad), tup(opad), tup(dil)
    if min(d) == 0:
        return True
    return any((spatial[i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + 1 + o[i] == 0
               for i in range(nd))


def gen_conv(g):
    nd = g.pick((1, 2))
    op = g.pick(("conv", "conv", "conv_transpose", "max_pool", "avg_pool", "adaptive_avg",
                 "adaptive_max", "lp_pool"))
    g.tag("conv", f"op:{op}{nd}d")
    n, c = g.r.randint(1, 2), g.r.randint(1, 4)
    spatial = tuple(g.r.randint(1 if not g.chance(0.03) else 0, 6) for _ in range(nd))
    dt = "float32" if g.chance(0.85) else "float64"
    batched = g.chance(0.85)
    x = g.tensor(dt, ((n,) if batched else ()) + (c,) + spatial, special=0.03)
    g.tol = 20.0
    out = g.fresh("out")
    ks = _pair(g, nd, 1, 3)
    stride = _pair(g, nd, 1, 3)
    pad = _pair(g, nd, 0, 2, bad=(-1, 3))
    dil = _pair(g, nd, 1, 2)
    if op in ("conv", "conv_transpose"):
        groups = g.pick((1, 1, 1, 2, c)) if not g.chance(0.03) else g.pick((0, 3))
        oc = g.r.randint(1, 3) * max(groups, 1) if g.chance(0.95) else 3
        k = tuple(g.r.randint(1, 3) for _ in range(nd))
        ic = c // max(groups, 1) if g.chance(0.95) else c + 1
        wshape = (oc, ic) + k if op == "conv" else (c, max(oc // max(groups, 1), 1)) + k
        # finite weights: PyTorch's own kernels disagree on inf * (padding or a skipped tap) --
        # its dilated/strided forwards and its input-gradient kernels skip what others multiply
        plain = pad in ("0", "(0, 0)") and dil in ("1", "(1, 1)") and stride in ("1", "(1, 1)")
        w = g.tensor(dt, wshape, special=0.0)
        bias = g.tensor(dt, (wshape[0] if op == "conv" else wshape[1] * max(groups, 1),)) \
            if g.chance(0.5) else "None"
        if op == "conv":
            if g.chance(0.1):
                pad = g.pick(("'same'", "'valid'"))
                g.tag("pad_str")
            g.emit(f"{out} = F.conv{nd}d({x}, {w}, {bias}, stride={stride}, padding={pad}, "
                   f"dilation={dil}, groups={groups})")
        else:
            opad = _pair(g, nd, 0, 1, bad=(2, -1))
            if _transposed_edge(spatial, k, stride, pad, opad, dil):
                # an output length of exactly 0, or dilation 0: PyTorch's kernels disagree
                # (some return an empty tensor, others raise) depending on dtype, batch size
                # and groups; dygrad always raises. Not a case a user can rely on.
                pad, dil = "0", "1"
            if not plain:  # the input's inf/nan would meet cropped padding in backward
                g.emit(f"{x} = {x}.nan_to_num(0.5, 2.0, -2.0)")
            g.emit(f"{out} = F.conv_transpose{nd}d({x}, {w}, {bias}, stride={stride}, "
                   f"padding={pad}, output_padding={opad}, groups={groups}, dilation={dil})")
    elif op == "max_pool":
        ri = g.chance(0.3)
        if _dilated_with_padding(pad, dil):
            # PyTorch 2.13 writes out of bounds (heap corruption, later a crash in free()) in
            # max-pool backward when a dilated window can lie wholly in padding; dygrad's own
            # tests cover that case (tests/ops/test_conv_pool_validation.py)
            dil = "1"
        g.emit(f"{out} = F.max_pool{nd}d({x}, {ks}, stride={stride}, padding={pad}, "
               f"dilation={dil}, ceil_mode={g.chance(0.3)}, return_indices={ri})")
    elif op == "avg_pool":
        extra = f", divisor_override={g.r.randint(1, 3)}" if nd == 2 and g.chance(0.1) else ""
        g.emit(f"{out} = F.avg_pool{nd}d({x}, {ks}, stride={stride}, padding={pad}, "
               f"ceil_mode={g.chance(0.3)}, count_include_pad={g.chance(0.5)}{extra})")
    elif op in ("adaptive_avg", "adaptive_max"):
        osz = _pair(g, nd, 1, 4, bad=(0,), bad_p=0.03)
        g.emit(f"{out} = F.{op}_pool{nd}d({x}, {osz})")
    else:
        g.emit(f"{out} = F.lp_pool{nd}d({x}, {g.pick((1, 2, 3))}, {ks}, stride={stride})")


def gen_norm(g):
    op = g.pick(("batch_norm", "layer_norm", "group_norm", "instance_norm", "BatchNorm",
                 "LayerNorm", "GroupNorm", "InstanceNorm", "local_response_norm"))
    g.tag("norm", "op:" + op)
    n, c = g.r.randint(1, 4), g.pick((1, 2, 3, 4, 6))
    sp = tuple(g.r.randint(1, 4) for _ in range(g.r.randint(0, 2)))
    dt = "float32" if g.chance(0.85) else "float64"
    shape = (n, c) + sp
    if op in ("layer_norm", "LayerNorm") and shape[-1] == 1:
        # normalising a single element: PyTorch's fused (FMA) kernel returns rounding noise of
        # ~1e-5 * |x| / sqrt(eps) instead of 0, which the weight gradient sums up
        shape = shape[:-1] + (2,)
    x = g.tensor(dt, shape, special=0.03)
    # gradients of a norm over 2 or 3 values are ill-conditioned in float32 (rstd is large when
    # they are close): both libraries are ~3e-4 off the float64 answer, in different directions
    per = {"layer_norm": shape[-1], "LayerNorm": shape[-1], "GroupNorm": math.prod(sp),
           "group_norm": math.prod(sp), "instance_norm": math.prod(sp),
           "InstanceNorm": math.prod(sp)}.get(op, n * math.prod(sp))
    g.tol = 100.0 if per <= 3 else 10.0
    out = g.fresh("out")
    eps = g.pick(("1e-5", "1e-3", "0.1"))
    if per <= 3:
        # and a large eps bounds rstd (else two nearly equal values make it arbitrarily large)
        eps = "0.1"
    if op == "batch_norm":
        rm = g.tensor(dt, (c,), grad=False, special=0)
        rv = g.fresh("rv")
        g.emit(f"{rv} = torch.tensor(rng.random(({c},)).astype('{dt}') + 0.5)")
        # now and then a weight of the wrong size or dtype, or no running statistics
        w = g.tensor(dt if g.chance(0.95) else "float64", (c,) if g.chance(0.97) else (c + 1,)) \
            if g.chance(0.6) else "None"
        b = g.tensor(dt, (c,)) if g.chance(0.6) else "None"
        training = g.chance(0.6)
        if g.chance(0.1):
            rm, rv = "None", g.pick(("None", rv))
        g.emit(f"{out} = F.batch_norm({x}, {rm}, {rv}, {w}, {b}, training={training}, "
               f"momentum={g.pick(('0.1', '0.5', '0.0'))}, eps={eps})")
    elif op == "layer_norm":
        k = g.r.randint(1, len(shape))
        ns = shape[-k:] if g.chance(0.95) else shape[-k:][:-1] + (7,)
        w = g.tensor(dt, ns if g.chance(0.97) else (1,) + ns) if g.chance(0.6) else "None"
        b = g.tensor(dt, ns) if w != "None" and g.chance(0.7) else "None"
        g.emit(f"{out} = F.layer_norm({x}, {ns!r}, {w}, {b}, eps={eps})")
    elif op == "group_norm":
        groups = g.pick([d for d in (1, 2, 3, 4, 6) if c % d == 0] + [5] * (g.chance(0.1)))
        if c % groups == 0 and c // groups * math.prod(sp) == 1:
            # one value per group: PyTorch's fused kernel returns rounding noise of about
            # ulp(x) / sqrt(eps) instead of 0; a large eps keeps that noise below tolerance
            eps = "0.1"
        w = g.tensor(dt, (c,) if g.chance(0.97) else (c + 1,)) if g.chance(0.6) else "None"
        # a bias without a weight: PyTorch 2.13's group-norm backward fails internally ("tensor
        # does not have a device"), so the bias comes only with a weight
        b = g.tensor(dt, (c,)) if w != "None" and g.chance(0.5) else "None"
        g.emit(f"{out} = F.group_norm({x}, {groups}, {w}, {b}, eps={eps})")
    elif op == "instance_norm":
        use = g.chance(0.4)
        rm = g.tensor(dt, (c,), grad=False, special=0) if use else "None"
        rv = "torch.ones(%d, dtype=torch.%s)" % (c, dt) if use else "None"
        w = g.tensor(dt, (c,)) if g.chance(0.3) else "None"
        b = g.tensor(dt, (c,)) if g.chance(0.3) else "None"
        uis = g.chance(0.85)
        g.emit(f"{out} = F.instance_norm({x}, {rm}, {rv}, {w}, {b}, use_input_stats={uis}, "
               f"momentum={g.pick(('0.1', '0.5'))}, eps={eps})")
    elif op == "local_response_norm":
        g.emit(f"{out} = F.local_response_norm({x}, {g.r.randint(1, 3)})")
    else:
        nsp = len(sp)
        nf = c if g.chance(0.95) else c + 1  # now and then num_features not the input's
        groups = g.pick([d for d in (1, 2, 3, 4, 6) if c % d == 0] + [5] * g.chance(0.05))
        ns = shape[-1] if len(shape) < 3 or g.chance(0.7) else shape[-2:]
        cls = {"BatchNorm": f"torch.nn.BatchNorm{max(nsp, 1)}d({nf}, eps={eps}",
               "InstanceNorm": f"torch.nn.InstanceNorm{max(nsp, 1)}d({nf}, eps={eps}",
               "LayerNorm": f"torch.nn.LayerNorm({ns!r}, eps={eps}",
               "GroupNorm": f"torch.nn.GroupNorm({groups}, {nf}, eps={eps}"}[op]
        if op in ("BatchNorm", "InstanceNorm"):
            cls += f", affine={g.chance(0.5)}, track_running_stats={g.chance(0.5)}"
            if g.chance(0.2):
                cls += ", momentum=None"
            if op == "InstanceNorm" and g.chance(0.2):
                # an unbatched input (C, *spatial)
                g.emit(f"{x} = {x}[0]")
        elif g.chance(0.3):
            cls += ", elementwise_affine=False" if op == "LayerNorm" else ", affine=False"
        g.emit(f"mod = {cls}).to(torch.{dt})")
        if g.chance(0.3):
            g.emit("mod.eval()")
        g.emit(f"{out} = mod({x})")
        g.emit("params = [p for p in mod.parameters()]")
        g.emit("bufs = [t for t in mod.buffers()]")


def gen_loss(g):
    op = g.pick(("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy",
                 "cross_entropy", "cross_entropy_prob", "nll_loss", "binary_cross_entropy",
                 "bce_logits", "kl_div", "margin_ranking_loss", "hinge_embedding_loss",
                 "soft_margin_loss", "poisson_nll_loss", "gaussian_nll_loss",
                 "cosine_embedding_loss", "multi_margin_loss", "triplet_margin_loss"))
    g.tag("loss", "op:" + op)
    red = g.pick(("'mean'", "'sum'", "'none'")) if g.chance(0.99) else "'avg'"
    dt = "float32" if g.chance(0.85) else "float64"
    out = g.fresh("out")
    g.tol = 10.0
    n, c = g.r.randint(0 if g.chance(0.05) else 1, 4), g.r.randint(1, 4)
    extra = tuple(g.r.randint(1, 3) for _ in range(g.r.randint(0, 1)))
    T = g.tensor
    if op in ("cross_entropy", "nll_loss", "cross_entropy_prob", "multi_margin_loss"):
        shape = (n, c) + extra if g.chance(0.9) else (c,)
        x = T(dt, shape, special=0.03)
        kw = f"reduction={red}"
        if g.chance(0.3):
            # now and then a weight of the other dtype or size
            wdt = dt if g.chance(0.9) else g.pick(("float32", "float64"))
            if wdt != dt:
                g.tol = 1e4  # float64 results over float32 intermediates (see below)
            kw += f", weight={T(wdt, (c,) if g.chance(0.97) else (c + 1,), grad=g.chance(0.2), special=0)}.abs()"
        if op == "cross_entropy_prob":
            tgt = g.fresh("p")
            pdt = "float32" if g.chance(0.9) else "float64"
            if pdt != dt:
                # the target is each library's own float32 softmax (ulps apart): float64 results
                # built on it agree to float32 precision only
                g.tol = 1e4
            g.emit(f"{tgt} = F.softmax(torch.tensor(rng.standard_normal({shape!r}).astype("
                   f"'{pdt}')), dim={1 if len(shape) > 1 else 0})")
            if g.chance(0.4):
                kw += f", label_smoothing={g.pick(('0.1', '0.5', '1.0', '-0.1', '1.5'))}"
            g.emit(f"{out} = F.cross_entropy({x}, {tgt}, {kw})")
            return
        tshape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
        tgt = g.fresh("y")
        g.emit(f"{tgt} = torch.tensor(rng.integers(0, {c + (1 if g.chance(0.03) else 0)}, "
               f"{tshape!r})){'.int()' if g.chance(0.03) else ''}")
        if op != "multi_margin_loss" and g.chance(0.3):
            kw += f", ignore_index={g.pick(('0', '1', '-100', '-1'))}"
        if op == "cross_entropy":
            if g.chance(0.3):
                kw += f", label_smoothing={g.pick(('0.1', '0.5', '0.0', '-0.1', '1.5'))}"
            g.emit(f"{out} = F.cross_entropy({x}, {tgt}, {kw})")
        elif op == "nll_loss":
            g.emit(f"{out} = F.nll_loss(F.log_softmax({x}, {1 if len(shape) > 1 else 0}), "
                   f"{tgt}, {kw})")
        else:
            if len(shape) > 2:
                g.emit(f"{x} = {x}.flatten(1)")
                g.emit(f"{tgt} = {tgt}.flatten()[:{shape[0]}]")
            if shape[0] == 0:
                # PyTorch 2.13 returns uninitialised memory for the sum or mean over an empty
                # batch
                kw = kw.replace(f"reduction={red}", "reduction='none'")
            g.emit(f"{out} = F.multi_margin_loss({x}, {tgt}, p={g.pick((1, 2, 1, 2, 3))}, "
                   f"margin={g.pick(('1.0', '0.5', '0.0', '-1.0'))}, {kw})")
        return
    shape = g.shape(max_dims=3)
    if g.chance(0.04):
        shape = (0,) + tuple(shape[1:])  # an empty batch (PyTorch: nan means, 0 sums)
    x = T(dt, shape, special=0.03)
    ydt = dt if g.chance(0.9) else g.pick(("float32", "float64"))
    if ydt != dt:
        # a float64 result from float32 intermediates (exp, log of the float32 operand): their
        # last-ulp differences between the two libraries' float32 kernels are float32-sized
        g.tol = 1e4
    y = T(ydt, shape if g.chance(0.9) else g.broadcast_partner(shape), grad=g.chance(0.3),
          special=0.03)
    if op in ("mse_loss", "l1_loss", "soft_margin_loss"):
        g.emit(f"{out} = F.{op}({x}, {y}, reduction={red})")
    elif op == "smooth_l1_loss":
        g.emit(f"{out} = F.smooth_l1_loss({x}, {y}, reduction={red}, "
               f"beta={g.pick(('1.0', '0.5', '0.0', '1.0', '0.5', '-1.0'))})")
    elif op == "huber_loss":
        g.emit(f"{out} = F.huber_loss({x}, {y}, reduction={red}, delta={g.pick(('1.0', '0.3', '1.0', '0.3', '0.0', '-1.0'))})")
    elif op == "binary_cross_entropy":
        w = f", weight={T(dt, shape, grad=False, special=0)}.abs()" if g.chance(0.3) else ""
        g.emit(f"{out} = F.binary_cross_entropy(torch.sigmoid({x}), torch.sigmoid({y}){w}, "
               f"reduction={red})")
    elif op == "bce_logits":
        pw = f", pos_weight={T(dt, shape[-1:], grad=False, special=0)}.abs()" \
            if g.chance(0.3) else ""
        g.emit(f"{out} = F.binary_cross_entropy_with_logits({x}, torch.sigmoid({y}), "
               f"reduction={red}{pw})")
    elif op == "kl_div":
        lt = g.chance(0.5)
        tgt = y if lt else f"torch.sigmoid({y})"
        red2 = red if g.chance(0.8) else "'batchmean'"
        g.emit(f"{out} = F.kl_div(F.log_softmax({x}, -1) if {x}.dim() else {x}, {tgt}, "
               f"reduction={red2}, log_target={lt})")
    elif op == "margin_ranking_loss":
        s = g.fresh("s")
        g.emit(f"{s} = torch.sign(torch.tensor(rng.standard_normal({shape!r}).astype('{dt}')))")
        g.emit(f"{out} = F.margin_ranking_loss({x}, {y}, {s}, margin={g.pick(('0.0', '0.5'))}, "
               f"reduction={red})")
    elif op == "hinge_embedding_loss":
        g.emit(f"{out} = F.hinge_embedding_loss({x}, torch.sign({y}).detach(), reduction={red})")
    elif op == "poisson_nll_loss":
        g.emit(f"{out} = F.poisson_nll_loss({x}, {y}.abs(), log_input={g.chance(0.5)}, "
               f"full={g.chance(0.3)}, reduction={red}, eps={g.pick(('1e-8', '0.1', '1e-8'))})")
    elif op == "gaussian_nll_loss":
        # var: like the target, one per sample (input's shape less its last dim), a float, or
        # with a negative entry
        var = g.pick((f"{y}.abs() + 0.1", f"{y}.abs() + 0.1", f"{x}.detach()[..., 0].abs()",
                      "0.5", f"{y} - 0.5"))
        g.emit(f"{out} = F.gaussian_nll_loss({x}, {y}, {var}, full={g.chance(0.3)}, "
               f"reduction={red}, eps={g.pick(('1e-6', '0.5'))})")
    elif op == "cosine_embedding_loss":
        if len(shape) != 2:
            g.emit(f"{x} = {x}.reshape(1, -1)")
            g.emit(f"{y} = {y}.reshape(1, -1)")
        g.emit(f"{out} = F.cosine_embedding_loss({x}, {y}, torch.ones({x}.shape[0]), "
               f"reduction={red})")
    else:
        z = T(dt, shape, special=0.0)
        g.emit(f"{out} = F.triplet_margin_loss({x}, {y}, {z}, reduction={red})")
