"""Run OpenRLHF's own reward-client code against ``lsr serve`` and lsr's ``reward_func`` file.

    .venv/bin/python tools/openrlhf_reference.py            # set up /tmp/serve-ref, run both versions, write the fixture

Reference: the PyPI releases openrlhf 0.11.2 and 0.8.11, installed with ``--no-deps``
into throwaway venvs under /tmp/serve-ref/ (plus aiohttp, resp. requests), outside the
project. Their client modules are loaded from there by path, without running the
package ``__init__`` files (which import deepspeed and vLLM); torch and transformers
come from this project's venv.

- **0.11.2**: ``openrlhf.utils.agent.SingleTurnAgentExecutor.execute`` runs for real:
  it tokenizes the prompt with lsr's tiny-model tokenizer, "generates" (a stand-in
  for vLLM's engine returns the token ids of a fixed response plus ``<|eos|>``),
  decodes ``prompt_ids + generated_ids`` with special tokens and posts one row to
  ``/get_reward`` with aiohttp, or calls the ``reward_func`` file in a thread.
- **0.8.11**: ``openrlhf.utils.remote_rm_utils.request_api_wrapper`` posts the whole
  batch with requests; its ``RemoteRewardModel.get_rewards`` calls the ``reward_func``
  file. ``ray`` is replaced by a stand-in whose ``remote``/``get`` call directly (the
  module uses ray only to schedule these calls). The answers then go through
  ``update_samples_with_rewards`` from 0.8.11's ``experience_maker.py`` (the function
  alone, read from the file, run with torch), which is where ``extra_logs`` must be
  tensors: with the server's default JSON lists it raises, hence ``--no-extra-logs``.

The rewards OpenRLHF ends up with are written to tests/fixtures/openrlhf_reference.json
(rows + rewards), which tests/test_serve.py checks against in-process scores.
"""
from __future__ import annotations

import ast
import asyncio
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REF = Path("/tmp/serve-ref")
VERSIONS = {"0.11.2": ("v11", "aiohttp"), "0.8.11": ("v8", "requests")}
FIXTURE = ROOT / "tests" / "fixtures" / "openrlhf_reference.json"
REWARD_FILE = ROOT / "lsr_dsl" / "rewards" / "openrlhf.py"

ROWS = [  # (user message, response, label)
    ("Write three words.", "one two three", "words == 3"),
    ("Say bye at the end.", "well then, good bye", 'ends_with("bye")'),
    ("No commas please.", "a, b", '[{"instruction_id": ["punctuation:no_comma"], "kwargs": [null]}]'),
    ("lowercase only", "all lower here", '{"func_name": "validate_lowercase"}'),
    ("Two steps.", "alpha beta gamma.", 'words >= 2 THEN ends_with("done")'),
    ("Keywords.", "an apple and a pear", '[{"instruction_id": ["keywords:existence"], "kwargs": [{"keywords": ["apple", "plum"]}]}]'),
]


def setup() -> None:
    for version, (name, extra) in VERSIONS.items():
        venv = REF / name
        if not (venv / "bin" / "python").exists():
            subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-deps", f"openrlhf=={version}"], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", extra], check=True)


def site_packages(name: str) -> Path:
    return next((REF / name / "lib").glob("python3*/site-packages"))


def load_openrlhf(name: str) -> Path:
    """Make ``openrlhf.*`` submodules importable from the reference venv without its ``__init__`` files."""
    sp = site_packages(name)
    sys.path.append(str(sp))
    base = sp / "openrlhf"
    for pkg in ("openrlhf", "openrlhf.utils", "openrlhf.trainer", "openrlhf.trainer.ppo_utils"):
        module = types.ModuleType(pkg)
        module.__path__ = [str(base.joinpath(*pkg.split(".")[1:]))]
        sys.modules[pkg] = module
    return base


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(*flags: str):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "lsr_dsl.cli", "serve", "--port", str(port), "--workers", "0",
                             "--log-level", "warning", *flags], stderr=subprocess.DEVNULL)
    import httpx

    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc, f"http://127.0.0.1:{port}/get_reward"
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("lsr serve did not start")


def stop(proc) -> None:
    proc.send_signal(signal.SIGINT)
    proc.wait(30)


def tiny_tokenizer():
    from lsr_dsl.training.tiny_model import build_tokenizer

    return build_tokenizer()


def check_0_11_2() -> list:
    load_openrlhf("v11")
    agent = importlib.import_module("openrlhf.utils.agent")
    tok = tiny_tokenizer()
    out = []

    class Engine:  # stands in for vLLM: "generates" the row's response followed by <|eos|>
        def __init__(self, response: str):
            self.ids = tok(text=response, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]

        async def generate(self, prompt_ids, params, multi_modal_data=None):
            output = types.SimpleNamespace(token_ids=self.ids, finish_reason="stop", logprobs=None)
            return types.SimpleNamespace(outputs=[output])

    params = types.SimpleNamespace(max_tokens=64, logprobs=None)
    server, url = start_server()
    try:
        for target, tag in ((url, "http"), (str(REWARD_FILE), "reward_func")):
            executor = agent.SingleTurnAgentExecutor(remote_rm_url=target)
            for user, response, label in ROWS:
                prompt = tok.apply_chat_template([{"role": "user", "content": user}], tokenize=False, add_generation_prompt=True)
                result = asyncio.run(executor.execute(prompt, label, params, 256, tok, Engine(response)))
                reward = result["reward"]
                assert reward is not None, f"OpenRLHF 0.11.2 got no reward ({tag}) for {label!r}"
                value = float(reward[0])
                query = tok.decode(result["observation_tokens"], skip_special_tokens=False)
                assert query.endswith("<|eos|>"), query
                logs = {k: float(v[0]) for k, v in result["extra_logs"].items()}
                assert set(logs) == {"lsr_all_pass", "lsr_error", "lsr_leaf_pass_rate"}, logs
                out.append({"openrlhf": "0.11.2", "via": tag, "query": query, "prompt": prompt, "label": label,
                            "response": response, "reward": value})
    finally:
        stop(server)
    return out


class _RayStandIn(types.ModuleType):
    """``ray.remote`` / ``.remote()`` / ``ray.get`` as direct calls (remote_rm_utils uses nothing else)."""

    def __init__(self):
        super().__init__("ray")

    @staticmethod
    def remote(fn):
        if isinstance(fn, type):
            return fn
        return types.SimpleNamespace(remote=lambda *a, **k: fn(*a, **k))

    @staticmethod
    def get(value):
        return value


def update_samples_with_rewards(base: Path):
    """0.8.11's function, read from its experience_maker.py and run on its own with torch."""
    import torch

    source = (base / "trainer" / "ppo_utils" / "experience_maker.py").read_text()
    tree = ast.parse(source)
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "update_samples_with_rewards")
    namespace = {"torch": torch}
    exec(compile(ast.Module(body=[fn], type_ignores=[]), "experience_maker.py", "exec"), namespace)
    return namespace["update_samples_with_rewards"]


def check_0_8_11() -> list:
    sys.modules["ray"] = _RayStandIn()
    base = load_openrlhf("v8")
    rm = importlib.import_module("openrlhf.utils.remote_rm_utils")
    update = update_samples_with_rewards(base)
    prompt_of = lambda user: f"<|user|>\n{user}<|eos|>\n<|assistant|>\n"  # noqa: E731
    queries = ["<|bos|>" + prompt_of(u) + r + "<|eos|>" for u, r, _ in ROWS]
    prompts = [prompt_of(u) for u, _, _ in ROWS]
    labels = [lab for _, _, lab in ROWS]
    out = []

    def samples():
        return [types.SimpleNamespace(sequences=[0] * len(ROWS), info={})]

    server, url = start_server()
    try:
        answer = rm.request_api_wrapper(url, {"query": queries, "prompts": prompts, "labels": labels})
        try:
            update([answer], samples())
            raise SystemExit("expected 0.8.11 to fail on JSON-list extra_logs")
        except TypeError as e:
            print(f"0.8.11 + default extra_logs: {type(e).__name__}: {e}  (use --no-extra-logs)")
    finally:
        stop(server)
    server, url = start_server("--no-extra-logs")
    try:
        answer = rm.request_api_wrapper(url, {"query": queries, "prompts": prompts, "labels": labels})
        (sample,) = update([answer], samples())
        for q, p, lab, (_, r, _), v in zip(queries, prompts, labels, ROWS, sample.rewards.tolist()):
            out.append({"openrlhf": "0.8.11", "via": "http", "query": q, "prompt": p, "label": lab, "response": r, "reward": v})
    finally:
        stop(server)
    model = rm.RemoteRewardModel(types.SimpleNamespace(micro_rollout_batch_size=4), str(REWARD_FILE))
    (sample,) = update(model.get_rewards(queries, prompts, labels), samples())
    assert set(sample.info) >= {"lsr_all_pass", "lsr_error", "lsr_leaf_pass_rate"}, sample.info
    for q, p, lab, (_, r, _), v in zip(queries, prompts, labels, ROWS, sample.rewards.tolist()):
        out.append({"openrlhf": "0.8.11", "via": "reward_func", "query": q, "prompt": p, "label": lab, "response": r, "reward": v})
    return out


def main() -> int:
    if len(sys.argv) > 3 and sys.argv[1] == "--check":
        rows = check_0_11_2() if sys.argv[2] == "0.11.2" else check_0_8_11()
        Path(sys.argv[3]).write_text(json.dumps(rows))
        return 0
    setup()
    rows = []
    for version in VERSIONS:
        with tempfile.TemporaryDirectory() as tmp:
            got = Path(tmp) / "rows.json"
            subprocess.run([sys.executable, __file__, "--check", version, str(got)], check=True, cwd=ROOT)
            rows += json.loads(got.read_text())
    FIXTURE.write_text(json.dumps({"reference": {v: f"openrlhf=={v} (PyPI)" for v in VERSIONS}, "rows": rows},
                                  indent=1, ensure_ascii=False) + "\n")
    print(f"{len(rows)} rewards as OpenRLHF received them → {FIXTURE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())
