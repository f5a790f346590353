"""Stage 3, sim: markets whose every position is known (SIMULATED), the bundled demo market, a
synthetic random walk, scenarios on forms no model uses (:mod:`.scenarios`), and the choice of data a notebook runs on (:mod:`.datasource`).
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=["datasource", "demo", "market", "scenarios", "synthetic", "truth"],
    submod_attrs={
        "market": ["simulate_market", "SimConfig", "LogNormalLeverage"],
        "truth": ["MarketTruth"],
        "scenarios": ["simulate_scenario", "ScenarioConfig", "SCENARIOS", "describe_scenarios"],
        "demo": ["load_demo", "serve_demo", "use_demo_mirror", "DEMO_SYMBOL", "demo_days"],
        "synthetic": ["make_synthetic_market"],
        "datasource": ["load_data", "DATA_SOURCES"],
    },
)
