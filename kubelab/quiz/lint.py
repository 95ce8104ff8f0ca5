"""`kubelab quiz lint`: check the bank and name file:line of every problem.

Checks: valid YAML of the expected shape; every question has an id unique
across the bank, a known kind, text, an explanation and a source; choice
answers name existing options; multi-choice has at least one right option;
true/false answers are booleans; command answers parse as kubectl/docker;
find-the-bug questions carry their YAML snippet and a right option; no known
class of factual error (kubelab.quiz.facts: public addresses shown as
private, namespace kernel versions, Kubernetes version facts).

Test-wise cues, over the questions with one right option (single and
find-the-bug): the share where the right option is the uniquely longest
(fails above MAX_LONGEST_SHARE), the share of answers at each key
(fails above MAX_POSITION_SHARE for any one key) and the share at each
length rank (fails above MAX_RANK_SHARE for ranks 2 and up: "pick the
second-longest" must not work either). Sessions shuffle the
options anyway; these keep the bank itself (and the notebooks, which show
the file's order) free of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kubelab.quiz.bank import KINDS, TOPICS, topic_files
from kubelab.quiz.facts import check_text
from kubelab.quiz.judge import CommandError, parse_command, unknown_flags

MIN_PER_COURSE_TOPIC = 25
MAX_LONGEST_SHARE = 0.30
MAX_POSITION_SHARE = 0.35
MAX_RANK_SHARE = 0.35              # "the second-longest is right" is a cue too
ONE_ANSWER_KINDS = ("single", "findbug")
MIN_QUESTIONS_FOR_CUES = 20        # shares of a handful of questions say nothing
_SEED_REF = re.compile(r"^00[0-4]\b")
COURSE_TOPICS = ("docker", "namespaces-cgroups", "pods", "controllers", "probes", "storage",
                 "config", "scheduling")


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records the 1-based line of every mapping as `__line__`."""


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    mapping["__line__"] = node.start_mark.line + 1
    mapping["__keylines__"] = {k.value: k.start_mark.line + 1 for k, _ in node.value
                               if isinstance(k, yaml.ScalarNode)}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Cues:
    """Length and position figures of the one-answer questions."""
    questions: int = 0
    longest: int = 0                  # right option uniquely the longest
    shortest: int = 0                 # right option uniquely the shortest
    positions: dict = field(default_factory=dict)   # answer key -> count
    truefalse: dict = field(default_factory=dict)   # True/False -> count (reported, no limit)
    ranks: dict = field(default_factory=dict)       # length rank of the right option (1 = longest) -> count

    @property
    def longest_share(self) -> float:
        return self.longest / self.questions if self.questions else 0.0

    def position_share(self, key: str) -> float:
        return self.positions.get(key, 0) / self.questions if self.questions else 0.0

    def add(self, options: dict, answer: str) -> None:
        lengths = {str(k): len(str(v)) for k, v in options.items() if not str(k).startswith("__")}
        if not lengths:
            return
        self.questions += 1
        longest, shortest = max(lengths.values()), min(lengths.values())
        self.longest += [k for k, n in lengths.items() if n == longest] == [answer]
        self.shortest += [k for k, n in lengths.items() if n == shortest] == [answer]
        self.positions[answer] = self.positions.get(answer, 0) + 1
        rank = 1 + sum(1 for n in set(lengths.values()) if n > lengths.get(answer, 0))
        self.ranks[rank] = self.ranks.get(rank, 0) + 1

    def rank_share(self, rank: int) -> float:
        return self.ranks.get(rank, 0) / self.questions if self.questions else 0.0

    def summary(self) -> str:
        pos = ", ".join(f"{k} {n} ({100 * n / self.questions:.0f}%)" for k, n in sorted(self.positions.items()))
        return (f"right option uniquely longest: {self.longest}/{self.questions} ({100 * self.longest_share:.0f}%, "
                f"limit {100 * MAX_LONGEST_SHARE:.0f}%); uniquely shortest: {self.shortest}/{self.questions}\n"
                f"answer positions: {pos} (limit {100 * MAX_POSITION_SHARE:.0f}% for any one)\n"
                f"right option's length rank (1 = longest): "
                + ", ".join(f"{r} {n} ({100 * n / self.questions:.0f}%)" for r, n in sorted(self.ranks.items()))
                + f" (limit {100 * MAX_RANK_SHARE:.0f}% for any one)"
                + (f"\ntrue/false answers: {self.truefalse.get(True, 0)} true, {self.truefalse.get(False, 0)} false"
                   if self.truefalse else ""))


@dataclass
class LintResult:
    problems: list
    counts: dict
    cues: Cues = field(default_factory=Cues)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def lint_bank(directory: Path | None = None, *, require_counts: bool = True) -> LintResult:
    """Lint every topic file. Never raises for content problems (they are
    returned); raises BankError if the folder does not exist."""
    problems: list[Problem] = []
    counts: dict[str, int] = {}
    seen: dict[str, str] = {}
    cues = Cues()
    files = topic_files(directory)
    for path in files:
        rel = _display(path)
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problems.append(Problem(rel, (mark.line + 1) if mark else 1, f"not valid YAML: {exc}"))
            continue
        if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
            problems.append(Problem(rel, 1, "expected a mapping with a 'questions' list"))
            continue
        topic = data.get("topic")
        # <topic>.yaml, or <topic>-<part>.yaml adding to that topic (e.g. networking-netpol.yaml)
        if topic != path.stem and not (isinstance(topic, str) and topic and path.stem.startswith(topic + "-")):
            problems.append(Problem(rel, data.get("__keylines__", {}).get("topic", 1),
                                    f"topic: expected {path.stem!r} (the file name, or the part before a '-' "
                                    f"in it), found {topic!r}"))
        n = 0
        for raw in data["questions"]:
            if not isinstance(raw, dict):
                problems.append(Problem(rel, data["__line__"], f"question: expected a mapping, found {raw!r}"))
                continue
            n += 1
            found = _check_question(raw, rel, seen)
            problems.extend(found)
            if not found and raw.get("kind") in ONE_ANSWER_KINDS:
                cues.add(raw["options"], str(raw["answer"]))
            elif not found and raw.get("kind") == "truefalse":
                cues.truefalse[raw["answer"]] = cues.truefalse.get(raw["answer"], 0) + 1
        key = topic if isinstance(topic, str) and path.stem.startswith(f"{topic}-") else path.stem
        counts[key] = counts.get(key, 0) + n
    if require_counts:
        for t in COURSE_TOPICS:
            if counts.get(t, 0) < MIN_PER_COURSE_TOPIC and any(p.stem == t for p in files):
                path = next(p for p in files if p.stem == t)
                problems.append(Problem(_display(path), 1, f"expected at least {MIN_PER_COURSE_TOPIC} "
                                        f"questions for course topic {t}, found {counts.get(t, 0)}"))
    judged = cues.questions >= MIN_QUESTIONS_FOR_CUES
    if judged and cues.longest_share > MAX_LONGEST_SHARE:
        problems.append(Problem(_display(files[0]) if files else "course/questions", 1,
                                f"right option uniquely the longest: expected at most {100 * MAX_LONGEST_SHARE:.0f}% "
                                f"of one-answer questions, found {cues.longest}/{cues.questions} "
                                f"({100 * cues.longest_share:.0f}%): lengthen distractors or trim right options"))
    for key, count in sorted(cues.positions.items()):
        if judged and cues.position_share(key) > MAX_POSITION_SHARE:
            problems.append(Problem(_display(files[0]) if files else "course/questions", 1,
                                    f"answer position {key}: expected at most {100 * MAX_POSITION_SHARE:.0f}% of "
                                    f"one-answer questions, found {count}/{cues.questions} "
                                    f"({100 * cues.position_share(key):.0f}%): move right options to other keys"))
    for rank, count in sorted(cues.ranks.items()):
        if judged and rank > 1 and cues.rank_share(rank) > MAX_RANK_SHARE:
            problems.append(Problem(_display(files[0]) if files else "course/questions", 1,
                                    f"right option's length rank {rank}: expected at most {100 * MAX_RANK_SHARE:.0f}% "
                                    f"of one-answer questions, found {count}/{cues.questions} "
                                    f"({100 * cues.rank_share(rank):.0f}%): vary which option is longest"))
    return LintResult(problems, counts, cues)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _check_question(raw: dict, rel: str, seen: dict) -> list[Problem]:
    out: list[Problem] = []
    line = raw.get("__line__", 1)
    keyline = raw.get("__keylines__", {})

    def at(key: str) -> int:
        return keyline.get(key, line)

    qid = raw.get("id")
    label = f"question {qid}" if qid else "question"
    if not qid or not isinstance(qid, str):
        out.append(Problem(rel, line, f"id: expected a non-empty string, found {qid!r}"))
    elif qid in seen:
        out.append(Problem(rel, at("id"), f"id: expected unique ids, found {qid!r} again (first at {seen[qid]})"))
    else:
        seen[qid] = f"{rel}:{at('id')}"
    kind = raw.get("kind")
    if kind not in KINDS:
        out.append(Problem(rel, at("kind"), f"{label}: kind: expected one of {', '.join(KINDS)}, found {kind!r}"))
        return out
    for key in ("question", "explanation", "source"):
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            out.append(Problem(rel, at(key), f"{label}: {key}: expected non-empty text, found {value!r}"))
    source = raw.get("source")
    if isinstance(source, str) and source.strip() and not _SEED_REF.match(source):
        out.append(Problem(rel, at("source"), f"{label}: source: expected a seed reference such as "
                           f"'001 part 5 (cgroups)', found {source!r}"))
    out.extend(_check_facts(raw, rel, label, at))
    answer = raw.get("answer")
    if "answer" not in raw or answer is None or answer == "" or answer == []:
        out.append(Problem(rel, line, f"{label}: answer: expected an answer, found none"))
        return out
    options = raw.get("options")
    if kind in ("single", "multi", "findbug"):
        if not isinstance(options, dict) or len([k for k in options if not k.startswith("__")]) < 2:
            out.append(Problem(rel, at("options"), f"{label}: options: expected at least 2 options, found {options!r}"))
            return out
        keys = [str(k) for k in options if not str(k).startswith("__")]
        odd = [k for k in keys if len(k) != 1 or not k.islower()]
        if odd:
            out.append(Problem(rel, at("options"), f"{label}: options: expected single lower-case letters "
                               f"as keys (a, b, c...), found {odd}"))
        for k in keys:
            if not str(options[k]).strip():
                out.append(Problem(rel, at("options"), f"{label}: option {k}: expected text, found nothing"))
        if kind == "multi":
            if not isinstance(answer, list) or not answer:
                out.append(Problem(rel, at("answer"), f"{label}: answer: expected a list of >= 1 option keys, found {answer!r}"))
            else:
                bad = [a for a in answer if str(a) not in keys]
                if bad:
                    out.append(Problem(rel, at("answer"), f"{label}: answer: expected keys among {keys}, found {bad}"))
        elif str(answer) not in keys or isinstance(answer, list):
            out.append(Problem(rel, at("answer"), f"{label}: answer: expected one of {keys}, found {answer!r}"))
        if kind == "findbug":
            snippet = raw.get("yaml")
            if not isinstance(snippet, str) or not snippet.strip():
                out.append(Problem(rel, line, f"{label}: yaml: expected the YAML snippet with the bug, found none"))
    elif kind == "truefalse":
        if not isinstance(answer, bool):
            out.append(Problem(rel, at("answer"), f"{label}: answer: expected true or false, found {answer!r}"))
    elif kind == "command":
        accepted = [answer] if isinstance(answer, str) else answer
        if not isinstance(accepted, list) or not accepted:
            out.append(Problem(rel, at("answer"), f"{label}: answer: expected a command or a list of commands, found {answer!r}"))
        else:
            for cmd in accepted:
                try:
                    shape = parse_command(str(cmd))
                except CommandError as exc:
                    out.append(Problem(rel, at("answer"), f"{label}: answer {cmd!r}: {exc}"))
                    continue
                unknown = unknown_flags(shape)
                if unknown:
                    out.append(Problem(rel, at("answer"), f"{label}: answer {cmd!r}: expected known "
                                       f"kubectl/docker flags, found {', '.join('--' + u for u in unknown)}"))
    return out


def _check_facts(raw: dict, rel: str, label: str, at) -> list[Problem]:
    """Known classes of factual error (kubelab.quiz.facts) in the question's text."""
    out: list[Problem] = []
    options = raw.get("options") if isinstance(raw.get("options"), dict) else {}
    answer = raw.get("answer")
    fields = [("question", raw.get("question")), ("yaml", raw.get("yaml"))]
    fields += [("options", v) for k, v in options.items() if not str(k).startswith("__")]
    fields += [("answer", a) for a in (answer if isinstance(answer, list) else [answer]) if isinstance(a, str)]
    for key, value in fields:
        if isinstance(value, str):
            out += [Problem(rel, at(key), f"{label}: {key}: {m}") for m in check_text(value)]
    if isinstance(raw.get("explanation"), str):
        out += [Problem(rel, at("explanation"), f"{label}: explanation: {m}")
                for m in check_text(raw["explanation"], learner_facing=False)]
    return out


def format_result(result: LintResult) -> str:
    lines = [str(p) for p in result.problems]
    if result.problems:
        lines.append(f"{len(result.problems)} problem(s)")
    width = max((len(t) for t in result.counts), default=10)
    order = [t for t in TOPICS if t in result.counts] + [t for t in result.counts if t not in TOPICS]
    for t in order:
        lines.append(f"{t:<{width}}  {result.counts[t]:>4}")
    if result.cues.questions:
        lines.append(result.cues.summary())
    lines.append(f"{result.total} questions")
    return "\n".join(lines)
