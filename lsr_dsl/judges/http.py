"""A judge served by another process through an OpenAI-compatible API (vLLM, TGI, llama.cpp, …).

Each question is one ``POST {base_url}/chat/completions`` asking for one token with its top
log-probabilities; a batch is sent as concurrent requests over a bounded pool. P(YES) is read from
the log-probabilities of the first answer token: tokens that spell the start of "yes" (``Y``,
``yes``, `` Yes``…) against those that spell the start of "no". A server that returns no
log-probabilities is read from its text: YES → 1.0, NO → 0.0, anything else is an error.

Timeouts, connection errors, HTTP 429 and 5xx are retried with exponential back-off; what still
fails is an :class:`~lsr_dsl.language.errors.LsrRuntimeError` naming the judge's URL and the cause.
``httpx`` is imported when the judge first runs.
"""
from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Sequence, Tuple

from lsr_dsl.judges.causal_lm import DEFAULT_TEMPLATE, template_digest
from lsr_dsl.language.errors import LsrRuntimeError

_RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


def _side(token: str) -> Optional[bool]:
    """True for a token that starts "yes", False for one that starts "no", None otherwise."""
    t = token.strip().strip(".,!:;\"'").lower()
    if t and "yes".startswith(t):
        return True
    if t and "no".startswith(t):
        return False
    return None


def p_yes_from_top_logprobs(top: Sequence[Dict[str, Any]]) -> Optional[float]:
    """P(YES) from ``[{"token", "logprob"}, …]``; None when no YES- or NO-like token is among them."""
    yes = [float(e["logprob"]) for e in top if _side(str(e.get("token", ""))) is True]
    no = [float(e["logprob"]) for e in top if _side(str(e.get("token", ""))) is False]
    if not yes and not no:
        return None
    py = sum(math.exp(x) for x in yes)
    pn = sum(math.exp(x) for x in no)
    if py + pn == 0.0:
        return 0.5
    return py / (py + pn)


class OpenAIJudge:
    """P(YES) from an OpenAI-compatible chat-completions endpoint.

    ``base_url`` is the API root (``http://127.0.0.1:8000/v1``); ``model`` the served model's name.
    ``concurrency`` bounds the requests in flight; ``timeout`` is per request in seconds;
    ``retries`` extra attempts after the first, waiting ``backoff · 2^k`` seconds.
    """

    def __init__(self, base_url: str, *, model: Optional[str] = None, timeout: float = 30.0, retries: int = 2,
                 backoff: float = 0.5, concurrency: int = 8, top_logprobs: int = 20,
                 template: str = DEFAULT_TEMPLATE, api_key: Optional[str] = None, max_response_chars: int = 20_000) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, not {base_url!r}")
        if concurrency < 1 or retries < 0 or timeout <= 0 or top_logprobs < 0:
            raise ValueError("concurrency >= 1, retries >= 0, timeout > 0 and top_logprobs >= 0 are required")
        if "{question}" not in template or "{response}" not in template:
            raise ValueError("template must contain {question} and {response}")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.concurrency = int(concurrency)
        self.top_logprobs = int(top_logprobs)
        self.template = template
        self.api_key = api_key
        self.max_response_chars = max_response_chars
        self.requests = 0
        self.judge_id = f"http:{self.base_url}#{model or ''}|{template_digest(template)}"
        self._client: Any = None

    def __repr__(self) -> str:
        return f"OpenAIJudge({self.base_url!r}, model={self.model!r})"

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_client"] = None
        return state

    def _http(self) -> Any:
        if self._client is None:
            import httpx  # noqa: WPS433  (lazy by design)

            headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
            limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
            self._client = httpx.Client(timeout=self.timeout, headers=headers, limits=limits)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _body(self, question: str, response: str) -> Dict[str, Any]:
        if len(response) > self.max_response_chars:
            response = response[: self.max_response_chars] + "\n[…truncated]"
        body: Dict[str, Any] = {
            "messages": [{"role": "user", "content": self.template.format(question=question, response=response)}],
            "max_tokens": 1,
            "temperature": 0.0,
        }
        if self.model:
            body["model"] = self.model
        if self.top_logprobs:
            body["logprobs"] = True
            body["top_logprobs"] = self.top_logprobs
        return body

    def _post(self, body: Dict[str, Any]) -> Dict[str, Any]:
        import httpx  # noqa: WPS433

        url = f"{self.base_url}/chat/completions"
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                self.requests += 1
                reply = self._http().post(url, json=body)
            except httpx.TimeoutException:
                last = f"no answer within {self.timeout:g} s (timeout)"
                continue
            except httpx.HTTPError as e:
                last = f"{type(e).__name__}: {e}"
                continue
            if reply.status_code in _RETRYABLE_STATUS:
                last = f"HTTP {reply.status_code}: {reply.text[:200]}"
                continue
            if reply.status_code >= 400:
                raise LsrRuntimeError(f"judge {self.base_url} failed: HTTP {reply.status_code}: {reply.text[:200]}")
            try:
                return reply.json()
            except ValueError:
                raise LsrRuntimeError(f"judge {self.base_url} failed: the reply is not JSON: {reply.text[:200]!r}") from None
        raise LsrRuntimeError(f"judge {self.base_url} failed after {self.retries + 1} attempts: {last}")

    def _read(self, reply: Dict[str, Any]) -> float:
        try:
            choice = reply["choices"][0]
        except (KeyError, IndexError, TypeError):
            raise LsrRuntimeError(f"judge {self.base_url} failed: a reply without choices: {str(reply)[:200]}") from None
        content = ((choice.get("logprobs") or {}).get("content") or [])
        if content:
            p = p_yes_from_top_logprobs(content[0].get("top_logprobs") or [content[0]])
            if p is not None:
                return p
        text = str((choice.get("message") or {}).get("content") or choice.get("text") or "")
        side = _side(text.split()[0]) if text.split() else None
        if side is None:
            raise LsrRuntimeError(f"judge {self.base_url} failed: answered {text[:40]!r}, neither YES nor NO, "
                                  "and gave no YES/NO log-probabilities")
        return 1.0 if side else 0.0

    def _one(self, pair: Tuple[str, str]) -> float:
        return self._read(self._post(self._body(*pair)))

    def __call__(self, question: str, response: str) -> float:
        return self._one((question, response))

    def judge_batch(self, pairs: Sequence[Tuple[str, str]]) -> List[float]:
        pairs = list(pairs)
        if len(pairs) <= 1:
            return [self._one(p) for p in pairs]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(pairs))) as pool:
            return list(pool.map(self._one, pairs))
