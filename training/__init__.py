"""GRPO training with lsr rewards (TRL), installed as ``lsr_dsl.training``.

Kept light on purpose: importing this package imports neither torch nor TRL.

* ``lsr_dsl.training.train.run_train(config, resume=False)`` — the loop behind ``lsr train``
* ``lsr_dsl.training.config.load_config(path)`` — the validated YAML config
* ``lsr_dsl.training.tiny_model.make_tiny_model(dir)`` — ``lsr make-tiny-model``
* ``lsr_dsl.training.demo.run_demo(outdir)`` — the CPU demo (examples/train/tiny.yaml)
* ``python -m lsr_dsl.training train CONFIG`` — for ``accelerate launch -m …`` (multi-GPU)

See docs/training.md.
"""
