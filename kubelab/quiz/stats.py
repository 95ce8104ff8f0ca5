"""`kubelab quiz stats`: progress by topic (bars), streak and due counts."""

from __future__ import annotations

from datetime import date, timedelta


def streak(days: set[str], today: date) -> int:
    """Consecutive days with at least one answer, ending today (or yesterday,
    so an unfinished today does not break it)."""
    day = today if today.isoformat() in days else today - timedelta(days=1)
    n = 0
    while day.isoformat() in days:
        n += 1
        day -= timedelta(days=1)
    return n


def topic_rows(questions, cards, answers, today: date) -> list[dict]:
    """One dict per topic: total, seen, learned (interval >= 6 days), accuracy, due, new."""
    rows: dict[str, dict] = {}
    for q in questions:
        r = rows.setdefault(q.topic, {"topic": q.topic, "total": 0, "seen": 0, "learned": 0,
                                      "due": 0, "new": 0, "right": 0, "answers": 0})
        r["total"] += 1
        card = cards.get(q.id)
        if card is None or card.due is None:
            r["new"] += 1
            continue
        r["seen"] += 1
        if card.interval >= 6:
            r["learned"] += 1
        if card.is_due(today):
            r["due"] += 1
    for _qid, topic, correct, _day in answers:
        if topic in rows:
            rows[topic]["answers"] += 1
            rows[topic]["right"] += int(correct)
    return list(rows.values())


def render_stats(questions, cards, answers, days: set[str], today: date) -> None:
    """Print the stats table with rich (imported here: not on the quiz start path)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    rows = topic_rows(questions, cards, answers, today)
    table = Table(title="kubelab quiz: progress by topic", show_lines=False)
    for col, just in (("topic", "left"), ("progress", "left"), ("seen", "right"), ("accuracy", "right"),
                      ("learned", "right"), ("due today", "right"), ("new", "right")):
        table.add_column(col, justify=just)
    for r in rows:
        frac = r["seen"] / r["total"] if r["total"] else 0
        bar = Text("█" * round(frac * 20), style="green") + Text("░" * (20 - round(frac * 20)), style="dim")
        acc = f"{100 * r['right'] / r['answers']:.0f}%" if r["answers"] else "-"
        table.add_row(r["topic"], bar, f"{r['seen']}/{r['total']}", acc, str(r["learned"]),
                      str(r["due"]), str(r["new"]))
    console = Console()
    console.print(table)
    total_due = sum(r["due"] for r in rows)
    console.print(f"Streak: {streak(days, today)} day(s)   Answers: {len(answers)}   "
                  f"Due today: {total_due}   Never seen: {sum(r['new'] for r in rows)}")
    if total_due:
        console.print("Run [bold]kubelab quiz review[/bold] to answer what is due.")
