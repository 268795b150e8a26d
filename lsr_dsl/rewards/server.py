"""``lsr serve``: LsRM rewards over HTTP (an ASGI app: FastAPI on uvicorn).

Endpoints (``docs/training.md``, "A remote reward server"):

- ``POST /get_reward``: OpenRLHF's ``--remote_rm_url``. Body ``{"query": [...],
  "prompts": [...], "labels": [...]}``; each response is its query after the
  prompt, without trailing end-of-sequence text. Answer ``{"rewards": [...],
  "scores": [...], "extra_logs": {"lsr_all_pass": [...], "lsr_error": [...],
  "lsr_leaf_pass_rate": [...]}}``: numbers only, one per row.
- ``POST /score``: the native endpoint. Body ``{"rows": [{"response": ...,
  "label": ..., "prompt": ...}]}`` (``spec`` or ``ground_truth`` may stand for
  ``label``). Answer ``{"results": [{"score", "all_pass", "structure", "leaves":
  [{"name", "label", "passed", "score", "active", "condition"}], "error"?}]}``.
- ``GET /health`` and ``GET /metrics`` (Prometheus text: requests, rows, row
  errors, latency).

A row that cannot be scored (a bad label, a query without its prompt, a verifier
error such as a regular expression that ran out of time) makes the request fail
with 422 and a body naming every such row, unless the server runs with
``on_error="zero"`` (then it scores 0.0 and ``lsr_error`` is 1.0 for it). Rows
are scored in a pool of worker processes (``workers=0``: threads of the server
process), in chunks, so one slow row holds up only its own chunk.
"""

import asyncio
import concurrent.futures
import json
import logging
import multiprocessing
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from lsr_dsl.language.errors import closest
from lsr_dsl.rewards.remote import (
    ON_ERROR,
    RowsError,
    Scorer,
    ScoringOptions,
    check_errors,
    openrlhf_result,
    score_rows,
)
from lsr_dsl.version import __version__

__all__ = ["ServeConfig", "create_app"]

ROW_KEYS = ("response", "label", "spec", "ground_truth", "prompt")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
ENDPOINTS = ("/get_reward", "/score")
#: The same refusal is logged again only after this many seconds (a trainer retries and repeats itself).
LOG_REPEAT_SECONDS = 60.0

log = logging.getLogger("lsr_dsl.serve")


@dataclass(frozen=True)
class ServeConfig:
    """The server's settings (``lsr serve --help``)."""

    scoring: ScoringOptions = field(default_factory=ScoringOptions)
    on_error: str = "raise"
    workers: int = 2
    max_body_bytes: int = 16 * 1024 * 1024
    max_rows: int = 4096
    extra_logs: bool = True

    def __post_init__(self) -> None:
        if self.on_error not in ON_ERROR:
            raise ValueError(f"on_error must be one of {', '.join(ON_ERROR)}, not {self.on_error!r}")
        if self.workers < 0:
            raise ValueError("workers must be 0 (threads) or more")
        if self.max_body_bytes < 1 or self.max_rows < 1:
            raise ValueError("max_body_bytes and max_rows must be at least 1")


class HTTPProblem(Exception):
    """A request the server refuses: the status and a body that says why."""

    def __init__(self, status: int, message: str, rows: Sequence[Tuple[int, str]] = ()):
        super().__init__(message)
        self.status = status
        self.message = message
        self.rows = tuple(rows)

    def body(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {"error": self.message}
        if self.rows:
            d["rows"] = [{"row": i, "error": why} for i, why in self.rows]
        return d


# --------------------------------------------------------------------------- worker side
_SCORER: Optional[Scorer] = None


def _init_worker(options: ScoringOptions) -> None:
    global _SCORER
    _SCORER = Scorer(options)


def _score_chunk(rows: List[Tuple[str, Any, Any, Any]]) -> List[Dict[str, Any]]:
    assert _SCORER is not None, "worker not initialised"
    return score_rows(_SCORER, rows)


def _warm() -> bool:
    import lsr_dsl.constraints  # noqa: F401 - registers every family before the first request

    return _SCORER is not None


# --------------------------------------------------------------------------- metrics
class Metrics:
    """Counters and a latency histogram, rendered as Prometheus text. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Dict[Tuple[str, int], int] = {}
        self.rows: Dict[str, int] = {e: 0 for e in ENDPOINTS}
        self.row_errors: Dict[str, int] = {e: 0 for e in ENDPOINTS}
        self.buckets: Dict[str, List[int]] = {e: [0] * len(LATENCY_BUCKETS) for e in ENDPOINTS}
        self.latency_sum: Dict[str, float] = {e: 0.0 for e in ENDPOINTS}
        self.latency_count: Dict[str, int] = {e: 0 for e in ENDPOINTS}
        self.in_flight = 0

    def observe(self, endpoint: str, status: int, seconds: float, rows: int, row_errors: int) -> None:
        with self._lock:
            self.requests[(endpoint, status)] = self.requests.get((endpoint, status), 0) + 1
            self.rows[endpoint] += rows
            self.row_errors[endpoint] += row_errors
            for i, bound in enumerate(LATENCY_BUCKETS):
                if seconds <= bound:
                    self.buckets[endpoint][i] += 1
            self.latency_sum[endpoint] += seconds
            self.latency_count[endpoint] += 1

    def render(self, extra: Mapping[str, float] = {}) -> str:
        with self._lock:
            out = ["# HELP lsr_serve_requests_total Requests answered, by endpoint and HTTP status.",
                   "# TYPE lsr_serve_requests_total counter"]
            for (endpoint, status), n in sorted(self.requests.items()):
                out.append(f'lsr_serve_requests_total{{endpoint="{endpoint}",status="{status}"}} {n}')
            out += ["# HELP lsr_serve_rows_total Rows received in requests that were read.",
                    "# TYPE lsr_serve_rows_total counter"]
            out += [f'lsr_serve_rows_total{{endpoint="{e}"}} {n}' for e, n in self.rows.items()]
            out += ["# HELP lsr_serve_row_errors_total Rows that could not be scored (bad label, verifier error).",
                    "# TYPE lsr_serve_row_errors_total counter"]
            out += [f'lsr_serve_row_errors_total{{endpoint="{e}"}} {n}' for e, n in self.row_errors.items()]
            out += ["# HELP lsr_serve_request_seconds Time to answer a request.",
                    "# TYPE lsr_serve_request_seconds histogram"]
            for e in ENDPOINTS:
                for bound, n in zip(LATENCY_BUCKETS, self.buckets[e]):
                    out.append(f'lsr_serve_request_seconds_bucket{{endpoint="{e}",le="{bound}"}} {n}')
                out.append(f'lsr_serve_request_seconds_bucket{{endpoint="{e}",le="+Inf"}} {self.latency_count[e]}')
                out.append(f'lsr_serve_request_seconds_sum{{endpoint="{e}"}} {self.latency_sum[e]:.6f}')
                out.append(f'lsr_serve_request_seconds_count{{endpoint="{e}"}} {self.latency_count[e]}')
            out += ["# HELP lsr_serve_in_flight Requests being answered now.", "# TYPE lsr_serve_in_flight gauge",
                    f"lsr_serve_in_flight {self.in_flight}"]
            for name, value in extra.items():
                out += [f"# TYPE {name} gauge", f"{name} {value}"]
        return "\n".join(out) + "\n"


class RefusalLog:
    """Logs each refused request at WARNING, the same text at most once per ``LOG_REPEAT_SECONDS``
    (OpenRLHF logs what it gets back only at INFO, so the server's log is where a bad row shows)."""

    def __init__(self, max_keys: int = 1000):
        self._last: Dict[str, float] = {}
        self._max_keys = max_keys

    def __call__(self, endpoint: str, problem: "HTTPProblem") -> None:
        text = problem.message + "".join(f"; row {i}: {why}" for i, why in problem.rows[:5])
        now = time.monotonic()
        if now - self._last.get(text, -LOG_REPEAT_SECONDS) < LOG_REPEAT_SECONDS:
            return
        if len(self._last) >= self._max_keys:
            self._last.clear()
        self._last[text] = now
        log.warning("%s %d: %s", endpoint, problem.status, text)


# --------------------------------------------------------------------------- request bodies
async def read_json(request: Any, limit: int) -> Any:
    """The request's JSON body; 413 past ``limit`` bytes, 400 when it is not JSON."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPProblem(413, f"the request body is {int(declared)} bytes; the limit is {limit} (lsr serve --max-body-mb)")
    chunks: List[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPProblem(413, f"the request body is over {limit} bytes (lsr serve --max-body-mb)")
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise HTTPProblem(400, f"the body is not UTF-8 ({e.reason} at byte {e.start})") from None
    if not text.strip():
        raise HTTPProblem(400, "the body is empty; send a JSON object")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise HTTPProblem(400, f"malformed JSON at line {e.lineno}, column {e.colno}: {e.msg}") from None
    except RecursionError:
        raise HTTPProblem(400, "malformed JSON: nested too deeply") from None


def _object(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, dict):
        raise HTTPProblem(400, f"the body must be a JSON object, not {_json_type(body)}")
    return body


def _json_type(value: Any) -> str:
    return {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean",
            type(None): "null"}.get(type(value), type(value).__name__)


def _list_field(body: Mapping[str, Any], name: str, required: bool = True) -> Optional[list]:
    if name not in body:
        if not required:
            return None
        guess = closest(name, [k for k in body if isinstance(k, str)])
        hint = f" (did you mean {guess!r}?)" if guess else ""
        raise HTTPProblem(422, f"the body has no {name!r} field{hint}; fields: {', '.join(map(str, body)) or 'none'}")
    value = body[name]
    if not isinstance(value, list):
        raise HTTPProblem(422, f"{name!r} must be an array, not {_json_type(value)}")
    return value


def _check_rows(n: int, max_rows: int) -> None:
    if n > max_rows:
        raise HTTPProblem(413, f"the request has {n} rows; the limit is {max_rows} per request (lsr serve --max-rows)")


def openrlhf_rows(body: Any, max_rows: int) -> List[Tuple[str, Any, Any, Any]]:
    """``{"query", "prompts", "labels"}`` → rows; 4xx naming the field when the shape is wrong."""
    body = _object(body)
    queries = _list_field(body, "query")
    assert queries is not None
    _check_rows(len(queries), max_rows)
    labels = _list_field(body, "labels")
    assert labels is not None
    prompts = _list_field(body, "prompts", required=False)
    if prompts is None:
        prompts = [None] * len(queries)
    for name, values in (("prompts", prompts), ("labels", labels)):
        if len(values) != len(queries):
            raise HTTPProblem(422, f"{name!r} has {len(values)} entries for {len(queries)} queries")
    bad = [(i, f"'query' must be a string, not {_json_type(q)}") for i, q in enumerate(queries) if not isinstance(q, str)]
    bad += [(i, f"'prompts' entries must be strings, not {_json_type(p)}") for i, p in enumerate(prompts)
            if p is not None and not isinstance(p, str)]
    if bad:
        raise HTTPProblem(422, "malformed rows", sorted(bad))
    return [("query", q, p, label) for q, p, label in zip(queries, prompts, labels)]


def native_rows(body: Any, max_rows: int) -> List[Tuple[str, Any, Any, Any]]:
    """``{"rows": [{"response", "label"|"spec"|"ground_truth", "prompt"?}]}`` → rows."""
    body = _object(body)
    items = _list_field(body, "rows")
    assert items is not None
    _check_rows(len(items), max_rows)
    rows: List[Tuple[str, Any, Any, Any]] = []
    bad: List[Tuple[int, str]] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            bad.append((i, f"a row must be an object, not {_json_type(item)}"))
            continue
        unknown = [k for k in item if k not in ROW_KEYS]
        if unknown:
            guess = closest(str(unknown[0]), ROW_KEYS)
            bad.append((i, f"unknown field {unknown[0]!r}" + (f" (did you mean {guess!r}?)" if guess else "")
                        + f"; a row has {', '.join(ROW_KEYS)}"))
            continue
        given = [k for k in ("label", "spec", "ground_truth") if k in item]
        response, prompt = item.get("response"), item.get("prompt")
        if not isinstance(response, str):
            bad.append((i, "'response' must be a string" + (" (missing)" if response is None else f", not {_json_type(response)}")))
        elif len(given) != 1:
            bad.append((i, "give exactly one of 'label', 'spec', 'ground_truth'" + (f" (got {', '.join(given)})" if given else "")))
        elif prompt is not None and not isinstance(prompt, str):
            bad.append((i, f"'prompt' must be a string, not {_json_type(prompt)}"))
        else:
            rows.append(("response", response, prompt, item[given[0]]))
    if bad:
        raise HTTPProblem(422, "malformed rows", bad)
    return rows


# --------------------------------------------------------------------------- the pool
class ScoringPool:
    """Worker processes (or threads) that score chunks of rows; rebuilt if a worker process dies."""

    def __init__(self, options: ScoringOptions, workers: int):
        self.options = options
        self.workers = workers
        self._executor: Optional[concurrent.futures.Executor] = None

    def start(self) -> None:
        if self.workers == 0:
            _init_worker(self.options)
            self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="lsr-score")
        else:
            self._executor = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker, initargs=(self.options,))
        for f in [self._executor.submit(_warm) for _ in range(max(self.workers, 1))]:
            f.result()

    def pids(self) -> List[int]:
        """The worker processes' ids (none with threads)."""
        processes = getattr(self._executor, "_processes", None) or {}
        return sorted(processes)

    def stop(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def _chunks(self, rows: Sequence[Any]) -> List[List[Any]]:
        slots = max(self.workers, 1) * 4
        size = max(1, min(64, -(-len(rows) // slots)))
        return [list(rows[i:i + size]) for i in range(0, len(rows), size)]

    async def score(self, rows: Sequence[Any]) -> List[Dict[str, Any]]:
        if self._executor is None:
            raise HTTPProblem(503, "the server is not started")
        loop = asyncio.get_running_loop()
        executor = self._executor
        try:
            parts = await asyncio.gather(*(loop.run_in_executor(executor, _score_chunk, c) for c in self._chunks(rows)))
        except BrokenProcessPool:
            self.stop()
            self.start()
            raise HTTPProblem(503, "a scoring worker died (out of memory?); the pool was restarted, retry the request") from None
        return [r for part in parts for r in part]


# --------------------------------------------------------------------------- the app
def create_app(config: ServeConfig = ServeConfig()) -> Any:
    """The ASGI app. Its worker pool starts and stops with the app's lifespan."""
    import contextlib

    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse, PlainTextResponse

    pool = ScoringPool(config.scoring, config.workers)
    metrics = Metrics()
    refusals = RefusalLog()

    @contextlib.asynccontextmanager
    async def lifespan(app: Any):
        await asyncio.get_running_loop().run_in_executor(None, pool.start)
        try:
            yield
        finally:
            pool.stop()

    app = FastAPI(title="lsr serve", version=__version__, lifespan=lifespan,
                  description="LsRM rewards over HTTP: OpenRLHF's /get_reward and the native /score.")
    app.state.config = config
    app.state.metrics = metrics
    app.state.pool = pool

    async def answer(endpoint: str, request: Request, parse, shape) -> Any:
        start = time.perf_counter()
        metrics.in_flight += 1
        n_rows = n_errors = 0
        status = 200
        try:
            body = await read_json(request, config.max_body_bytes)
            rows = parse(body, config.max_rows)
            n_rows = len(rows)
            results = await pool.score(rows) if rows else []
            n_errors = sum(1 for r in results if r.get("error") is not None)
            try:
                check_errors(results, config.on_error)
            except RowsError as e:
                raise HTTPProblem(422, f"{len(e.rows)} of {n_rows} rows could not be scored "
                                  "(lsr serve --on-error zero scores them 0.0 instead)", e.rows) from None
            response = JSONResponse(shape(results))
        except HTTPProblem as e:
            status = e.status
            refusals(endpoint, e)
            response = JSONResponse(e.body(), status_code=e.status)
        except Exception as e:  # noqa: BLE001 - say what went wrong instead of a bare 500
            status = 500
            log.exception("%s: internal error", endpoint)
            response = JSONResponse({"error": f"internal error: {type(e).__name__}: {e}"}, status_code=500)
        finally:
            metrics.in_flight -= 1
        metrics.observe(endpoint, status, time.perf_counter() - start, n_rows, n_errors)
        return response

    def openrlhf_shape(results: List[Dict[str, Any]]) -> Dict[str, Any]:
        out = openrlhf_result(results)
        if not config.extra_logs:
            del out["extra_logs"]
        return out

    def native_shape(results: List[Dict[str, Any]]) -> Dict[str, Any]:
        for r in results:
            r.pop("leaf_pass_rate", None)
        return {"results": results}

    @app.post("/get_reward", summary="OpenRLHF remote reward: {query, prompts, labels} → {rewards, scores, extra_logs}")
    async def get_reward(request: Request) -> Any:
        return await answer("/get_reward", request, openrlhf_rows, openrlhf_shape)

    @app.post("/score", summary="Score rows {response, label, prompt?} → per-row score, all_pass and leaves")
    async def score(request: Request) -> Any:
        return await answer("/score", request, native_rows, native_shape)

    @app.get("/health")
    async def health() -> Any:
        return {"status": "ok", "version": __version__, "workers": config.workers, "on_error": config.on_error,
                "mode": config.scoring.mode, "gamma": config.scoring.gamma, "max_rows": config.max_rows,
                "max_body_bytes": config.max_body_bytes}

    @app.get("/metrics")
    async def prometheus() -> Any:
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")

    return app
