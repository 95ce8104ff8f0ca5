"""`kubelab quiz ...`: practice, review, exam, stats, lint.

Module level imports typer and the standard library only: the whole
`kubelab` command imports this module. Everything else is imported inside
the commands.
"""

from __future__ import annotations

from typing import Optional

import typer

quiz_app = typer.Typer(
    help="Practise in the terminal: quiz, review, exam, stats, lint.",
    invoke_without_command=True,
    no_args_is_help=False,
)

TopicOpt = typer.Option(None, "--topic", "-t", help="Only this topic (file name in course/questions).")
SeedOpt = typer.Option(None, "--seed", help="Seed for the question order (deterministic runs).")
PlainOpt = typer.Option(False, "--plain", help="Line-by-line input even on a terminal.")


def _fail(message: str, code: int = 2) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _bank(topic: Optional[str]):
    from kubelab.quiz.bank import BankError, load_bank, topics_in

    try:
        questions = load_bank(disk_cache=True)
    except BankError as exc:
        _fail(str(exc))
    if topic:
        known = topics_in(questions)
        if topic not in known:
            _fail(f"--topic: expected one of {', '.join(known)}, found {topic!r}")
        questions = [q for q in questions if q.topic == topic]
    return questions


def _store():
    from kubelab.quiz.store import Store, StoreError

    try:
        return Store()
    except StoreError as exc:
        _fail(str(exc))


def _practice(questions, mode: str, plain: bool, resume_sid: Optional[str] = None,
              seed: Optional[int] = None) -> None:
    from kubelab.quiz import session
    from kubelab.quiz.terminal import make_terminal

    store = _store()
    term = make_terminal(plain)
    if resume_sid:
        sid = resume_sid
        seed = store.session_meta(sid).get("seed")   # the options come back in the same order
    else:
        sid = store.start_session(mode, [q.id for q in questions], {"seed": seed})
    out = session.run(questions, term, store, sid, mode, shuffle_seed=seed)
    if not out.interrupted:
        store.finish_session(sid)
    term.write(session.summary(out, term.style))
    store.close()
    if out.interrupted:
        raise typer.Exit(130)


@quiz_app.callback()
def quiz(
    ctx: typer.Context,
    topic: Optional[str] = TopicOpt,
    count: int = typer.Option(10, "--count", "-n", min=1, help="How many questions."),
    seed: Optional[int] = SeedOpt,
    resume: bool = typer.Option(False, "--resume", help="Finish the last interrupted session."),
    plain: bool = PlainOpt,
) -> None:
    """Practise: due questions first, then new ones; explanation after each answer."""
    if ctx.invoked_subcommand is not None:
        return
    from kubelab.quiz.session import pick_practice
    from kubelab.quiz.store import today

    questions = _bank(topic)
    if resume:
        store = _store()
        last = store.last_unfinished()
        store.close()
        if last is None or not last[2]:
            typer.echo("Nothing to resume: starting a new session.")
        else:
            sid, mode, left = last
            index = {q.id: q for q in _bank(None)}
            remaining = [index[qid] for qid in left if qid in index]
            typer.echo(f"Resuming {mode} session {sid}: {len(remaining)} question(s) left.")
            _practice(remaining, mode, plain, resume_sid=sid)
            return
    store = _store()
    cards = store.cards()
    store.close()
    picked = pick_practice(questions, cards, today(), count, seed)
    _practice(picked, "quiz", plain, seed=seed)


@quiz_app.command()
def review(
    topic: Optional[str] = TopicOpt,
    count: int = typer.Option(50, "--count", "-n", min=1, help="At most this many."),
    seed: Optional[int] = SeedOpt,
    plain: bool = PlainOpt,
) -> None:
    """Answer what spaced repetition says is due today."""
    from kubelab.quiz.session import pick_due
    from kubelab.quiz.store import today

    questions = _bank(topic)
    store = _store()
    cards = store.cards()
    store.close()
    day = today()
    due = pick_due(questions, cards, day, count, seed)
    if not due:
        upcoming = sorted(c.due for q, c in cards.items() if c.due and c.due > day)
        nxt = f" Next due: {upcoming[0].isoformat()}." if upcoming else " Start with `kubelab quiz`."
        typer.echo(f"Nothing due today ({day.isoformat()}).{nxt}")
        return
    typer.echo(f"{len(due)} question(s) due today.")
    _practice(due, "review", plain, seed=seed)


@quiz_app.command()
def exam(
    count: int = typer.Option(60, "--count", "-n", min=1, help="Number of questions."),
    minutes: float = typer.Option(90.0, "--minutes", "-m", min=0.01, help="Time limit in minutes."),
    pass_mark: int = typer.Option(600, "--pass-mark", min=0, max=1000, help="Pass mark out of 1000."),
    topic: Optional[str] = TopicOpt,
    seed: Optional[int] = SeedOpt,
    plain: bool = PlainOpt,
) -> None:
    """A timed mock exam scored out of 1000, with a report by topic."""
    import time

    from kubelab.quiz import exam as exam_mod
    from kubelab.quiz import session
    from kubelab.quiz.terminal import make_terminal

    questions = exam_mod.pick_exam(_bank(topic), count, seed)
    plan = exam_mod.ExamPlan(questions, minutes, pass_mark)
    store = _store()
    term = make_terminal(plain)
    sid = store.start_session("exam", [q.id for q in questions],
                              {"minutes": minutes, "pass_mark": pass_mark, "seed": seed})
    term.write(term.style.bold(f"Mock exam: {len(questions)} questions in {minutes:g} minutes, "
                               f"scored out of {exam_mod.MAX_POINTS}, pass mark {pass_mark}."))
    started = time.monotonic()
    deadline = started + minutes * 60
    out = session.run(questions, term, store, sid, "exam", deadline=deadline, show_explanations=False,
                      header_extra=lambda: exam_mod.clock(deadline), shuffle_seed=seed)
    store.finish_session(sid)
    if out.timed_out and term.interactive:
        term.discard_typeahead()
    text, passed = exam_mod.report(plan, out, started, term.style)
    term.write(text)
    store.close()
    if out.interrupted:
        raise typer.Exit(130)


@quiz_app.command()
def stats() -> None:
    """Progress by topic: bars, accuracy, streak, due counts."""
    from kubelab.quiz.stats import render_stats
    from kubelab.quiz.store import today

    questions = _bank(None)
    store = _store()
    render_stats(questions, store.cards(), store.answers(), store.answer_days(), today())
    store.close()


@quiz_app.command()
def lint(
    path: Optional[str] = typer.Option(None, "--path", help="Bank folder (default: course/questions)."),
) -> None:
    """Validate the question bank; name file:line of each problem; count per topic."""
    from pathlib import Path

    from kubelab.quiz.bank import BankError
    from kubelab.quiz.lint import format_result, lint_bank

    try:
        result = lint_bank(Path(path) if path else None)
    except BankError as exc:
        _fail(str(exc))
    typer.echo(format_result(result))
    if result.problems:
        raise typer.Exit(1)
