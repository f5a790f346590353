"""Stage 2, estimate: liquidation heatmaps from a market frame.

Brackets and liquidation prices (:mod:`.brackets`), configuration (:mod:`.config`), the result
type (:mod:`.heatmap`), validated inputs (:mod:`.inputs`), the numba pieces models share
(:mod:`.kernels`), one module per model (:mod:`.turnover`, :mod:`.oi_flow`), the model registry
(:mod:`.registry`, ``estimate_heatmap``), the default model's priors (:mod:`.priors`), its
level fits (:mod:`.level`) and calibration (:mod:`.calibrate`).
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=[
        "brackets", "calibrate", "config", "heatmap", "inputs", "kernels", "level", "oi_flow",
        "priors", "registry", "turnover", "venue_tiers", "window",
    ],
    submod_attrs={
        "registry": ["estimate_heatmap", "MODELS", "DEFAULT_MODEL", "ModelSpec"],
        "heatmap": ["Heatmap"],
        "config": ["EngineParams", "LeverageMix", "LeverageDensity", "default_mix"],
        "brackets": ["liquidation_price", "get_bracket_table", "BracketTable"],
        "calibrate": ["calibrate_leverage_mix", "MixCalibration"],
        "priors": ["DEFAULT_LEVEL", "margin_mixture_density", "level_band", "LevelPrior"],
        "level": ["implied_share", "fit_share_from_oi_drops", "derive_level_prior"],
        "window": ["prepare_window", "run_window", "WindowRun"],
        "venue_tiers": ["get_tier_table", "VenueTiersWarning"],
    },
)  # fmt: skip
