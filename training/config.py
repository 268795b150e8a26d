"""The ``lsr train`` config file (YAML), validated with pydantic.

Every section rejects unknown keys.  Errors are :class:`~lsr_dsl.language.errors.LsrConfigError`
naming the file and the field path (``tiny.yaml: grpo.learning_rate: Input should be
a valid number``), with the YAML line and column when they can be found.

Relative paths: ``model`` and ``dataset.path`` are looked up next to the config
file first, then in the current directory; ``output_dir`` is relative to the
current directory.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Dict, List, Literal, Optional, Sequence, Tuple, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from lsr_dsl.language.errors import Diagnostic, LsrConfigError
from lsr_dsl.language.span import Span


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class ModelConfig(_Strict):
    name_or_path: str = Field(min_length=1, description="Local directory or Hugging Face hub id.")
    create_tiny_if_missing: bool = Field(
        False, description="Build a tiny random model at name_or_path first if it does not exist (demo/tests).")
    tiny_seed: int = 0
    trust_remote_code: bool = False
    revision: Optional[str] = None
    attn_implementation: Optional[str] = None
    dtype: Optional[Literal["auto", "bfloat16", "float16", "float32"]] = Field(
        None, description="Weights dtype when loading; default follows `precision`.")


class DatasetConfig(_Strict):
    path: str = Field(min_length=1, description="JSONL file, one row per prompt.")
    prompt_column: str = "prompt"
    spec_column: str = "spec"
    limit: Optional[int] = Field(None, ge=1, description="Use only the first N rows.")
    system_prompt: Optional[str] = Field(
        None, description="Prepended as a system message to conversational prompts.")


class RewardConfig(_Strict):
    on_error: Literal["zero", "none"] = "zero"
    strip_think: bool = False
    format_reward: bool = Field(False, description="Add RAIF's think-format reward as a second reward function.")
    require_answer_tag: bool = False
    raif_tiers: bool = False
    weights: Optional[List[float]] = Field(None, description="reward_weights for [lsr, think_format].")
    judge: Optional[str] = Field(
        None, description="What judges soft constraints (tone, judge): a causal LM's path or hub id, classifier:PATH, "
        "http://HOST:PORT/v1[#MODEL], entrypoint:NAME or py:MODULE:ATTR (docs/judges.md)."
    )
    judge_device: Optional[str] = Field(None, description="Device for the judge model, e.g. cuda:1.")
    judge_batch_size: int = Field(16, ge=1, description="Soft leaves per judge forward pass (or concurrent requests).")
    judge_cache: Union[bool, str] = Field(
        True, description="Cache judge answers: true (memory), false, or a file path (SQLite, kept across runs).")
    soft: Literal["error", "skip"] = Field(
        "error", description="Specs with soft constraints and no judge: error at setup, or skip (those rows score None, "
        "counted as lsr/soft_skipped).")


class GrpoConfig(_Strict):
    """GRPO settings passed to TRL's ``GRPOConfig``.  ``None`` means TRL's default."""

    num_generations: int = Field(8, ge=2)
    max_completion_length: int = Field(256, ge=1)
    learning_rate: float = Field(1e-6, gt=0)
    beta: Optional[float] = Field(None, ge=0)
    loss_type: Optional[Literal["grpo", "bnpo", "dr_grpo", "dapo", "cispo", "sapo", "vespo", "luspo"]] = None
    scale_rewards: Optional[Union[Literal["group", "batch", "none"], bool]] = None
    per_device_train_batch_size: int = Field(8, ge=1)
    gradient_accumulation_steps: int = Field(1, ge=1)
    max_steps: int = Field(100, ge=1)
    temperature: Optional[float] = Field(None, gt=0)
    top_p: Optional[float] = Field(None, gt=0, le=1)
    top_k: Optional[int] = Field(None, ge=0)
    repetition_penalty: Optional[float] = Field(None, gt=0)
    num_iterations: Optional[int] = Field(None, ge=1)
    epsilon: Optional[float] = Field(None, gt=0)
    epsilon_high: Optional[float] = Field(None, gt=0)
    generation_batch_size: Optional[int] = Field(None, ge=1)
    steps_per_generation: Optional[int] = Field(None, ge=1)
    mask_truncated_completions: Optional[bool] = None
    lr_scheduler_type: Optional[str] = None
    warmup_steps: Optional[float] = Field(
        None, ge=0, description="Warm-up steps; a value below 1 is a fraction of max_steps (transformers >= 5).")
    weight_decay: Optional[float] = Field(None, ge=0)
    max_grad_norm: Optional[float] = Field(None, gt=0)
    gradient_checkpointing: Optional[bool] = None
    log_completions: Optional[bool] = None
    use_vllm: bool = False
    vllm_mode: Optional[Literal["server", "colocate"]] = None
    vllm_gpu_memory_utilization: Optional[float] = Field(None, gt=0, le=1)
    vllm_tensor_parallel_size: Optional[int] = Field(None, ge=1)
    vllm_server_host: Optional[str] = None
    vllm_server_port: Optional[int] = None
    vllm_server_base_url: Optional[str] = None
    extra: Dict[str, Any] = Field(
        default_factory=dict, description="Any other GRPOConfig/TrainingArguments field, passed through as is.")

    @model_validator(mode="after")
    def _batch_divisible(self) -> "GrpoConfig":
        gen_batch = self.generation_batch_size or (
            self.per_device_train_batch_size * (self.steps_per_generation or self.gradient_accumulation_steps))
        if gen_batch % self.num_generations:
            raise ValueError(
                f"the generation batch ({gen_batch} = per_device_train_batch_size x "
                f"steps_per_generation/gradient_accumulation_steps) must be divisible by "
                f"num_generations ({self.num_generations})")
        return self


class LoraConfigModel(_Strict):
    r: int = Field(16, ge=1)
    alpha: int = Field(32, ge=1)
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: Union[str, List[str]] = "all-linear"
    bias: Literal["none", "all", "lora_only"] = "none"


class SuperiorCotConfig(_Strict):
    """RAIF's superior-CoT enforcement (docs/raif.md)."""

    enabled: bool = True
    comparison: Literal["pairwise", "mean", "best", "sample"] = Field(
        "pairwise", description="How reasoning responses are compared with reasoning-free ones (see docs/raif.md).")
    empty_think: str = Field(
        "<think>\n\n</think>\n\n", min_length=1,
        description="Text appended to the rendered prompt for the reasoning-free responses "
                    "(Qwen3's enable_thinking=False rendering by default).")


class BehaviourCloningConfig(_Strict):
    """RAIF's behaviour cloning: GRPO loss + coef x token-mean NLL of the expert response."""

    coef: float = Field(gt=0, description="Weight of the expert NLL term.")
    column: str = Field("expert", min_length=1, description="Dataset column with the expert response.")


class SftConfig(_Strict):
    """The cold-start supervised stage (``lsr train --stage sft``): TRL's SFTTrainer on the
    dataset's prompts and expert responses."""

    column: Optional[str] = Field(
        None, description="Column with the expert response (default: behaviour_cloning.column, else 'expert').")
    output_dir: Optional[str] = Field(None, description="Where the SFT model goes (default: OUTPUT_DIR-sft).")
    max_steps: int = Field(50, ge=1)
    learning_rate: float = Field(2e-5, gt=0)
    per_device_train_batch_size: int = Field(8, ge=1)
    gradient_accumulation_steps: int = Field(1, ge=1)
    max_length: Optional[int] = Field(None, ge=1, description="Truncate prompt+response to this many tokens.")
    lr_scheduler_type: Optional[str] = None
    warmup_steps: Optional[float] = Field(None, ge=0)
    save_steps: Optional[int] = Field(None, ge=1, description="Default: the top-level save_steps.")
    gradient_checkpointing: Optional[bool] = Field(None, description="Default: TRL's (on).")
    extra: Dict[str, Any] = Field(default_factory=dict, description="Any other SFTConfig field.")


class TrainConfig(_Strict):
    model: ModelConfig
    dataset: DatasetConfig
    mode: Literal["lsrm", "flat", "strict"] = "lsrm"
    gamma: Optional[float] = Field(None, ge=0, le=1, description="THEN decay (default: the compiler's, 0.5).")
    reward: RewardConfig = Field(default_factory=RewardConfig)
    grpo: GrpoConfig = Field(default_factory=GrpoConfig)
    lora: Optional[LoraConfigModel] = None
    superior_cot: Optional[SuperiorCotConfig] = None
    behaviour_cloning: Optional[BehaviourCloningConfig] = None
    sft: Optional[SftConfig] = None
    precision: Literal["auto", "bf16", "fp16", "fp32"] = "auto"
    seed: int = 42
    output_dir: str = "runs/lsr-grpo"
    save_steps: int = Field(50, ge=1)
    save_total_limit: Optional[int] = Field(2, ge=1)
    logging_steps: int = Field(1, ge=1)
    report_to: Union[Literal["auto", "none", "tensorboard", "wandb", "trackio"], List[str]] = "auto"
    plot: bool = True

    @property
    def superior_cot_on(self) -> bool:
        return self.superior_cot is not None and self.superior_cot.enabled

    @field_validator("model", mode="before")
    @classmethod
    def _model_str(cls, v: Any) -> Any:
        return {"name_or_path": v} if isinstance(v, str) else v

    @field_validator("superior_cot", mode="before")
    @classmethod
    def _superior_cot_bool(cls, v: Any) -> Any:
        if isinstance(v, bool):
            return {"enabled": True} if v else None
        return v

    @field_validator("dataset", mode="before")
    @classmethod
    def _dataset_str(cls, v: Any) -> Any:
        return {"path": v} if isinstance(v, str) else v

    # filled in by load_config (not part of the file)
    config_path: Optional[str] = Field(None, exclude=True)


# --------------------------------------------------------------------------- loading
def _yaml_positions(text: str) -> Dict[tuple, tuple]:
    """Map field paths (tuples of keys/indices) → (line, col, end_line, end_col) of their values (1-based)."""
    import yaml

    out: Dict[tuple, tuple] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return out

    def mark(node: Any) -> tuple:
        return (node.start_mark.line + 1, node.start_mark.column + 1, node.end_mark.line + 1, node.end_mark.column + 1)

    def walk(node: Any, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = getattr(k, "value", None)
                out[path + (key,)] = mark(v)
                out[path + (key, "__key__")] = mark(k)
                walk(v, path + (key,))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                out[path + (i,)] = mark(v)
                walk(v, path + (i,))

    if root is not None:
        walk(root, ())
    return out


def _clean_loc(loc: tuple) -> tuple:
    # drop pydantic's union/validator tags so the path reads like the YAML keys
    return tuple(p for p in loc if not (isinstance(p, str) and (
        p.startswith(("function-", "literal[", "list[", "dict[", "union[", "tagged-union[")) or
        p in ("str", "int", "float", "bool", "ModelConfig", "DatasetConfig", "LoraConfigModel",
              "SuperiorCotConfig"))))


class _ConfigErrors(LsrConfigError):
    """Several config errors: those with a YAML position render with the source line and a
    caret, the others (a ``--set`` value, a missing section) as ``error: WHERE: PATH: MESSAGE``."""

    def __init__(self, message: str, parts: List[Any]):
        self._parts = list(parts)
        super().__init__(message, [p for p in parts if isinstance(p, Diagnostic)])

    def render(self) -> str:
        return "\n".join(p.render() if isinstance(p, Diagnostic) else f"error: {p}" for p in self._parts)


def config_error(file: Optional[str], path: str, message: str, source: Optional[str] = None,
                 position: Optional[tuple] = None, hint: Optional[str] = None) -> LsrConfigError:
    where = file or "<config>"
    full = f"{where}: {path}: {message}" if path else f"{where}: {message}"
    span = None
    if position is not None:
        line, col, eline, ecol = position
        span = Span(line=line, column=col, end_line=eline, end_column=max(ecol, col + 1), file=where)
    if span is None:  # no position: render() prints "error: FILE: PATH: MESSAGE"
        return LsrConfigError(full + (f" (hint: {hint})" if hint else ""), [])
    diag = Diagnostic(message=f"{path}: {message}" if path else message, span=span, hint=hint, source=source)
    return LsrConfigError(full, [diag])


# An override (``--set KEY=VALUE``, ``--max-steps N``, …): the key path it set, or a
# file value it replaced, and the label its errors are reported under.
_Owner = Tuple[tuple, str]


def _owner_of(loc: tuple, owners: Sequence[_Owner]) -> Optional[str]:
    for path, label in owners:
        if loc[:len(path)] == path:
            return label
    return None


def _from_validation_error(exc: ValidationError, file: Optional[str], source: Optional[str],
                           owners: Sequence[_Owner] = ()) -> LsrConfigError:
    positions = _yaml_positions(source) if source else {}
    parts: List[Any] = []
    messages = []
    for err in exc.errors():
        loc = _clean_loc(tuple(err.get("loc", ())))
        path = ".".join(str(p) for p in loc)
        msg = err.get("msg", "invalid value")
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        hint = None
        if err.get("type") == "extra_forbidden":
            msg = "unknown field"
            hint = _unknown_field_hint(loc, err.get("input"))
        label = _owner_of(loc, owners)
        if label is not None:  # the value came from the command line, not from the file
            e = config_error(label, path, msg, hint=hint)
        else:
            pos = positions.get(loc + ("__key__",)) if err.get("type") == "extra_forbidden" else positions.get(loc)
            if pos is None:  # a missing field: point at its parent
                for k in range(len(loc) - 1, 0, -1):
                    pos = positions.get(loc[:k] + ("__key__",))
                    if pos:
                        break
            e = config_error(file, path, msg, source, pos, hint)
        parts.extend(e.diagnostics or [str(e)])
        messages.append(str(e))
    head = messages[0] + (f" (and {len(messages) - 1} more)" if len(messages) > 1 else "")
    return _ConfigErrors(head, parts)


_SECTIONS = ("model", "dataset", "reward", "grpo", "lora", "superior_cot", "behaviour_cloning", "sft")


def _ratio(a: str, b: str) -> float:
    import difflib

    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


def _top_level_guess(name: str, value: Any) -> Optional[str]:
    """The closest top-level key; a section name wins when the value is a mapping, or when it
    is nearly as close as the best plain key (``modle`` → ``model``, not ``mode``)."""
    fields = [f for f in TrainConfig.model_fields if f != "config_path"]
    scored = sorted(((_ratio(name, f), f) for f in fields), reverse=True)
    sections = [(r, f) for r, f in scored if f in _SECTIONS]
    if isinstance(value, dict):
        scored = sections
    best_r, best = scored[0] if scored else (0.0, None)
    if best is not None and best not in _SECTIONS and sections and sections[0][0] >= best_r - 0.1:
        best_r, best = sections[0]
    return best if best_r >= 0.6 else None


def _unknown_field_hint(loc: tuple, value: Any = None) -> Optional[str]:
    from lsr_dsl.language.errors import closest

    models: Dict[str, type] = {"model": ModelConfig, "dataset": DatasetConfig, "reward": RewardConfig,
                               "grpo": GrpoConfig, "lora": LoraConfigModel, "superior_cot": SuperiorCotConfig,
                               "behaviour_cloning": BehaviourCloningConfig, "sft": SftConfig}
    if not loc:
        return None
    if len(loc) == 1:
        guess = _top_level_guess(str(loc[0]), value)
        return f"did you mean {guess!r}?" if guess else None
    owner = models.get(str(loc[0]))
    if owner is None:
        return None
    name = str(loc[-1])
    guess = closest(name, owner.model_fields)
    if guess:
        return f"did you mean {guess!r}?"
    if owner is GrpoConfig:
        return "other GRPOConfig fields go under grpo.extra"
    return None


def _read_config_text(p: Path, file: str) -> str:
    if p.is_dir():
        raise config_error(file, "", "is a directory, not a config file")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise config_error(file, "", f"cannot read config: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise config_error(file, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _apply_overrides(data: Dict[str, Any], overrides: Dict[str, Any],
                     labels: Optional[Dict[str, str]]) -> List[_Owner]:
    """Set each dotted key in ``data``; returns who owns which part of the result."""
    owners: List[_Owner] = []
    for dotted, value in overrides.items():
        label = (labels or {}).get(dotted) or f"override {dotted}={value!r}"
        keys = dotted.split(".")
        if not all(k.strip() for k in keys):
            raise config_error(label, "", f"{dotted!r} is not a dotted key path (e.g. grpo.learning_rate)")
        cur = data
        for i, k in enumerate(keys[:-1]):
            nxt = cur.get(k)
            if isinstance(nxt, str) and k in ("model", "dataset") and i == 0:
                nxt = {"name_or_path" if k == "model" else "path": nxt}
            if not isinstance(nxt, dict):
                if nxt is not None:  # a file value replaced by the override: its errors are the override's
                    owners.append((tuple(keys[:i + 1]), label))
                nxt = {}
            cur[k] = nxt
            cur = nxt
        cur[keys[-1]] = value
        owners.append((tuple(keys), label))
    return owners


def load_config(path: str | Path, overrides: Optional[Dict[str, Any]] = None,
                labels: Optional[Dict[str, str]] = None) -> TrainConfig:
    """Read and validate a YAML config.  ``overrides`` are dotted keys (``grpo.max_steps``) set after reading.

    ``labels`` name where each override came from (``{"grpo.beta": "--set grpo.beta=abc"}``):
    an invalid override is reported under that label instead of a position in the file."""
    import yaml

    p = Path(path)
    file = str(path)
    source = _read_config_text(p, file)
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        pos = (mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 2) if mark else None
        where = f"line {pos[0]}, column {pos[1]}: " if pos else ""
        raise config_error(file, "", f"YAML syntax error: {where}{problem}", source, pos) from None
    if data is None:
        if not overrides:
            raise config_error(file, "", "the config is empty (it needs at least `model:` and `dataset:`; "
                                         "see examples/train/tiny.yaml)")
        data = {}
    if not isinstance(data, dict):
        raise config_error(file, "", "the config must be a YAML mapping (key: value lines)", source, (1, 1, 1, 2))
    owners = _apply_overrides(data, overrides or {}, labels)
    try:
        cfg = TrainConfig.model_validate(data)
    except ValidationError as exc:
        raise _from_validation_error(exc, file, source, owners) from None
    cfg.config_path = str(p.resolve())
    _check_extra(cfg, file, source, owners)
    return cfg


_RESERVED = {"output_dir", "seed", "bf16", "fp16", "save_steps", "logging_steps", "save_total_limit", "report_to",
             "model_init_kwargs"}


def _check_extra(cfg: TrainConfig, file: str, source: Optional[str], owners: Sequence[_Owner] = ()) -> None:
    """``grpo.extra`` keys must be GRPOConfig fields (checked without importing TRL when it is absent)."""
    if not cfg.grpo.extra:
        return
    positions = _yaml_positions(source) if source else {}
    fields = grpo_config_fields()
    for key in cfg.grpo.extra:
        loc = ("grpo", "extra", key)
        label = _owner_of(loc, owners)
        where, src, pos = (label, None, None) if label else (file, source, positions.get(loc + ("__key__",)))
        if key in _RESERVED or key in GrpoConfig.model_fields:
            raise config_error(where, ".".join(loc), "set this at its own place in the config, not in grpo.extra",
                               src, pos)
        if fields is not None and key not in fields:
            from lsr_dsl.language.errors import closest

            guess = closest(key, fields)
            raise config_error(where, ".".join(loc), "not a field of TRL's GRPOConfig", src, pos,
                               f"did you mean {guess!r}?" if guess else None)


def grpo_config_fields() -> Optional[set]:
    try:
        from trl import GRPOConfig
    except Exception:  # noqa: BLE001 - TRL not installed: skip the check
        return None
    return {f.name for f in dataclasses.fields(GRPOConfig)}


def resolve_input_path(value: str, config_path: Optional[str]) -> str:
    """A relative path next to the config file if it exists there, else as given (cwd / hub id)."""
    p = Path(value).expanduser()
    if p.is_absolute():
        return str(p)
    if config_path:
        cand = Path(config_path).parent / p
        if cand.exists():
            return str(cand)
    return str(p)
