"""Run verl's own reward managers on lsr's verl adapter and record how they call it.

Reference: verl 0.9.1 from PyPI (``pip install --no-deps verl==0.9.1`` plus what its reward
managers import: tensordict, ray, omegaconf, codetiming, … — see docs/training.md), in a
throwaway environment outside the project, e.g.::

    python3 -m venv /tmp/verl-ref/venv
    # torch/numpy/transformers from the project's venv: a .pth file naming its site-packages
    /tmp/verl-ref/venv/bin/pip install --no-deps verl==0.9.1 tensordict ray msgpack protobuf \
        requests urllib3 pyvers cloudpickle omegaconf antlr4-python3-runtime==4.9.3 aiohttp multidict \
        yarl propcache aiohappyeyeballs aiosignal frozenlist codetiming orjson
    .venv/bin/python tools/verl_reference.py --verl-site /tmp/verl-ref/venv/lib/python3.11/site-packages

It runs under the project's own Python (lsr as installed there) and appends verl's
site-packages to the path: nothing is installed into the project's environment.

No Ray cluster: verl's ``DataProto`` is built in-process and handed to

- ``verl.workers.reward_manager.naive.NaiveRewardManager`` (legacy, one call per row),
- ``verl.workers.reward_manager.batch.BatchRewardManager`` (legacy, one call per batch),
- ``verl.experimental.reward_loop.reward_manager.naive.NaiveRewardManager`` (0.9's default
  reward loop: ``run_single`` per row, the function run in a thread pool, rows in flight together),

each with the function loaded the way verl loads it (``get_custom_reward_fn``: by file path,
``reward_kwargs`` bound with ``functools.partial``). A recorder between verl and the function
writes down every call's keyword arguments (with their exact types: numpy arrays, dicts) and
what verl made of the result. The record goes to ``tests/fixtures/verl/verl_0_9_1_calls.json``;
``tests/test_verl_reference.py`` replays those calls against lsr without verl installed.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

import numpy as np  # noqa: E402
import torch  # noqa: E402

DEFAULT_VERL_SITE = "/tmp/verl-ref/venv/lib/python3.11/site-packages"

EOS, PAD = 256, 257


class ByteTokenizer:
    """UTF-8 bytes as token ids, plus end-of-sequence and padding ids (what verl needs: decode)."""

    def encode(self, text: str) -> list:
        return list(text.encode("utf-8"))

    def decode(self, ids, skip_special_tokens: bool = False) -> str:
        ids = [int(i) for i in ids]
        out = bytes(i for i in ids if i < 256).decode("utf-8", errors="replace")
        if not skip_special_tokens:
            out += "".join("<eos>" if i == EOS else "<pad>" for i in ids if i >= 256)
        return out


def ast_spec() -> str:
    """An lsr spec as AST JSON text (``lsr compile --emit ast``)."""
    import lsr_dsl
    from lsr_dsl.language.interchange import to_json

    return json.dumps(to_json(lsr_dsl.loads("no_comma AND words <= 6"), spans=False))


def rows():
    """(ground_truth, extra_info, [responses]) in every form the adapter reads."""
    rlvr = [json.loads(line) for line in (ROOT / "tests/fixtures/eval/rlvr.jsonl").read_text(encoding="utf-8").splitlines()]
    cases = []
    answers = {
        "gt1": ["<<My Title>>\nHello there. Bye.", "No title here, sorry"],
        "gt2": ["no commas at all", "one, two"],
        "gt3": ["alpha and beta", "only alpha"],
        "gt4": ["one two three four five six seven eight nine ten", "too short"],
        "gt5": ["a.b and c", "nothing"],
        "gt6": ["<<Title>> body", "plain"],
    }
    for r in rlvr:
        cases.append((r["ground_truth"], {"index": r["id"], "split": "train"}, answers[r["id"]]))
    cases += [
        ({"instruction_id_list": ["punctuation:no_comma", "change_case:english_lowercase"], "kwargs": [{}, {}]},
         {"index": "ifeval-dict"}, ["all lower no commas", "Upper, Case"]),
        ("words >= 3 AND no_comma", {"index": "lsr-source"}, ["one two three", "one, two"]),
        ("(words >= 3 AND no_comma) THEN[gamma=0] words <= 8 THEN[gamma=0] ends_with(\".\")",
         {"index": "lsr-then"}, ["one two three four.", "one, two three four five six seven eight nine."]),
        (ast_spec(), {"index": "lsr-ast"}, ["short one", "a, b, c, d, e, f, g"]),
        (json.dumps({"spec": 'IF prompt contains("code") THEN words <= 3 ELSE no_comma', "prompt": "write code"}),
         {"index": "lsr-wrapper"}, ["a b c", "a b c d"]),
        ('IF prompt contains("code") THEN words <= 3 ELSE no_comma', {"index": "lsr-extra-prompt", "prompt": "chat"},
         ["one, two", "no comma here"]),
    ]
    out = []
    for gt, extra, responses in cases:
        for resp in responses:
            out.append({"ground_truth": gt, "extra_info": dict(extra), "response": resp, "prompt": "Prompt text."})
    return out


def data_proto(items):
    from verl import DataProto

    tok = ByteTokenizer()
    p_ids = [tok.encode(it["prompt"]) for it in items]
    r_ids = [tok.encode(it["response"]) + [EOS] for it in items]
    P, R = max(map(len, p_ids)), max(map(len, r_ids))
    prompts = torch.full((len(items), P), PAD, dtype=torch.long)
    responses = torch.full((len(items), R), PAD, dtype=torch.long)
    mask = torch.zeros((len(items), P + R), dtype=torch.long)
    for i, (p, r) in enumerate(zip(p_ids, r_ids)):
        prompts[i, P - len(p):] = torch.tensor(p)  # prompts left-padded, responses right-padded
        responses[i, : len(r)] = torch.tensor(r)
        mask[i, P - len(p): P] = 1
        mask[i, P: P + len(r)] = 1
    non_tensors = {
        "data_source": np.array(["lsr_ifeval"] * len(items), dtype=object),
        "reward_model": np.array([{"ground_truth": it["ground_truth"], "style": "rule"} for it in items], dtype=object),
        "extra_info": np.array([dict(it["extra_info"]) for it in items], dtype=object),
    }
    tensors = {"prompts": prompts, "responses": responses, "attention_mask": mask,
               "input_ids": torch.cat([prompts, responses], dim=1)}
    return DataProto.from_dict(tensors=tensors, non_tensors=non_tensors)


def encode(value):
    """JSON with the types kept: numpy arrays and scalars are tagged."""
    if isinstance(value, np.ndarray):
        return {"__ndarray__": [encode(v) for v in value.tolist()] if value.dtype != object
                else [encode(value[i]) for i in range(len(value))], "dtype": str(value.dtype)}
    if isinstance(value, np.generic):
        return {"__npscalar__": value.item(), "dtype": str(value.dtype)}
    if isinstance(value, dict):
        return {"__dict__": {str(k): encode(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return {"__repr__": repr(value), "type": type(value).__name__}


class Recorder:
    def __init__(self, fn):
        self.fn = fn
        self.calls = []

    def __call__(self, *args, **kwargs):  # called from verl's worker threads: one entry per call
        entry = {"args": [encode(a) for a in args], "kwargs": {k: encode(v) for k, v in kwargs.items()},
                 "types": {k: type(v).__name__ for k, v in kwargs.items()}}
        self.calls.append(entry)
        result = self.fn(*args, **kwargs)
        entry["result"] = encode(result)
        return result


def load_fn(name, reward_kwargs):
    from omegaconf import OmegaConf
    from verl.trainer.ppo.reward import get_custom_reward_fn

    cfg = OmegaConf.create({"reward": {"custom_reward_function": {
        "path": str(ROOT / "lsr_dsl/rewards/verl.py"), "name": name, "reward_kwargs": reward_kwargs}}})
    return get_custom_reward_fn(cfg)


def tensor_scores(reward_tensor):
    return [float(row.sum()) for row in reward_tensor]


def run_all(items):
    from verl.experimental.reward_loop.reward_manager.naive import NaiveRewardManager as LoopNaive
    from verl.workers.reward_manager.batch import BatchRewardManager
    from verl.workers.reward_manager.naive import NaiveRewardManager

    tok = ByteTokenizer()
    out = {}
    for name in ("compute_score", "compute_score_detailed"):
        rec = Recorder(load_fn(name, {}))
        res = NaiveRewardManager(tok, 0, compute_score=rec)(data_proto(items), return_dict=True)
        out[f"legacy_naive/{name}"] = {"calls": rec.calls, "scores": tensor_scores(res["reward_tensor"]),
                                       "reward_extra_info": {k: encode(v) for k, v in res["reward_extra_info"].items()}}
        rec = Recorder(load_fn(name, {}))
        res = BatchRewardManager(tok, 0, compute_score=rec)(data_proto(items), return_dict=True)
        out[f"legacy_batch/{name}"] = {"calls": rec.calls, "scores": tensor_scores(res["reward_tensor"]),
                                       "reward_extra_info": {k: encode(v) for k, v in res["reward_extra_info"].items()}}
        rec = Recorder(load_fn(name, {}))
        mgr = LoopNaive(config=None, tokenizer=tok, compute_score=rec)
        data = data_proto(items)

        async def all_rows():  # rows in flight together, as the reward loop's workers run them
            return await asyncio.gather(*(mgr.run_single(data[i:i + 1]) for i in range(len(data))))

        results = mgr.loop.run_until_complete(all_rows())
        out[f"reward_loop_naive/{name}"] = {
            "calls": sorted(rec.calls, key=lambda c: json.dumps(c["kwargs"], sort_keys=True)),
            "scores": [float(r["reward_score"]) for r in results],
            "reward_extra_info_keys": sorted(results[0]["reward_extra_info"]),
        }
    # a row the adapter cannot read, through the batch manager: the default raises, on_error zero scores 0
    bad = items[:2] + [dict(items[0], ground_truth="[{'instruction_id': ['punctuation:no_coma'], 'kwargs': [None]}]")]
    for kwargs in ({}, {"on_error": "zero"}):
        rec = Recorder(load_fn("compute_score_detailed", kwargs))
        try:
            res = BatchRewardManager(tok, 0, compute_score=rec)(data_proto(bad), return_dict=True)
            outcome = {"scores": tensor_scores(res["reward_tensor"]),
                       "error": [float(x) for x in res["reward_extra_info"]["error"]]}
        except Exception as exc:  # what verl lets through to the trainer
            outcome = {"raised": type(exc).__name__, "message": str(exc)}
        out[f"bad_row/{json.dumps(kwargs)}"] = dict(outcome, calls=rec.calls)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "tests/fixtures/verl/verl_0_9_1_calls.json"))
    ap.add_argument("--verl-site", default=DEFAULT_VERL_SITE, help="site-packages of the environment holding verl")
    args = ap.parse_args()
    sys.path.append(args.verl_site)  # after the project's own paths: lsr and torch come from the project
    import verl

    import hashlib

    items = rows()
    base = Path(verl.__file__).parent
    used = ["workers/reward_manager/naive.py", "workers/reward_manager/batch.py",
            "experimental/reward_loop/reward_manager/naive.py", "trainer/ppo/reward.py", "protocol.py"]
    record = {"reference": f"verl {verl.__version__} (PyPI wheel), run by tools/verl_reference.py",
              "sha256": {f: hashlib.sha256((base / f).read_bytes()).hexdigest() for f in used},
              "rows": items, "managers": run_all(items)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for k, v in record["managers"].items():
        print(f"{k}: {len(v['calls'])} call(s)", "scores" if "scores" in v else v.get("raised"))


if __name__ == "__main__":
    main()
