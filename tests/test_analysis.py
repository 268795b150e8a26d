"""lsr analyze: parameter change (Eq. 5) and prompt-token saliency (Eqs. 7-9) on tiny local models."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
pytest.importorskip("captum")
from safetensors.numpy import save_file  # noqa: E402

from lsr_dsl.analysis.categories import CONNECTOR, CONSTRAINT, OTHER, categorize, spec_words  # noqa: E402
from lsr_dsl.analysis.checkpoint import open_checkpoint  # noqa: E402
from lsr_dsl.analysis.names import Cell, locate  # noqa: E402
from lsr_dsl.analysis.params import compare  # noqa: E402
from lsr_dsl.analysis.saliency import attribute, load_model, saliency  # noqa: E402
from lsr_dsl.cli.main import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from lsr_dsl.training.tiny_model import make_tiny_model

    d = tmp_path_factory.mktemp("analysis") / "tiny"
    make_tiny_model(d)
    return d


def _state(folder: Path) -> dict:
    from safetensors.numpy import load_file

    return load_file(str(folder / "model.safetensors"))


def _copy_model(src: Path, dst: Path, state: dict) -> Path:
    """``src``'s config and tokenizer with the weights ``state``."""
    dst.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.is_file() and f.name != "model.safetensors":
            (dst / f.name).write_bytes(f.read_bytes())
    save_file(state, str(dst / "model.safetensors"), metadata={"format": "pt"})
    return dst


def _run(argv, capsys):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def _rows(path: Path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name, shape, cells",
    [
        ("model.layers.3.self_attn.q_proj.weight", (8, 8), (Cell(3, "q"),)),  # Llama, Qwen2/3
        ("model.layers.0.self_attn.o_proj.weight", (8, 8), (Cell(0, "o"),)),
        ("model.layers.11.mlp.gate_proj.weight", (16, 8), (Cell(11, "gate"),)),
        ("model.layers.2.mlp.down_proj.weight", (8, 16), (Cell(2, "down"),)),
        ("model.decoder.layers.1.self_attn.out_proj.weight", (8, 8), (Cell(1, "o"),)),  # OPT
        ("transformer.h.5.attn.c_proj.weight", (8, 8), (Cell(5, "o"),)),  # GPT-2
        ("h.0.mlp.c_fc.weight", (8, 32), (Cell(0, "up"),)),  # GPT-2 without the transformer. prefix
        ("transformer.h.1.mlp.c_proj.weight", (32, 8), (Cell(1, "down"),)),
        ("transformer.h.1.mlp.w2.weight", (16, 8), (Cell(1, "gate"),)),  # Qwen (first generation)
        ("transformer.h.2.attn.c_attn.weight", (8, 24),  # GPT-2 Conv1D [in, 3*out]
         (Cell(2, "q", (1, 0, 8)), Cell(2, "k", (1, 8, 16)), Cell(2, "v", (1, 16, 24)))),
        ("transformer.h.2.attn.c_attn.weight", (24, 8),  # a Linear [3*out, in]
         (Cell(2, "q", (0, 0, 8)), Cell(2, "k", (0, 8, 16)), Cell(2, "v", (0, 16, 24)))),
        ("model.embed_tokens.weight", (100, 8), ()),
        ("model.layers.0.input_layernorm.weight", (8,), ()),
        ("model.layers.0.self_attn.q_proj.bias", (8,), ()),
        ("model.layers.0.self_attn.query_key_value.weight", (24, 8), ()),  # not a known layout: outside the grid
    ],
)
def test_names_are_placed_in_the_grid(name, shape, cells):
    assert locate(name, shape) == cells


# ---------------------------------------------------------------- params


def test_identical_checkpoints_change_by_zero(tiny, tmp_path, capsys):
    twin = _copy_model(tiny, tmp_path / "twin", _state(tiny))
    code, out, _ = _run(["analyze", "params", tiny, twin, "-o", tmp_path / "out"], capsys)
    assert code == 0
    rows = _rows(tmp_path / "out" / "params.csv")
    grid = [r for r in rows if r["layer"]]
    assert len(grid) == 2 * 7  # two layers x q k v o gate up down
    assert all(float(r["delta_percent"]) == 0.0 for r in rows)
    assert "attention (q/k/v/o) mean Δ: 0.0000%" in out and "MLP (gate/up/down) mean Δ:  0.0000%" in out
    png = tmp_path / "out" / "params_heatmap.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 2000


def test_a_hand_perturbed_layer_changes_by_exactly_its_delta(tiny, tmp_path, capsys):
    state = _state(tiny)
    target = "model.layers.1.self_attn.q_proj.weight"
    w = state[target].astype(np.float64)
    noise = np.random.default_rng(1).standard_normal(w.shape)
    after = dict(state)
    after[target] = (w + 0.05 * noise).astype(np.float32)
    expected = np.linalg.norm(after[target].astype(np.float64) - w) / np.linalg.norm(w) * 100
    changed = _copy_model(tiny, tmp_path / "after", after)
    code, out, _ = _run(["analyze", "params", tiny, changed, "-o", tmp_path / "out", "--top", "3"], capsys)
    assert code == 0
    rows = {(r["layer"], r["module"]): float(r["delta_percent"]) for r in _rows(tmp_path / "out" / "params.csv") if r["layer"]}
    assert rows.pop(("1", "q")) == pytest.approx(expected, rel=1e-5)
    assert set(rows.values()) == {0.0}
    assert f"layer   1 q     {expected:10.4f}%  {target}" in out
    assert "attention (q/k/v/o) mean Δ: " + f"{expected / 8:.4f}%" in out  # one of 8 attention cells moved


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scale=st.floats(-3.0, 3.0, allow_nan=False), rows=st.integers(1, 6), cols=st.integers(1, 6))
def test_scaling_a_weight_by_1_plus_c_changes_it_by_c_percent(tmp_path_factory, scale, rows, cols):
    d = tmp_path_factory.mktemp("scale")
    w = np.random.default_rng(rows * 7 + cols).standard_normal((rows, cols)).astype(np.float32) + 0.5
    name = "model.layers.0.mlp.up_proj.weight"
    save_file({name: w}, str(d / "a.safetensors"))
    save_file({name: (w * np.float32(1 + scale)).astype(np.float32)}, str(d / "b.safetensors"))
    report = compare(open_checkpoint(d / "a.safetensors"), open_checkpoint(d / "b.safetensors"))
    [cell] = report.cells
    assert cell.delta == pytest.approx(abs(scale) * 100, rel=1e-5, abs=1e-4)


def test_gpt2_fused_qkv_is_split_and_unknown_names_are_listed(tmp_path, capsys):
    rng = np.random.default_rng(0)
    before = {
        "transformer.h.0.attn.c_attn.weight": rng.standard_normal((4, 12)).astype(np.float32),
        "transformer.h.0.attn.c_proj.weight": rng.standard_normal((4, 4)).astype(np.float32),
        "transformer.h.0.mlp.c_fc.weight": rng.standard_normal((4, 16)).astype(np.float32),
        "transformer.h.0.mlp.c_proj.weight": rng.standard_normal((16, 4)).astype(np.float32),
        "transformer.wte.weight": rng.standard_normal((10, 4)).astype(np.float32),
        "transformer.h.0.attn.mystery.weight": rng.standard_normal((4, 4)).astype(np.float32),
    }
    after = dict(before)
    fused = before["transformer.h.0.attn.c_attn.weight"].copy()
    fused[:, 4:8] *= 2.0  # k only: Δ_k = 100%
    after["transformer.h.0.attn.c_attn.weight"] = fused
    after["transformer.h.0.attn.mystery.weight"] = before["transformer.h.0.attn.mystery.weight"] * 1.5
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    save_file(before, str(tmp_path / "b" / "model.safetensors"))
    save_file(after, str(tmp_path / "a" / "model.safetensors"))
    code, out, _ = _run(["analyze", "params", tmp_path / "b", tmp_path / "a", "-o", tmp_path / "out"], capsys)
    assert code == 0
    rows = _rows(tmp_path / "out" / "params.csv")
    grid = {r["module"]: float(r["delta_percent"]) for r in rows if r["layer"]}
    assert grid == {"q": 0.0, "k": pytest.approx(100.0), "v": 0.0, "o": 0.0, "up": 0.0, "down": 0.0}
    others = {r["tensor"]: float(r["delta_percent"]) for r in rows if not r["layer"]}
    assert others == {"transformer.h.0.attn.mystery.weight": pytest.approx(50.0), "transformer.wte.weight": 0.0}
    assert "transformer.h.0.attn.mystery.weight" in out and "2 tensors outside the layer x module grid" in out


def _lora_adapter(tiny: Path, folder: Path, base_name: str) -> Path:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(3)
    model = AutoModelForCausalLM.from_pretrained(str(tiny), local_files_only=True)
    config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "down_proj"], init_lora_weights=False,
                        rank_pattern={"v_proj": 2}, alpha_pattern={"down_proj": 3})
    peft_model = get_peft_model(model, config)
    peft_model.save_pretrained(str(folder))
    cfg = json.loads((folder / "adapter_config.json").read_text())
    cfg["base_model_name_or_path"] = base_name
    (folder / "adapter_config.json").write_text(json.dumps(cfg))
    return folder


def test_a_lora_adapter_is_merged_like_peft_merges_it(tiny, tmp_path, capsys):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    adapter = _lora_adapter(tiny, tmp_path / "adapter", str(tiny))
    base = AutoModelForCausalLM.from_pretrained(str(tiny), local_files_only=True)
    before = {k: v.detach().clone() for k, v in base.state_dict().items()}
    merged = PeftModel.from_pretrained(base, str(adapter)).merge_and_unload().state_dict()
    report = compare(open_checkpoint(tiny), open_checkpoint(adapter))
    assert {c.module for c in report.cells if c.delta > 0} == {"q", "v", "down"}
    for c in report.cells:
        want = float((merged[c.name] - before[c.name]).norm() / before[c.name].norm() * 100)
        assert c.delta == pytest.approx(want, rel=1e-4, abs=1e-6), c.name
    # saliency of the adapter folder is that of the merged model
    from lsr_dsl.analysis.saliency import load_model as load

    merged_dir = tmp_path / "merged"
    PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(str(tiny), local_files_only=True),
                              str(adapter)).merge_and_unload().save_pretrained(str(merged_dir))
    for f in ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja"):
        (merged_dir / f).write_bytes((tiny / f).read_bytes())
    via_adapter = saliency(*load(adapter, "cpu"), "Write two words, then stop.", "sea sky")
    via_merged = saliency(*load(merged_dir, "cpu"), "Write two words, then stop.", "sea sky")
    assert via_adapter.scores == pytest.approx(via_merged.scores, rel=1e-5)
    # an adapter whose recorded base is not on this machine is merged onto BEFORE
    elsewhere = _lora_adapter(tiny, tmp_path / "elsewhere", "some-org/not-here")
    code, out, _ = _run(["analyze", "params", tiny, elsewhere, "-o", tmp_path / "out"], capsys)
    assert code == 0
    rows = {(r["layer"], r["module"]): float(r["delta_percent"]) for r in _rows(tmp_path / "out" / "params.csv") if r["layer"]}
    assert rows[("0", "q")] == pytest.approx(next(c.delta for c in report.cells if (c.layer, c.module) == (0, "q")), rel=1e-6)


def test_gpt2_lora_with_fan_in_fan_out_and_modules_to_save_matches_peft(tmp_path):
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=50, n_positions=32, n_embd=16, n_layer=2, n_head=2,
                                       bos_token_id=0, eos_token_id=0))
    model.save_pretrained(str(tmp_path / "base"))
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    config = LoraConfig(r=2, target_modules=["c_attn", "c_fc"], fan_in_fan_out=True, init_lora_weights=False,
                        modules_to_save=["ln_f"])
    peft_model = get_peft_model(model, config)
    with torch.no_grad():
        peft_model.base_model.model.transformer.ln_f.modules_to_save["default"].weight.mul_(2.0)
    peft_model.save_pretrained(str(tmp_path / "adapter"))  # records no local base: BEFORE is used
    merged = PeftModel.from_pretrained(GPT2LMHeadModel.from_pretrained(str(tmp_path / "base")),
                                       str(tmp_path / "adapter")).merge_and_unload().state_dict()
    from lsr_dsl.analysis.checkpoint import adapter_base_is_missing

    assert adapter_base_is_missing(tmp_path / "adapter")
    report = compare(open_checkpoint(tmp_path / "base"), open_checkpoint(tmp_path / "adapter", base=tmp_path / "base"))
    assert report.modules == ("q", "k", "v", "o", "up", "down")
    by_cell = {(c.layer, c.module): c.delta for c in report.cells}
    for layer in (0, 1):
        fused = "transformer.h.%d.attn.c_attn.weight" % layer
        for i, m in enumerate("qkv"):
            part = slice(16 * i, 16 * (i + 1))
            want = (merged[fused][:, part] - before[fused][:, part]).norm() / before[fused][:, part].norm() * 100
            assert by_cell[(layer, m)] == pytest.approx(float(want), rel=1e-4)
        assert by_cell[(layer, "o")] == 0.0 and by_cell[(layer, "up")] > 0
    others = {c.name: c.delta for c in report.others}
    assert others["transformer.ln_f.weight"] == pytest.approx(100.0)  # replaced by the doubled copy
    assert others["transformer.ln_f.bias"] == 0.0


def test_a_pytorch_bin_checkpoint_reads_like_safetensors(tiny, tmp_path):
    state = {k: torch.from_numpy(v) for k, v in _state(tiny).items()}
    bumped = {k: v * 1.25 if k.endswith("k_proj.weight") else v for k, v in state.items()}
    (tmp_path / "bin").mkdir()
    torch.save(bumped, tmp_path / "bin" / "pytorch_model.bin")
    report = compare(open_checkpoint(tiny), open_checkpoint(tmp_path / "bin"))
    assert {(c.module, round(c.delta, 4)) for c in report.cells} == {(m, 25.0 if m == "k" else 0.0)
                                                                    for m in ("q", "k", "v", "o", "gate", "up", "down")}


_MEMORY_PROBE = r"""
import json, sys
from lsr_dsl.analysis.checkpoint import open_checkpoint
from lsr_dsl.analysis.params import compare
import torch, safetensors.torch

def kib(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])

mode, before, after = sys.argv[1:4]
b, a = open_checkpoint(before), open_checkpoint(after)
# warm up: the first norm loads code pages of torch's kernels, which are not the checkpoint's memory
torch.linalg.vector_norm(torch.ones(8, 8).sub_(torch.zeros(8, 8)).reshape(-1), dtype=torch.float64)
open("/proc/self/clear_refs", "w").write("5")  # reset the peak to the current resident size
start = kib("VmRSS")
if mode == "stream":
    report = compare(b, a)
    n = len(report.cells)
else:  # load both checkpoints whole, as a naive implementation would, then the same norms
    whole = [{}, {}]
    for side, c in zip(whole, (b, a)):
        for p in sorted(set(c.where.values())):
            side.update(safetensors.torch.load_file(str(p)))
    norms = {k: float((whole[1][k] - whole[0][k]).norm() / whole[0][k].norm()) for k in whole[0]}
    n = len(norms)
print(json.dumps({"peak_kib": kib("VmHWM") - start, "n": n}))
"""


def _sharded(folder: Path, seed: int, layers: int, hidden: int, inter: int) -> Path:
    """A Llama-named checkpoint written in one shard per layer, with its index."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    weight_map = {}
    for layer in range(layers):
        prefix = f"model.layers.{layer}."
        shard = {prefix + f"self_attn.{m}_proj.weight": rng.standard_normal((hidden, hidden), dtype=np.float32) for m in "qkvo"}
        shard.update({prefix + f"mlp.{m}_proj.weight": rng.standard_normal((inter, hidden), dtype=np.float32) for m in ("gate", "up")})
        shard[prefix + "mlp.down_proj.weight"] = rng.standard_normal((hidden, inter), dtype=np.float32)
        name = f"model-{layer + 1:05d}-of-{layers:05d}.safetensors"
        save_file(shard, str(folder / name), metadata={"format": "pt"})
        weight_map.update({k: name for k in shard})
    (folder / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    return folder


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc peak-RSS reset")
def test_a_sharded_checkpoint_is_read_within_about_two_tensors_of_memory(tmp_path):
    layers, hidden, inter = 4, 384, 1024
    before = _sharded(tmp_path / "before", 0, layers, hidden, inter)
    after = _sharded(tmp_path / "after", 1, layers, hidden, inter)
    largest = inter * hidden * 4
    total = 2 * layers * (4 * hidden * hidden + 3 * inter * hidden) * 4  # both checkpoints, bytes

    def peak(mode: str) -> dict:
        res = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, mode, str(before), str(after)],
                             capture_output=True, text=True, timeout=300, check=True)
        return json.loads(res.stdout.strip().splitlines()[-1])

    streamed, whole = peak("stream"), peak("whole")
    print(f"peak RSS increase: streaming {streamed['peak_kib']} KiB, whole {whole['peak_kib']} KiB; "
          f"largest tensor {largest // 1024} KiB, both checkpoints {total // 1024} KiB")
    assert streamed["n"] == whole["n"] == layers * 7
    assert whole["peak_kib"] * 1024 > 0.9 * total  # the naive way holds both checkpoints (~40 MB)
    # streaming: a pair of tensors at a time (1.5 MiB each), far below the whole
    assert streamed["peak_kib"] * 1024 < 3 * largest + 2 * 2**20, (streamed, whole, largest, total)


# ---------------------------------------------------------------- saliency


class OneTokenLM(torch.nn.Module):
    """A language model whose every next-token distribution depends on input position ``j`` only."""

    def __init__(self, vocab: int, dim: int, j: int, seed: int = 0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.embed = torch.nn.Embedding(vocab, dim)
        self.out = torch.nn.Linear(dim, vocab, bias=False)
        with torch.no_grad():
            self.embed.weight.copy_(torch.randn(vocab, dim, generator=g))
            self.out.weight.copy_(torch.randn(vocab, dim, generator=g))
        self.j = j

    def get_input_embeddings(self):
        return self.embed

    def forward(self, input_ids):
        e = self.embed(input_ids)
        logits = self.out(e[:, self.j : self.j + 1, :]).expand(-1, input_ids.shape[1], -1)

        class Out:
            pass

        o = Out()
        o.logits = logits
        return o


@pytest.mark.parametrize("pick", ["likeliest", "least_likely"])
def test_saliency_of_a_model_that_reads_one_token(pick):
    model = OneTokenLM(vocab=20, dim=6, j=2)
    prompt = [3, 7, 11, 5]
    with torch.no_grad():
        z = model.out(model.embed.weight[prompt[2]]).double()
    y = int(z.argmax()) if pick == "likeliest" else int(z.argmin())
    ids = prompt + [y, y]
    per_position, total = attribute(model, ids, response_start=len(prompt))
    # L = Σ_t log softmax(z)[y_t]; ∂L/∂e_j · e_j = Σ_t (z_{y_t} − p·z) for the two targets
    p = torch.softmax(z, dim=0)
    expected = 2 * float(z[y] - (p * z).sum())
    assert per_position[2] == pytest.approx(expected, rel=1e-5)
    assert (per_position[2] > 0) == (pick == "likeliest")
    assert [per_position[i] for i in (0, 1, 3)] == [0.0, 0.0, 0.0]
    assert total == pytest.approx(2 * float(torch.log_softmax(z, 0)[y]), rel=1e-5)


def test_saliency_matches_autograd_on_the_tiny_model_with_one_score_per_prompt_token(tiny):
    model, tokenizer = load_model(tiny, "cpu")
    prompt = "First write a short line, then stop."
    result = saliency(model, tokenizer, prompt, "the sea is calm", constraint_words=spec_words("words <= 6 AND lowercase"))
    # one score per prompt token, the tokens cover the prompt exactly
    enc = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    assert len(result.tokens) == len(enc)
    assert "".join(t.text for t in result.tokens) == prompt
    assert {t.text: t.category for t in result.tokens if t.text.strip() in ("then", ",")} == {" then": CONNECTOR, ",": OTHER}
    # the same numbers by hand-written autograd
    text = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True)
    x = tokenizer(text, add_special_tokens=False)["input_ids"]
    y = tokenizer("the sea is calm", add_special_tokens=False)["input_ids"]
    ids = torch.tensor([x + y])
    emb = model.get_input_embeddings()(ids).detach().requires_grad_(True)
    logp = torch.log_softmax(model(inputs_embeds=emb).logits[0, len(x) - 1 : -1], -1)
    loss = logp.gather(-1, torch.tensor(y).unsqueeze(-1)).sum()
    (grad,) = torch.autograd.grad(loss, emb)
    by_hand = (grad * emb).sum(-1)[0].tolist()
    offset = text.find(prompt)
    first = next(i for i, (s, e) in enumerate(tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]) if s >= offset)
    assert [t.attribution for t in result.tokens] == pytest.approx(by_hand[first : first + len(enc)], rel=1e-4, abs=1e-9)
    assert result.log_likelihood == pytest.approx(loss.item(), rel=1e-5)


def test_compare_needs_the_same_prompt_tokens():
    from lsr_dsl.analysis.saliency import Saliency, TokenScore
    from lsr_dsl.analysis.saliency import compare as compare_saliency
    from lsr_dsl.language.errors import LsrConfigError

    a = Saliency("a", "ab", "r", (TokenScore("ab", 0, 2, 1.0, OTHER),), -1.0)
    b = Saliency("b", "ab", "r", (TokenScore("a", 0, 1, 1.0, OTHER), TokenScore("b", 1, 2, -2.0, OTHER)), -1.0)
    with pytest.raises(LsrConfigError, match="split the prompt into different tokens"):
        compare_saliency(a, b)
    assert compare_saliency(b, b).deltas == (0.0, 0.0)


def test_categories_and_spec_words():
    words = spec_words('no_comma AND keywords(["ocean"]) AND words >= 30')
    assert {"comma", "ocean", "word", "30", "keyword"} <= words
    assert categorize("commas", words) == CONSTRAINT
    assert categorize("Otherwise", words) == CONNECTOR
    assert categorize("Finally", words) == CONNECTOR
    assert categorize("banana", words) == OTHER
    assert categorize(None, words) == OTHER


def test_saliency_cli_writes_png_html_csv_and_compares(tiny, tmp_path, capsys):
    state = _state(tiny)
    after = {k: (v * 1.1).astype(np.float32) if "layers.0" in k else v for k, v in state.items()}
    trained = _copy_model(tiny, tmp_path / "trained", after)
    prompt = "First list two fruits, then answer in lowercase with no commas."
    code, out, _ = _run(["analyze", "saliency", tiny, "--compare", trained, "--prompt", prompt, "--response", "apple pear",
                         "--spec", "lowercase AND no_comma", "--device", "cpu", "-o", tmp_path / "out"], capsys)
    assert code == 0
    for name in ("saliency.png", "saliency.html", "saliency.csv"):
        assert (tmp_path / "out" / name).stat().st_size > 500, name
    rows = _rows(tmp_path / "out" / "saliency.csv")
    assert "".join(r["token"] for r in rows) == prompt
    for r in rows:
        assert float(r["delta_s"]) == pytest.approx(float(r["s_after"]) - float(r["s_before"]), abs=2e-6)
    assert any(float(r["delta_s"]) != 0 for r in rows)
    def category_of(word):  # the tiny tokenizer may split a word into several tokens; all share its category
        at = prompt.index(word)
        found = {r["category"] for r in rows if int(r["start"]) < at + len(word) and int(r["end"]) > at}
        assert len(found) == 1, (word, found)
        return found.pop()

    assert [category_of(w) for w in ("First", "then", "lowercase", "commas", "fruits")] == [
        CONNECTOR, CONNECTOR, CONSTRAINT, CONSTRAINT, OTHER]
    page = (tmp_path / "out" / "saliency.html").read_text()
    assert "then</span>" in page and "apple pear" in page
    assert "mean ΔS by category" in out and "connector" in out


def test_saliency_batch_mode(tiny, tmp_path, capsys):
    rows = tmp_path / "rows.jsonl"
    rows.write_text("\n".join(json.dumps(r) for r in [
        {"prompt": "First say hi, then stop, with no commas.", "response": "hi", "spec": "no_comma"},
        {"prompt": "Write one word in lowercase.", "response": "sea"},
    ]) + "\n")
    code, out, err = _run(["analyze", "saliency", tiny, "--compare", tiny, "--batch", rows, "--spec", "lowercase",
                           "-o", tmp_path / "out", "--device", "cpu"], capsys)
    assert code == 0
    summary = json.loads((tmp_path / "out" / "batch_summary.json").read_text())
    assert summary["rows"] == 2 and summary["value"] == "ΔS"
    assert summary["categories"]["connector"] == {"mean": 0.0, "rows": 1}  # the same model twice: ΔS = 0
    assert summary["categories"]["constraint"]["rows"] == 2
    assert len(_rows(tmp_path / "out" / "batch.csv")) == 2
    assert "2/2" in err  # the progress bar


# ---------------------------------------------------------------- bad input


def test_bad_input_is_a_clear_error_with_exit_2(tiny, tmp_path, capsys):
    code, _, err = _run(["analyze", "params", tmp_path / "nope", tiny], capsys)
    assert code == 2 and "BEFORE" in err and "nope: no such file or directory" in err
    (tmp_path / "empty").mkdir()
    code, _, err = _run(["analyze", "params", tiny, tmp_path / "empty"], capsys)
    assert code == 2 and "no model weights here" in err
    # a different architecture: one layer more, one shape different
    state = _state(tiny)
    grown = dict(state)
    grown["model.layers.2.self_attn.q_proj.weight"] = state["model.layers.0.self_attn.q_proj.weight"]
    other = _copy_model(tiny, tmp_path / "grown", grown)
    code, _, err = _run(["analyze", "params", tiny, other, "-o", tmp_path / "o"], capsys)
    assert code == 2 and "different architectures" in err and "model.layers.2.self_attn.q_proj.weight" in err
    reshaped = dict(state)
    reshaped["model.layers.0.mlp.up_proj.weight"] = state["model.layers.0.mlp.up_proj.weight"][:5]
    other = _copy_model(tiny, tmp_path / "reshaped", reshaped)
    code, _, err = _run(["analyze", "params", tiny, other, "-o", tmp_path / "o"], capsys)
    assert code == 2 and "model.layers.0.mlp.up_proj.weight has shape [128, 64] in BEFORE and [5, 64] in AFTER" in err
    # saliency
    code, _, err = _run(["analyze", "saliency", tiny, "--prompt", "  ", "--response", "x"], capsys)
    assert code == 2 and "--prompt is empty" in err
    code, _, err = _run(["analyze", "saliency", tmp_path / "missing", "--prompt", "p", "--response", "r", "--device", "cpu"], capsys)
    assert code == 2 and "MODEL" in err and "missing: no such file or directory" in err
    code, _, err = _run(["analyze", "params", str(tiny) + "x", tiny], capsys)
    assert code == 2 and f"did you mean {tiny}?" in err
    if not torch.cuda.is_available():
        code, _, err = _run(["analyze", "saliency", tiny, "--prompt", "p", "--response", "r", "--device", "cuda"], capsys)
        assert code == 2 and "no CUDA device" in err
    code, _, err = _run(["analyze", "saliency", tiny, "--prompt", "p", "--response", "r", "--spec", "no_comam"], capsys)
    assert code == 2 and "no_comma" in err  # the spec's own diagnostic, with its hint
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "p", "response": "r"}\n{"prompt": "p", "respons": "r"}\n')
    code, _, err = _run(["analyze", "saliency", tiny, "--batch", bad, "--device", "cpu"], capsys)
    assert code == 2 and f"{bad}:2: no string field 'response'; did you mean 'respons'?" in err
    code, _, err = _run(["analyze", "saliency", tiny, "--prompt", "p"], capsys)
    assert code == 2 and "--response" in err
