"""An eval report as a terminal table, report.json, report.md and a chart of metrics per type."""

from __future__ import annotations

import json
from pathlib import Path

CHART_METRICS = ("hit@5", "mrr@10", "answer_contained", "citation_precision",
                 "abstention_accuracy")


def table(report: dict) -> str:
    """Metrics as rows, overall and each question type as columns."""
    columns = ["overall", *report["by_type"]]
    values = [report["overall"], *report["by_type"].values()]
    names = list(dict.fromkeys(n for v in values for n in v))
    width = max(len(n) for n in names) + 2
    lines = ["".ljust(width) + "".join(c.rjust(14) for c in columns)]
    for name in names:
        cells = [_fmt(v.get(name)) for v in values]
        lines.append(name.ljust(width) + "".join(c.rjust(14) for c in cells))
    return "\n".join(lines)


def comparison_table(rows: list[tuple[str, float, float, float, str]]) -> str:
    lines = [f"{'metric':<22}{'old':>12}{'new':>12}{'delta':>10}  verdict"]
    lines += [f"{n:<22}{_fmt(o):>12}{_fmt(v):>12}{d:>+10.4g}  {verdict}"
              for n, o, v, d, verdict in rows]
    return "\n".join(lines)


def write(report: dict, out: Path, comparison: list | None = None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    md = [f"# Eval report: {report['config']['questions']} questions, "
          f"k={report['config']['k']}, answerer {report['config']['answerer']}", "",
          "```", table(report), "```", ""]
    if comparison:
        md += ["## Against the earlier report", "", "```", comparison_table(comparison), "```", ""]
    md += [f"## Failures ({len(report['failures'])})", ""]
    for f in report["failures"]:
        md += [f"### {f['id']} ({f['type']}): {f['why']}", f"- question: {f['question']}",
               f"- expected: {f['expected']} from {f['sources']}",
               f"- short answer: {(f.get('short_answer') or {}).get('text')}", f"- got: {f['got']}"]
        md += [f"  - [{c['n']}] {c['doc_id']}: {c['text'][:200]}…" for c in f["cited"]]
        md += [f"- fallback: {f['fallback']}"] if f.get("fallback") else []
        md.append("")
    (out / "report.md").write_text("\n".join(md))
    written = [out / "report.json", out / "report.md"]
    if _chart(report, out / "metrics_by_type.png"):
        written.append(out / "metrics_by_type.png")
    return written


def _chart(report: dict, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # the chart is a convenience; the JSON and Markdown carry the figures
        return False
    groups = {"overall": report["overall"], **report["by_type"]}
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / len(CHART_METRICS)
    for i, metric in enumerate(CHART_METRICS):
        xs = [g + i * width for g in range(len(groups))]
        ax.bar(xs, [v.get(metric, 0.0) for v in groups.values()], width, label=metric)
    ax.set_xticks([g + 0.4 - width / 2 for g in range(len(groups))], list(groups))
    ax.set_ylim(0, 1.05)
    ax.set_title(f"rag eval: {report['config']['questions']} questions")
    ax.legend(fontsize=8, ncols=len(CHART_METRICS), loc="upper center",
              bbox_to_anchor=(0.5, -0.08))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"
