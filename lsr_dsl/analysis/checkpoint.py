"""Reading a checkpoint one tensor at a time: safetensors files (single or sharded), PyTorch
``.bin`` files, and LoRA/PEFT adapter directories merged onto their base on the fly.

A :class:`Checkpoint` knows every tensor's name and shape from the file headers alone and loads
one tensor per :meth:`Checkpoint.load` call, opening its safetensors file for that call only
(so no mapping of a large file outlives the tensor read from it).
"""
from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from lsr_dsl.language.errors import LsrConfigError

ADAPTER_CONFIG = "adapter_config.json"
_PEFT_PREFIX = "base_model.model."
_LORA_KEY = re.compile(r"^(?P<module>.+)\.(?P<part>lora_A|lora_B|lora_embedding_A|lora_embedding_B)(?:\.[\w-]+)?(?:\.weight)?$")

Shape = Tuple[int, ...]


@dataclass(frozen=True)
class Checkpoint:
    """A set of named tensors on disk: ``where[name]`` is the file holding ``name``."""

    path: Path
    shapes: Mapping[str, Shape]
    where: Mapping[str, Path]
    kind: str  # "safetensors" | "bin"
    lora: Optional["LoraDelta"] = None

    @property
    def names(self) -> List[str]:
        return list(self.shapes)

    def load(self, name: str) -> Any:
        """The tensor ``name`` as float32 (a LoRA delta already added)."""
        import torch

        tensor = _read(self.where[name], name, self.kind).to(torch.float32)
        if self.lora is not None:
            tensor = self.lora.apply(name, tensor)
        return tensor


@dataclass(frozen=True)
class LoraPair:
    a: str
    b: str
    scale: float
    embedding: bool


@dataclass(frozen=True)
class LoraDelta:
    """The LoRA pairs of an adapter file, keyed by the base tensor they change."""

    file: Path
    pairs: Mapping[str, LoraPair]
    replaced: Mapping[str, str]  # base tensor -> adapter tensor that replaces it (modules_to_save)
    fan_in_fan_out: bool = False
    tensors: Dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def _get(self, key: str) -> Any:
        import torch

        if key not in self.tensors:
            self.tensors[key] = _read(self.file, key, "safetensors" if self.file.suffix == ".safetensors" else "bin").to(torch.float32)
        return self.tensors[key]

    def apply(self, name: str, weight: Any) -> Any:
        if name in self.replaced:
            return self._get(self.replaced[name]).clone()
        pair = self.pairs.get(name)
        if pair is None:
            return weight
        delta = (self._get(pair.b) @ self._get(pair.a)) * pair.scale
        if pair.embedding or self.fan_in_fan_out:
            delta = delta.T
        if tuple(delta.shape) != tuple(weight.shape):
            raise LsrConfigError(f"{self.file}: LoRA update for {name} has shape {list(delta.shape)}, "
                                 f"the base weight {list(weight.shape)}; is this adapter for another base model?")
        return weight.add_(delta)


def _read(file: Path, name: str, kind: str) -> Any:
    if kind == "safetensors":
        from safetensors import safe_open

        with safe_open(str(file), framework="pt") as f:
            return f.get_tensor(name)
    return _bin_state(file)[name]


_BIN_CACHE: Dict[Path, Any] = {}


def _bin_state(file: Path) -> Any:
    """A ``.bin`` state dict, memory-mapped (its tensors are read from disk as they are used)."""
    import torch

    if file not in _BIN_CACHE:
        try:
            _BIN_CACHE[file] = torch.load(str(file), map_location="cpu", mmap=True, weights_only=True)
        except Exception as exc:  # noqa: BLE001 - any unpickling failure is a bad file
            raise LsrConfigError(f"{file}: not a readable PyTorch checkpoint ({type(exc).__name__}: {exc})") from None
    return _BIN_CACHE[file]


def _safetensors_header(file: Path) -> Dict[str, Shape]:
    from safetensors import safe_open

    try:
        with safe_open(str(file), framework="pt") as f:
            return {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}
    except Exception as exc:  # noqa: BLE001 - a corrupt header surfaces as several exception types
        raise LsrConfigError(f"{file}: not a readable safetensors file ({exc})") from None


def _index(file: Path) -> Dict[str, str]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        weight_map = data["weight_map"]
        if not isinstance(weight_map, dict):
            raise TypeError("weight_map is not an object")
        return {str(k): str(v) for k, v in weight_map.items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LsrConfigError(f"{file}: not a checkpoint index ({type(exc).__name__}: {exc})") from None


def _files(folder: Path, suffix: str, index_name: str) -> Optional[List[Path]]:
    index = folder / index_name
    if index.is_file():
        names = sorted(set(_index(index).values()))
        missing = [n for n in names if not (folder / n).is_file()]
        if missing:
            raise LsrConfigError(f"{index}: names shard {missing[0]}, which is not in {folder}"
                                 + (f" (and {len(missing) - 1} more missing)" if len(missing) > 1 else ""))
        return [folder / n for n in names]
    found = sorted(p for p in folder.glob(f"*{suffix}") if not p.name.startswith("adapter_model"))
    return found or None


def missing_path(p: Path, role: str) -> str:
    """``role p: no such file or directory``, with the closest name beside it as a hint."""
    from lsr_dsl.language.errors import closest

    parent = p.parent if p.parent.is_dir() else None
    guess = closest(p.name, [c.name for c in parent.iterdir()]) if parent is not None else None
    return f"{role} {p}: no such file or directory" + (f"; did you mean {parent / guess}?" if guess else "")


def open_checkpoint(path: "os.PathLike[str] | str", *, base: Optional["os.PathLike[str] | str"] = None,
                    role: str = "checkpoint") -> Checkpoint:
    """The checkpoint at ``path``: a model directory, a single ``.safetensors``/``.bin`` file, or a
    PEFT adapter directory (merged onto ``base``, or onto its ``base_model_name_or_path``)."""
    p = Path(path)
    if not p.exists():
        raise LsrConfigError(missing_path(p, role))
    if p.is_file():
        if p.suffix == ".safetensors":
            shapes = _safetensors_header(p)
            return Checkpoint(p, shapes, {k: p for k in shapes}, "safetensors")
        if p.suffix in (".bin", ".pt", ".pth"):
            state = _bin_state(p)
            return Checkpoint(p, {k: tuple(v.shape) for k, v in state.items()}, {k: p for k in state}, "bin")
        raise LsrConfigError(f"{role} {p}: not a checkpoint (expected a directory, a .safetensors or a .bin file)")
    if (p / ADAPTER_CONFIG).is_file():
        return _open_adapter(p, base, role)
    shards = _files(p, ".safetensors", "model.safetensors.index.json")
    if shards:
        shapes: Dict[str, Shape] = {}
        where: Dict[str, Path] = {}
        for shard in shards:
            for k, s in _safetensors_header(shard).items():
                shapes[k], where[k] = s, shard
        return Checkpoint(p, shapes, where, "safetensors")
    bins = _files(p, ".bin", "pytorch_model.bin.index.json")
    if bins:
        shapes, where = {}, {}
        for shard in bins:
            for k, v in _bin_state(shard).items():
                shapes[k], where[k] = tuple(v.shape), shard
        return Checkpoint(p, shapes, where, "bin")
    hint = ""
    subs = sorted(d.name for d in p.iterdir() if d.is_dir() and (any(d.glob("*.safetensors")) or (d / ADAPTER_CONFIG).exists()))
    if subs:
        hint = f"; it has checkpoint folders inside: {', '.join(subs[:5])}"
    raise LsrConfigError(f"{role} {p}: no model weights here (no *.safetensors, no pytorch_model.bin, "
                         f"no {ADAPTER_CONFIG}){hint}")


def adapter_base_is_missing(path: "os.PathLike[str] | str") -> bool:
    """True when ``path`` is an adapter folder whose recorded base model is not a local folder."""
    config_file = Path(path) / ADAPTER_CONFIG
    if not config_file.is_file():
        return False
    try:
        base = json.loads(config_file.read_text(encoding="utf-8")).get("base_model_name_or_path")
    except (OSError, ValueError, AttributeError):
        return False  # open_checkpoint reports the unreadable config
    return not (base and Path(str(base)).exists())


def _open_adapter(folder: Path, base: Optional["os.PathLike[str] | str"], role: str) -> Checkpoint:
    config_file = folder / ADAPTER_CONFIG
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
        if not isinstance(config, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        raise LsrConfigError(f"{config_file}: unreadable adapter config ({exc})") from None
    peft_type = str(config.get("peft_type", "LORA")).upper()
    if peft_type != "LORA" or config.get("use_dora"):
        raise LsrConfigError(f"{config_file}: only plain LoRA adapters can be merged, not "
                             f"{'DoRA' if config.get('use_dora') else peft_type}")
    base_path = Path(base) if base is not None else Path(str(config.get("base_model_name_or_path") or ""))
    if base is None and not (str(base_path) and base_path.exists()):
        raise LsrConfigError(f"{role} {folder}: a LoRA adapter whose base model "
                             f"{config.get('base_model_name_or_path')!r} is not a local folder; "
                             f"name the base with --base DIR")
    base_ckpt = open_checkpoint(base_path, role=f"base model of {folder}")
    adapter_file = folder / "adapter_model.safetensors"
    if not adapter_file.is_file():
        adapter_file = folder / "adapter_model.bin"
    if not adapter_file.is_file():
        raise LsrConfigError(f"{folder}: adapter folder without adapter_model.safetensors or adapter_model.bin")
    names = list(_safetensors_header(adapter_file)) if adapter_file.suffix == ".safetensors" else list(_bin_state(adapter_file))
    lora = _lora_pairs(adapter_file, names, config, base_ckpt)
    return Checkpoint(folder, base_ckpt.shapes, base_ckpt.where, base_ckpt.kind, lora)


def _scale(module: str, config: Mapping[str, Any]) -> float:
    r = config.get("r", 8)
    alpha = config.get("lora_alpha", r)
    for pattern, value in (config.get("rank_pattern") or {}).items():
        if re.search(rf"(^|\.){pattern}$", module):
            r = value
    for pattern, value in (config.get("alpha_pattern") or {}).items():
        if re.search(rf"(^|\.){pattern}$", module):
            alpha = value
    return alpha / math.sqrt(r) if config.get("use_rslora") else alpha / r


def _base_name(module: str, base: Checkpoint) -> Optional[str]:
    """The base tensor that a PEFT module path names (PEFT keeps the model's own prefix under
    ``base_model.model.``)."""
    stem = module[len(_PEFT_PREFIX):] if module.startswith(_PEFT_PREFIX) else module
    for candidate in (stem + ".weight", stem, "model." + stem + ".weight"):
        if candidate in base.shapes:
            return candidate
    return None


def _lora_pairs(file: Path, names: List[str], config: Mapping[str, Any], base: Checkpoint) -> LoraDelta:
    halves: Dict[str, Dict[str, str]] = {}
    replaced: Dict[str, str] = {}
    unmatched: List[str] = []
    for key in names:
        m = _LORA_KEY.match(key)
        if m:
            halves.setdefault(m.group("module"), {})[m.group("part")] = key
            continue
        stem = key.replace(".modules_to_save", "").replace(".original_module", "")
        target = _base_name(stem[: -len(".weight")] if stem.endswith(".weight") else stem, base)
        if target is None:
            unmatched.append(key)
        else:
            replaced[target] = key
    pairs: Dict[str, LoraPair] = {}
    for module, parts in halves.items():
        target = _base_name(module, base)
        embedding = "lora_embedding_A" in parts
        a = parts.get("lora_embedding_A" if embedding else "lora_A")
        b = parts.get("lora_embedding_B" if embedding else "lora_B")
        if target is None or a is None or b is None:
            unmatched.append(module)
            continue
        pairs[target] = LoraPair(a, b, _scale(module, config), embedding)
    if unmatched:
        from lsr_dsl.language.errors import closest

        guess = closest(unmatched[0].replace(_PEFT_PREFIX, ""), base.names)
        raise LsrConfigError(f"{file}: adapter tensor {unmatched[0]} changes no tensor of the base model {base.path}"
                             + (f" (and {len(unmatched) - 1} more)" if len(unmatched) > 1 else "")
                             + (f"; did you mean {guess}?" if guess else ""))
    return LoraDelta(file, pairs, replaced, bool(config.get("fan_in_fan_out")))
