"""The question bank: one YAML file per topic under course/questions/.

File layout::

    topic: pods
    title: Pods
    questions:
      - id: pods-001
        kind: single          # single | multi | truefalse | command | findbug
        question: ...
        options: {a: ..., b: ...}     # single, multi, findbug
        answer: b             # single/findbug: a key; multi: [a, c];
                              # truefalse: true/false; command: [accepted, ...]
        yaml: |               # findbug only: the snippet with the bug
        explanation: ...
        source: "001 part 9 (Pod)"

`load_bank()` is the fast path used by every session (libyaml when present);
`kubelab.quiz.lint` re-reads the files with line numbers to report problems.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("single", "multi", "truefalse", "command", "findbug")

#: Display order and titles of the topics (file stem -> title).
TOPICS: dict[str, str] = {
    "docker": "Docker basics",
    "namespaces-cgroups": "Namespaces and cgroups",
    "pods": "Pods",
    "controllers": "Controllers",
    "probes": "Health probes",
    "storage": "Storage",
    "config": "ConfigMaps and Secrets",
    "scheduling": "Scheduling",
    "architecture": "Kubernetes architecture",
    "networking": "Services and networking",
    "security": "Security",
}

TRUE_FALSE_OPTIONS = {"a": "True", "b": "False"}


class BankError(Exception):
    """The bank could not be read (missing folder, unreadable YAML, bad shape)."""


@dataclass
class Question:
    id: str
    topic: str
    kind: str
    question: str
    explanation: str
    source: str
    options: dict[str, str] = field(default_factory=dict)
    answer: object = None
    yaml: str = ""
    file: str = ""
    line: int = 0
    #: set on a session's shuffled copy: shown key -> the bank's key (see kubelab.quiz.shuffle)
    shown_from: dict[str, str] = field(default_factory=dict)

    @property
    def choices(self) -> dict[str, str]:
        """Options shown to the learner (true/false questions get a/b = True/False)."""
        if self.kind == "truefalse":
            return dict(TRUE_FALSE_OPTIONS)
        return self.options

    @property
    def correct_keys(self) -> list[str]:
        """Option keys that are correct (empty for command questions)."""
        if self.kind in ("single", "findbug"):
            return [str(self.answer)]
        if self.kind == "multi":
            return [str(k) for k in (self.answer or [])]
        if self.kind == "truefalse":
            return ["a" if self.answer is True else "b"]
        return []

    @property
    def accepted_commands(self) -> list[str]:
        if self.kind != "command":
            return []
        if isinstance(self.answer, str):
            return [self.answer]
        return [str(a) for a in (self.answer or [])]

    def answer_text(self) -> str:
        """The right answer, as a learner should read it."""
        if self.kind == "command":
            return self.accepted_commands[0] if self.accepted_commands else ""
        keys = self.correct_keys
        return ", ".join(f"{k}) {self.choices.get(k, '?')}" for k in keys)


def bank_dir() -> Path:
    """Folder holding the topic files: $KUBELAB_QUESTIONS_DIR or course/questions."""
    env = os.environ.get("KUBELAB_QUESTIONS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "course" / "questions"


def topic_files(directory: Path | None = None) -> list[Path]:
    """Topic files in display order (known topics first, then any others by name).

    Raises BankError if the folder does not exist.
    """
    directory = directory or bank_dir()
    if not directory.is_dir():
        raise BankError(f"question bank folder: expected {directory} to exist, found nothing")
    files = sorted(directory.glob("*.yaml"))
    order = {t: i for i, t in enumerate(TOPICS)}
    return sorted(files, key=lambda p: (order.get(p.stem, len(order)), p.stem))


def _question_from_dict(raw: dict, topic: str, file: str, line: int = 0) -> Question:
    options = raw.get("options") or {}
    return Question(
        id=str(raw.get("id", "")),
        topic=topic,
        kind=str(raw.get("kind", "")),
        question=str(raw.get("question", "")).strip(),
        explanation=str(raw.get("explanation", "")).strip(),
        source=str(raw.get("source", "")),
        options={str(k): str(v) for k, v in options.items()} if isinstance(options, dict) else {},
        answer=raw.get("answer"),
        yaml=str(raw.get("yaml") or ""),
        file=file,
        line=line,
    )


def _load_yaml(path: Path):
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=loader)
    except yaml.YAMLError as exc:
        raise BankError(f"{path}: not valid YAML: {exc}") from exc


_CACHE: dict[str, list[Question]] = {}


def load_bank(directory: Path | str | None = None, *, disk_cache: bool = False) -> list[Question]:
    """All questions of the bank, in topic order then file order.

    With disk_cache=True (the CLI's fast start) a JSON copy kept in the data
    dir is used when the files have not changed since it was written.

    Raises BankError if the folder is missing or a file is not valid YAML or
    not shaped as `{topic, questions: [...]}`. Run `kubelab quiz lint` for a
    full check of the content.
    """
    directory = Path(directory) if directory else bank_dir()
    key = str(directory.resolve())
    if key in _CACHE:
        return list(_CACHE[key])
    files = topic_files(directory)
    if not disk_cache:
        questions = _parse_files(files)
        _CACHE[key] = questions
        return list(questions)
    stamp = [[str(p), p.stat().st_mtime_ns, p.stat().st_size] for p in files]
    cached = _read_disk_cache(stamp)
    if cached is not None:
        _CACHE[key] = cached
        return list(cached)
    questions = _parse_files(files)
    _CACHE[key] = questions
    _write_disk_cache(stamp, questions)
    return list(questions)


def _parse_files(files: list[Path]) -> list[Question]:
    questions: list[Question] = []
    for path in files:
        data = _load_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
            raise BankError(f"{path}: expected a mapping with a 'questions' list, found {type(data).__name__}")
        topic = str(data.get("topic") or path.stem)
        for raw in data["questions"]:
            if isinstance(raw, dict):
                questions.append(_question_from_dict(raw, topic, str(path)))
    return questions


# Parsing ~250 questions of YAML costs ~50 ms; a JSON copy keyed by the files'
# mtimes and sizes loads in a few. It lives in the data dir and is rewritten
# atomically (temp file + rename) whenever a topic file changes.
_DISK_CACHE_VERSION = 2


def _disk_cache_path() -> Path | None:
    try:
        from kubelab.quiz.store import data_dir

        return data_dir() / "bank-cache.json"
    except Exception:  # no usable data dir: just parse every time
        return None


def _read_disk_cache(stamp) -> list[Question] | None:
    import json

    path = _disk_cache_path()
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != _DISK_CACHE_VERSION or data.get("stamp") != stamp:
            return None
        return [Question(**q) for q in data["questions"]]
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _write_disk_cache(stamp, questions: list[Question]) -> None:
    import dataclasses
    import json
    import os
    import tempfile

    path = _disk_cache_path()
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"version": _DISK_CACHE_VERSION, "stamp": stamp,
                   "questions": [dataclasses.asdict(q) for q in questions]}
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".bank-cache.")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh)
        os.replace(tmp, path)
    except (OSError, TypeError, ValueError):
        pass


def by_id(questions: list[Question] | None = None) -> dict[str, Question]:
    """Index of the bank by question id (Raises BankError like load_bank)."""
    return {q.id: q for q in (questions if questions is not None else load_bank())}


def topics_in(questions: list[Question]) -> list[str]:
    """Topics present, in display order."""
    seen: list[str] = []
    for q in questions:
        if q.topic not in seen:
            seen.append(q.topic)
    return seen


def get_question(qid: str) -> Question:
    """One question by id. Raises KeyError naming the id if it is not in the bank."""
    index = by_id()
    if qid not in index:
        raise KeyError(f"question id: expected one of the bank's ids, found {qid!r}")
    return index[qid]
