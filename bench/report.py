"""Ratios, met/missed verdicts, and the printed tables."""

FW_COLS = ("dygrad", "torch", "floor")
ALL_COLS = FW_COLS + ("compiled",)  # compiled: the dygrad step under torch.compile


def fmt_time(s):
    if s is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}" if s / scale < 100 else f"{s / scale:.0f} {unit}"
    return f"{s / 1e-9:.0f} ns"


def fmt_mb(kb):
    return "-" if kb is None else f"{kb / 1024:.0f} MB"


def verdict(ratio, target):
    if target is None:
        return None
    if ratio is None:
        return "n/a"
    return "met" if ratio <= target else "missed"


def _median(rec, fw):
    return rec["frameworks"].get(fw, {}).get("median_s")


def _ratio(a, b):
    return a / b if a is not None and b else None


def summarize(rec):
    """Add ratios and verdicts to one timed workload record."""
    d, t, f, j = (_median(rec, fw) for fw in ALL_COLS)
    rec["ratios"] = {"dygrad/torch": _ratio(d, t), "dygrad/floor": _ratio(d, f),
                     "torch/floor": _ratio(t, f), "compiled/torch": _ratio(j, t),
                     "compiled/floor": _ratio(j, f)}
    tg = rec["targets"]
    rec["verdict"] = {
        "dygrad/torch": verdict(rec["ratios"]["dygrad/torch"], tg["dygrad/torch"]),
        "dygrad/floor": verdict(rec["ratios"]["dygrad/floor"], tg["dygrad/floor"]),
    }
    return rec


def _ratio_cell(ratio, target, verdict_):
    if target is None:
        return "-" if ratio is None else f"{ratio:.2f}"
    if ratio is None:
        return f"n/a (≤{target:g})"
    return f"{ratio:.2f} (≤{target:g}) {verdict_}"


def _cell(rec, fw):
    info = rec["frameworks"].get(fw)
    if info is None:
        return "-"
    if info.get("median_s") is not None:
        return fmt_time(info["median_s"])
    return "n/a"


def _spread(rec):
    parts = []
    for fw in FW_COLS:
        info = rec["frameworks"].get(fw)
        if info is None:
            continue
        iqr = info.get("iqr_pct")
        parts.append("-" if iqr is None else f"{iqr:.0f}")
    return "/".join(parts)


def _table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    out = [line, "-" * len(line)]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(out)


def timed_table(records):
    header = ["workload", "dygrad", "torch", "floor", "dygrad/torch", "dygrad/floor",
              "torch/floor", "compiled", "compiled/torch", "compiled/floor", "IQR% d/t/f", "losses"]
    rows, notes = [], []
    for rec in records:
        r, tg, v = rec["ratios"], rec["targets"], rec["verdict"]
        rows.append([
            rec["name"], _cell(rec, "dygrad"), _cell(rec, "torch"), _cell(rec, "floor"),
            _ratio_cell(r["dygrad/torch"], tg["dygrad/torch"], v["dygrad/torch"]),
            _ratio_cell(r["dygrad/floor"], tg["dygrad/floor"], v["dygrad/floor"]),
            "-" if r["torch/floor"] is None else f"{r['torch/floor']:.2f}",
            _cell(rec, "compiled") if "compiled" in rec["frameworks"] else "-",
            "-" if r.get("compiled/torch") is None else f"{r['compiled/torch']:.2f}",
            "-" if r.get("compiled/floor") is None else f"{r['compiled/floor']:.2f}",
            _spread(rec), rec["check"]["summary"]])
        for fw in ALL_COLS:
            info = rec["frameworks"].get(fw, {})
            if info.get("status", "ok") != "ok":
                notes.append(f"  {rec['name']}: {fw} {info['status']}")
        for msg in rec["check"].get("messages", []):
            notes.append(f"  {rec['name']}: {msg}")
    text = _table(header, rows)
    if notes:
        text += "\n" + "\n".join(notes)
    return text


def memory_table(records):
    header = ["peak RSS", "dygrad", "torch", "dygrad/torch", "Δ in workload d/t"]
    rows, notes = [], []
    for rec in records:
        d, t = rec["frameworks"].get("dygrad", {}), rec["frameworks"].get("torch", {})
        rows.append([rec["name"], fmt_mb(d.get("peak_kb")), fmt_mb(t.get("peak_kb")),
                     _ratio_cell(rec["ratio"], rec["target"], rec["verdict"]),
                     f"{fmt_mb(d.get('workload_peak_delta_kb'))} / "
                     f"{fmt_mb(t.get('workload_peak_delta_kb'))}"])
        for fw, info in rec["frameworks"].items():
            if info.get("status", "ok") != "ok":
                notes.append(f"  {rec['name']}: {fw} {info['status']}")
    text = _table(header, rows)
    if notes:
        text += "\n" + "\n".join(notes)
    return text


def import_table(rec):
    header = ["import", "median", "p10-p90", "target"]
    rows, notes = [], []
    for name in ("dygrad", "torch", "numpy"):
        info = rec["frameworks"].get(name, {})
        if info.get("median_s") is None:
            rows.append([name, "n/a", "-", "-"])
            notes.append(f"  {name}: {info.get('status', 'n/a')}")
            continue
        target = "-"
        if name == "dygrad":
            target = f"≤{rec['target_s']:g} s {rec['verdict']}"
        rows.append([name, fmt_time(info["median_s"]),
                     f"{fmt_time(info['p10_s'])} - {fmt_time(info['p90_s'])}", target])
    text = _table(header, rows)
    if notes:
        text += "\n" + "\n".join(notes)
    return text
