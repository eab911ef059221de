"""Family `modules`: nn layers with random configurations, their parameters set from the same
seeded arrays in both libraries (by sorted parameter name), one forward and one backward; the
outputs, the input's gradient, every parameter's gradient and the buffers are compared. A
parameter name or shape that differs from PyTorch's shows up as a difference too."""


def _rnn(g, kind):
    layers = g.pick((1, 1, 2))
    bi = g.chance(0.4)
    bf = g.chance(0.5)
    extra = f", nonlinearity='{g.pick(('tanh', 'relu'))}'" if kind == "RNN" else ""
    if kind == "LSTM" and g.chance(0.2):
        extra += ", proj_size=2"
    bias = g.chance(0.85)
    h, i = g.r.randint(1, 4), g.r.randint(1, 3)
    t, n = g.r.randint(1, 4), g.r.randint(1, 3)
    shape = (n, t, i) if bf else (t, n, i)
    if g.chance(0.15):
        shape = (t, i)  # unbatched
    return (f"torch.nn.{kind}({i}, {h}, num_layers={layers}, bias={bias}, batch_first={bf}, "
            f"bidirectional={bi}{extra})", shape)


def _module(g):
    kind = g.pick(("Linear", "Bilinear", "Conv1d", "Conv2d", "ConvTranspose2d", "RNN", "LSTM",
                   "GRU", "LSTM", "GRU", "Embedding", "LayerNorm", "GroupNorm", "BatchNorm1d",
                   "MultiheadAttention", "TransformerEncoderLayer", "PReLU", "RNNCell",
                   "LSTMCell", "GRUCell", "TransformerDecoderLayer", "PackedRNN"))
    g.tag("op:" + kind)
    n = g.r.randint(1, 3)
    if kind == "Linear":
        i, o = g.r.randint(1, 4), g.r.randint(1, 4)
        return f"torch.nn.Linear({i}, {o}, bias={g.chance(0.8)})", (n, i), None
    if kind == "Bilinear":
        a, b, o = g.r.randint(1, 3), g.r.randint(1, 3), g.r.randint(1, 3)
        return f"torch.nn.Bilinear({a}, {b}, {o})", (n, a), (n, b)
    if kind in ("Conv1d", "Conv2d"):
        nd = 1 if kind == "Conv1d" else 2
        c, o, k = g.r.randint(1, 3), g.r.randint(1, 3), g.r.randint(1, 3)
        mode = g.pick(("zeros", "zeros", "reflect", "replicate", "circular"))
        pad = g.pick((0, 1)) if mode == "zeros" else 1
        size = (k + 2,) * nd
        return (f"torch.nn.{kind}({c}, {o}, {k}, padding={pad}, padding_mode='{mode}', "
                f"stride={g.pick((1, 2))})", (n, c) + size, None)
    if kind == "ConvTranspose2d":
        c, o, k = g.r.randint(1, 3), g.r.randint(1, 3), g.r.randint(1, 3)
        return (f"torch.nn.ConvTranspose2d({c}, {o}, {k}, stride={g.pick((1, 2))})",
                (n, c, 3, 3), None)
    if kind in ("RNN", "LSTM", "GRU"):
        m, shape = _rnn(g, kind)
        return m, shape, None
    if kind in ("RNNCell", "LSTMCell", "GRUCell"):
        i, h = g.r.randint(1, 3), g.r.randint(1, 4)
        return f"torch.nn.{kind}({i}, {h}, bias={g.chance(0.85)})", (n, i), None
    if kind == "Embedding":
        num, dim = g.r.randint(2, 6), g.r.randint(1, 4)
        pad = f", padding_idx={g.r.randrange(num)}" if g.chance(0.4) else ""
        return f"torch.nn.Embedding({num}, {dim}{pad})", ("idx", num, (n, 3)), None
    if kind == "LayerNorm":
        d = g.r.randint(1, 4)
        return (f"torch.nn.LayerNorm({d}, elementwise_affine={g.chance(0.8)})",
                (n, 2, d), None)
    if kind == "GroupNorm":
        gr = g.pick((1, 2))
        return f"torch.nn.GroupNorm({gr}, {gr * 2})", (n, gr * 2, 3), None
    if kind == "BatchNorm1d":
        c = g.r.randint(1, 3)
        return (f"torch.nn.BatchNorm1d({c}, momentum={g.pick((0.1, 0.5, None))}, "
                f"affine={g.chance(0.8)})", (n + 1, c, 2), None)
    if kind == "MultiheadAttention":
        heads = g.pick((1, 2))
        e = heads * g.r.randint(1, 2)
        bf = g.chance(0.5)
        t = g.r.randint(1, 3)
        return (f"torch.nn.MultiheadAttention({e}, {heads}, batch_first={bf}, "
                f"bias={g.chance(0.8)})", ((n, t, e) if bf else (t, n, e)), "self")
    if kind == "TransformerEncoderLayer":
        heads = g.pick((1, 2))
        e = heads * 2
        return (f"torch.nn.TransformerEncoderLayer({e}, {heads}, dim_feedforward=4, dropout=0.0, "
                f"activation='{g.pick(('relu', 'gelu'))}', batch_first=True, "
                f"norm_first={g.chance(0.5)})", (n, g.r.randint(1, 3), e), None)
    if kind == "TransformerDecoderLayer":
        heads = g.pick((1, 2))
        e = heads * 2
        t, src = g.r.randint(1, 3), g.r.randint(1, 3)
        return (f"torch.nn.TransformerDecoderLayer({e}, {heads}, dim_feedforward=4, dropout=0.0, "
                f"activation='{g.pick(('relu', 'gelu'))}', batch_first=True, "
                f"norm_first={g.chance(0.5)})", (n, t, e), ("decoder", (n, src, e), g.chance(0.5)))
    if kind == "PackedRNN":
        m, shape = _rnn(g, g.pick(("RNN", "LSTM", "GRU")))
        if len(shape) == 2:
            shape = (shape[0], 1, shape[1])
        t, b = (shape[1], shape[0]) if "batch_first=True" in m else (shape[0], shape[1])
        lengths = [g.r.randint(1, t) for _ in range(b)]
        return m, shape, ("packed", lengths, g.chance(0.5))
    return f"torch.nn.PReLU({g.pick((1, 2))})", (n, 2, 3), None


def gen_modules(g):
    dt = g.pick(("float32", "float64"))
    spec, shape, second = _module(g)
    if "Norm" in spec or "Transformer" in spec or "Attention" in spec:
        # in float32, normalisation divides rounding noise by sqrt(var + eps) and attention sums
        # softmax products in another order: both libraries' gradients carry ~1e-4 relative
        # noise there, so these layers are compared in float64
        dt = "float64"
        g.tol = 50.0
    g.emit(f"m = {spec}")
    if dt == "float64":
        g.emit("m = m.double()")
    if g.chance(0.3):
        g.tag("eval")
        g.emit("m.eval()")
    g.emit("with torch.no_grad():\n    for _, prm in sorted(m.named_parameters()):\n"
           f"        prm.copy_(torch.tensor(rng.standard_normal(tuple(prm.shape)).astype('{dt}')))")
    if shape[0] == "idx":
        _, num, ishape = shape
        g.emit(f"x = torch.tensor(rng.integers(0, {num}, {ishape!r}))")
        g.emit("out = m(x)")
    else:
        x = g.tensor(dt, shape, grad=True, special=0.0, nonleaf=0, name="x")
        if second == "self":
            g.emit(f"out = m({x}, {x}, {x})")
        elif isinstance(second, tuple) and second[0] == "decoder":
            y = g.tensor(dt, second[1], grad=True, special=0.0, nonleaf=0, name="y")
            mask = (f", tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask("
                    f"{shape[1]}, dtype=torch.{dt}), tgt_is_causal=True" if second[2] else "")
            g.emit(f"out = m({x}, {y}{mask})")
        elif isinstance(second, tuple) and second[0] == "packed":
            _, lengths, unpack = second
            bf = "batch_first=True" in spec
            # (inline: a packed input left in the namespace would be a second graph root)
            g.emit(f"out = m(torch.nn.utils.rnn.pack_padded_sequence({x}, {lengths!r}, "
                   f"batch_first={bf}, enforce_sorted=False))")
            if unpack:  # back to a padded tensor, through pad_packed_sequence's own backward
                g.emit(f"out = (torch.nn.utils.rnn.pad_packed_sequence(out[0], batch_first={bf})[0],"
                       " out[1])")
        elif second is not None:
            y = g.tensor(dt, second, grad=True, special=0.0, nonleaf=0, name="y")
            g.emit(f"out = m({x}, {y})")
        else:
            g.emit(f"out = m({x})")
    g.emit("outs = [o for o in (out if isinstance(out, tuple) else (out,)) for o in "
           "(o if isinstance(o, tuple) else (o,)) if o is not None]")
    g.emit("total = sum((o.double() * (torch.arange(o.numel()).reshape(o.shape) % 5 - 2)).sum() "
           "for o in outs if o.requires_grad)")
    g.emit("total.backward() if isinstance(total, torch.Tensor) else None")
    g.emit("grads = [prm.grad for _, prm in sorted(m.named_parameters())]")
    g.emit("bufs = [b for _, b in sorted(m.named_buffers())]")
    g.emit("names = [n for n, _ in sorted(m.named_parameters())]")
    # the graph is freed: outputs are compared as values
    g.emit("outs = [o.detach() for o in outs]\nout = total = None")
