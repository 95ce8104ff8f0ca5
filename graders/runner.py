"""Run one check with a timeout and turn whatever happens into a CheckResult.

A check is a callable `fn(ctx) -> str | None`: it returns what it observed when the state is
right and raises `Failed` when it is not. Nothing a check does can crash a run: `InfraError`,
library errors (kubernetes ApiException 5xx, urllib3/requests connection errors, Docker
errors), timeouts and any other exception become an `error` result with a next step.
"""

from __future__ import annotations

import base64
import threading
import time
from typing import Any, Callable, Iterable

from kubelab.graders.errors import NEXT_CLUSTER, NEXT_DOCKER, Failed, InfraError, Skipped
from kubelab.graders.results import CheckResult, Outcome

DEFAULT_TIMEOUT = 20.0
NEXT_BUG = "this looks like a bug in the lab's check; run `kubelab lab lint` and report it with the message above"


def classify(exc: BaseException) -> tuple[Outcome, str, str, str]:
    """(outcome, observed, expected, next_step) for an exception raised inside a check."""
    if isinstance(exc, Failed):
        return Outcome.FAILED, exc.message, exc.expected, ""
    if isinstance(exc, InfraError):
        return Outcome.ERROR, exc.message, "", exc.next_step
    if isinstance(exc, Skipped):
        return Outcome.SKIPPED, str(exc), "", ""
    if isinstance(exc, AssertionError):
        return Outcome.FAILED, str(exc) or "assertion failed", "", ""
    infra = infra_error_from(exc)
    if infra is not None:
        return Outcome.ERROR, infra.message, "", infra.next_step
    return Outcome.ERROR, f"the check crashed: {type(exc).__name__}: {exc}", "", NEXT_BUG


def infra_error_from(exc: BaseException) -> InfraError | None:
    """Translate a library exception into an InfraError when it means 'could not ask'."""
    mod = type(exc).__module__ or ""
    name = type(exc).__name__
    if isinstance(exc, TimeoutError) or name in ("ReadTimeoutError", "ConnectTimeoutError", "ReadTimeout", "ConnectTimeout"):
        nxt = NEXT_DOCKER if mod.startswith(("docker", "requests")) else NEXT_CLUSTER
        return InfraError(f"no answer in time ({name}: {_short(exc)})", nxt)
    if mod.startswith("kubernetes"):
        status = getattr(exc, "status", None)
        if name == "ConfigException":
            return InfraError(f"no usable kubeconfig: {_short(exc)}", NEXT_CLUSTER)
        if status is None or status == 0 or status >= 500 or status in (401, 403, 429):
            return InfraError(f"the Kubernetes API answered {status} {getattr(exc, 'reason', '')}".strip(), NEXT_CLUSTER)
        return None
    if mod.startswith("urllib3") or isinstance(exc, ConnectionError):
        return InfraError(f"the Kubernetes API is unreachable ({name}: {_short(exc)})", NEXT_CLUSTER)
    if mod.startswith(("docker", "requests")):
        return InfraError(f"the Docker engine could not be asked ({name}: {_short(exc)})", NEXT_DOCKER)
    if mod.startswith("websocket"):
        return InfraError(f"exec into the container failed ({name}: {_short(exc)})", NEXT_CLUSTER)
    return None


def _short(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mask_secrets(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret value (and its base64 form) in text with ******."""
    if not text:
        return text
    for value in sorted({s for s in secrets if s and len(s) >= 2}, key=len, reverse=True):
        text = text.replace(value, "******")
        b64 = base64.b64encode(value.encode()).decode()
        text = text.replace(b64, "******")
    return text


def run_check(
    fn: Callable[[Any], Any],
    ctx: Any,
    *,
    id: str,
    title: str,
    points: float,
    hint: str = "",
    timeout: float = DEFAULT_TIMEOUT,
    secrets: Callable[[], Iterable[str]] | Iterable[str] = (),
) -> CheckResult:
    """Run fn(ctx) in a worker thread with a timeout; never raises."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn(ctx)
        except BaseException as exc:  # noqa: BLE001 - every exception becomes a result
            box["exc"] = exc

    start = time.perf_counter()
    worker = threading.Thread(target=target, name=f"check-{id}", daemon=True)
    worker.start()
    worker.join(timeout)
    elapsed = time.perf_counter() - start
    result = CheckResult(id=id, title=title, outcome=Outcome.PASSED, points=float(points),
                         max_points=float(points), hint=hint, seconds=elapsed)
    if worker.is_alive():
        result.outcome = Outcome.ERROR
        result.points = 0.0
        result.observed = f"the check did not finish within {timeout:g} s"
        result.next_step = NEXT_CLUSTER
    elif "exc" in box:
        outcome, observed, expected, next_step = classify(box["exc"])
        result.outcome, result.observed, result.expected, result.next_step = outcome, observed, expected, next_step
        result.points = 0.0
    else:
        value = box.get("value")
        if value is False:
            result.outcome, result.points, result.observed = Outcome.FAILED, 0.0, "the check returned False"
        else:
            result.observed = "" if value in (None, True) else str(value)
    values = list(secrets() if callable(secrets) else secrets)
    if values:
        result.observed = mask_secrets(result.observed, values)
        result.expected = mask_secrets(result.expected, values)
    return result
