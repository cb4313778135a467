"""SVG charts drawn from the results file, by code: `python -m bench --charts-only` redraws them.

Plain SVG text, no plotting library; the same data always gives byte-identical files (the
tests check that the committed charts are the ones this code draws from the committed data).
"""

import html
import math
from pathlib import Path

from hooks import benchmark_results as R
from hooks.benchmark_results import WORKLOADS, fmt_seconds

COLORS = {
    ("tensorflow", "eager"): "#ffb74d",
    ("tensorflow", "tf_function"): "#f57c00",
    ("tensorflow", "tf_function_xla"): "#a84300",
    ("tensorflow", "keras_fit"): "#6d4c41",
    ("pytorch", "eager"): "#ef9a9a",
    ("pytorch", "torch_compile"): "#b71c1c",
    ("tensorflow", "per_sample"): "#ffb74d",
    ("tensorflow", "vectorized"): "#a84300",
    ("pytorch", "per_sample"): "#ef9a9a",
    ("pytorch", "vectorized"): "#b71c1c",
    ("pytorch", "vectorized_workers"): "#7f0000",
}
SEGMENTS = (("import_seconds", "import", "#78909c"), ("build_seconds", "build model", "#b0bec5"))
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="12"'
WIDTH, LABEL_W, BAR_W, ROW_H = 760, 250, 390, 20


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _svg(height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" role="img" aria-label="{_e(title)}" {FONT}>\n'
        f"<title>{_e(title)}</title>\n"
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>\n' + "\n".join(body) + "\n</svg>\n"
    )


def _nice_step(span: float, ticks: int = 4) -> float:
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def _text(x, y, text, anchor="start", weight="normal", size=None, fill="#212121") -> str:
    extra = f' font-size="{size}"' if size else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-weight="{weight}" fill="{fill}"{extra}>'
        f"{_e(text)}</text>"
    )


def _line(x1, y1, x2, y2, stroke="#e0e0e0", extra="") -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}"{extra}/>'


def _rect(x, y, width, height, fill) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{fill}"/>'


def _hbar_panel(top: float, title: str, rows: list[tuple], unit_fmt) -> tuple[list[str], float]:
    """Horizontal bars with min-max whiskers. rows: (label, color, median, low, high)."""
    body = [_text(10, top + 14, title, weight="bold", size=13)]
    top += 24
    limit = max(high for *_, high in rows) * 1.05
    step = _nice_step(limit)
    scale = BAR_W / (math.ceil(limit / step) * step)
    for k in range(math.ceil(limit / step) + 1):
        x = LABEL_W + k * step * scale
        body.append(_line(x, top - 2, x, top + ROW_H * len(rows)))
        body.append(
            _text(
                x, top + ROW_H * len(rows) + 13, unit_fmt(k * step), anchor="middle", size=10, fill="#616161"
            )
        )
    for i, (label, color, median, low, high) in enumerate(rows):
        y = top + i * ROW_H
        body.append(_text(LABEL_W - 8, y + 14, label, anchor="end"))
        body.append(_rect(LABEL_W, y + 3, median * scale, ROW_H - 6, color))
        mid = y + ROW_H / 2
        body.append(
            f'<line x1="{LABEL_W + low * scale:.1f}" y1="{mid:.1f}" x2="{LABEL_W + high * scale:.1f}" '
            f'y2="{mid:.1f}" stroke="#212121" stroke-width="1.2"/>'
        )
        body.append(_text(LABEL_W + high * scale + 6, y + 14, unit_fmt(median), size=11))
    return body, top + ROW_H * len(rows) + 24


def steady_chart(data: dict) -> str:
    body, top = [], 10.0
    body.append(
        _text(
            10, 22, "Time per iteration: median bar, min-max line (shorter is faster)", weight="bold", size=14
        )
    )
    top = 34.0
    for workload, title in WORKLOADS.items():
        if workload not in data["main_cases"]:
            continue
        case = data["main_cases"][workload]
        rows = []
        for framework, mode in R.modes_of(workload):
            r = R.result(data, case, framework, mode)
            s = r["seconds"]
            label = r["label"] + (" (disturbed)" if R.is_disturbed(r) else "")
            rows.append((label, COLORS[(framework, mode)], s["median"], s["min"], s["max"]))
        verdict = R.VERDICTS[R.headline(data, workload)["verdict"]]
        panel, top = _hbar_panel(top, f"{title}: fastest modes, {verdict}", rows, fmt_seconds)
        body += panel
    return _svg(int(top), "Steady-state time per iteration, TensorFlow and PyTorch", body)


def matmul_chart(data: dict) -> str:
    threads = R.primary_threads(data)
    rows = []
    n = None
    for workload in ("matmul", "matmul_bf16"):
        if workload not in data["main_cases"]:
            continue
        case = data["main_cases"][workload]
        for framework, mode in R.modes_of(workload):
            r = R.result(data, case, framework, mode)
            n = r["params"]["n"]
            flop, s = r["work"]["amount"], r["seconds"]
            label = r["label"] + (", bf16" if workload == "matmul_bf16" else ", fp32")
            rows.append(
                (
                    label,
                    COLORS[(framework, mode)],
                    flop / s["median"] / 1e9,
                    flop / s["max"] / 1e9,
                    flop / s["min"] / 1e9,
                )
            )
    numpy = max(
        2.0 * r["n"] ** 3 / r["seconds"]["median"] / 1e9 for r in data["limit"] if r["threads"] == threads
    )
    peak = data["machine"]["fp32_peak"]["gflops_per_core"] * threads
    rows.append(("NumPy matmul, fp32, same n", "#546e7a", numpy, numpy, numpy))
    rows.append((f"float32 peak, {threads} core(s)", "#cfd8dc", peak, peak, peak))
    title = f"matmul, n = {n}, {threads} thread(s): GFLOP/s, median bar, min-max line (longer is faster)"
    body, bottom = _hbar_panel(10, title, rows, lambda v: f"{v:.0f}")
    return _svg(int(bottom), "Matrix multiply throughput against NumPy and the theoretical peak", body)


def sweep_chart(data: dict, sweep: dict) -> str:
    workload, parameter, values = sweep["workload"], sweep["parameter"], sweep["values"]
    modes = R.modes_of(workload)
    threads = R.primary_threads(data)
    series = []
    for framework, mode in modes:
        points = []
        for value in values:
            r = R.find(data["results"], workload, parameter, value, framework, mode, threads)
            points.append(r["work"]["amount"] / r["seconds"]["median"])
        series.append((r["label"], COLORS[(framework, mode)], points))
    left, top, plot_w, plot_h = 80, 40, 420, 260
    lo = min(min(p) for *_, p in series)
    hi = max(max(p) for *_, p in series)
    lo_exp, hi_exp = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    if hi_exp == lo_exp:
        hi_exp += 1

    def y_of(v):
        return top + plot_h * (1 - (math.log10(v) - lo_exp) / (hi_exp - lo_exp))

    def x_of(i):
        return left + plot_w * (i + 0.5) / len(values)

    title = f"{WORKLOADS[workload]}: throughput as {parameter} grows (samples/s, log scale; higher is faster)"
    body = [_text(10, 22, title, weight="bold", size=13)]
    for e in range(lo_exp, hi_exp + 1):
        y = y_of(10**e)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        body.append(_text(left - 6, y + 4, f"{10**e:,}", anchor="end", size=10, fill="#616161"))
    for i, value in enumerate(values):
        body.append(_text(x_of(i), top + plot_h + 16, f"{parameter} {value}", anchor="middle", size=11))
    for k, (label, color, points) in enumerate(series):
        dash = (
            ' stroke-dasharray="5 3"'
            if "PyTorch" in label or "torch" in label or "DataLoader" in label
            else ""
        )
        path = " ".join(f"{'M' if i == 0 else 'L'}{x_of(i):.1f},{y_of(v):.1f}" for i, v in enumerate(points))
        body.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="2.2"{dash}/>')
        body += [
            f'<circle cx="{x_of(i):.1f}" cy="{y_of(v):.1f}" r="3.5" fill="{color}"/>'
            for i, v in enumerate(points)
        ]
        ly = top + 10 + k * 20
        body.append(
            f'<line x1="{left + plot_w + 20}" y1="{ly:.1f}" x2="{left + plot_w + 44}" y2="{ly:.1f}" '
            f'stroke="{color}" stroke-width="2.2"{dash}/>'
        )
        body.append(_text(left + plot_w + 50, ly + 4, label, size=11))
    return _svg(top + plot_h + 30, title, body)


def cold_chart(data: dict) -> str:
    entries = data["cold_start"]
    if not entries:
        return _svg(40, "No cold starts in this run", [_text(10, 24, "No cold starts in this run")])
    totals = [
        sum(e[k]["median"] for k in ("import_seconds", "build_seconds", "first_call_seconds"))
        for e in entries
    ]
    limit = max(totals) * 1.05
    step = _nice_step(limit)
    scale = BAR_W / (math.ceil(limit / step) * step)
    title = "From a new process to the first training step: medians, seconds (shorter is faster)"
    body = [_text(10, 22, title, weight="bold", size=13)]
    top = 36
    for k in range(math.ceil(limit / step) + 1):
        x = LABEL_W + k * step * scale
        body.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + ROW_H * len(entries)}" stroke="#e0e0e0"/>'
        )
        body.append(
            _text(
                x,
                top + ROW_H * len(entries) + 13,
                f"{k * step:g} s",
                anchor="middle",
                size=10,
                fill="#616161",
            )
        )
    for i, (entry, total) in enumerate(zip(entries, totals, strict=True)):
        y = top + i * ROW_H
        body.append(_text(LABEL_W - 8, y + 14, entry["label"], anchor="end"))
        x = LABEL_W
        parts = [*SEGMENTS, ("first_call_seconds", "first step", COLORS[(entry["framework"], entry["mode"])])]
        for key, _, color in parts:
            w = entry[key]["median"] * scale
            body.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{ROW_H - 6}" fill="{color}"/>'
            )
            x += w
        body.append(_text(x + 6, y + 14, fmt_seconds(total), size=11))
    ly = top + ROW_H * len(entries) + 30
    legend = [*SEGMENTS, ("", "first step (colour of the mode)", "#9e9e9e")]
    for j, (_, name, color) in enumerate(legend):
        lx = LABEL_W + j * 150
        body.append(f'<rect x="{lx}" y="{ly - 9}" width="12" height="12" fill="{color}"/>')
        body.append(_text(lx + 16, ly + 1, name, size=11))
    return _svg(ly + 14, title, body)


def charts(data: dict) -> dict[str, str]:
    out = {
        "steady.svg": steady_chart(data),
        "matmul.svg": matmul_chart(data),
        "cold_start.svg": cold_chart(data),
    }
    for sweep in data["sweeps"]:
        out[f"sweep_{sweep['name']}.svg"] = sweep_chart(data, sweep)
    return out


def write_charts(data: dict, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in charts(data).items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
